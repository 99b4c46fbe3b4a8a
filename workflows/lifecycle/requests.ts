// What a step asks the outside for while it runs: the policy digest, a schedule, a respond-by
// instant, a London date. Steps are generators that yield these requests; the workflow answers them
// with local activities (recorded in history), the unit tests with the schedule engine itself.
// Also the schedule bookkeeping every step shares: merging a new schedule into the model, meeting
// deadlines and raising escalations.
import {
  frozen,
  lowestOnLadder,
  type AuthorityId,
  type DeadlineSpec,
  type Escalation,
  type ManagerRank,
  type Person,
  type PinnedPolicy,
  type PolicyDigest,
  type RuleViolation,
  type Schedule,
  type ScheduleFacts,
  type Side,
} from '../contract';
import { allocationPending, specFor, type CompletionTerms, type TransferModel } from './model';

export type Request =
  | { kind: 'firstSchedule'; input: { authority: AuthorityId; kind: string; facts: ScheduleFacts } }
  | { kind: 'migrationDigest'; input: { authority: AuthorityId; kind: string; asOf: string; policyVersion?: string } }
  | { kind: 'computeSchedule'; input: ScheduleFacts & { policy?: PinnedPolicy } }
  | { kind: 'completionTrial'; input: { guard: ScheduleFacts; completed: ScheduleFacts; policy?: PinnedPolicy } }
  | { kind: 'escalationRespondBy'; input: { authority: AuthorityId; raisedAt: string; reason?: string; policy?: PinnedPolicy } }
  | { kind: 'localDate'; input: { instant: string } };

export type Asks<T> = Generator<Request, T, unknown>;

/** A schedule under the transfer's pinned policy (`policy`), never the file in force now. */
export function* computeSchedule(facts: ScheduleFacts, policy?: PinnedPolicy): Asks<Schedule> {
  const input = JSON.parse(JSON.stringify(facts)) as ScheduleFacts & { policy?: PinnedPolicy };
  if (policy) input.policy = policy;
  return (yield { kind: 'computeSchedule', input }) as Schedule;
}
export function* localDate(instant: string): Asks<string> {
  return (yield { kind: 'localDate', input: { instant } }) as string;
}
function* respondBy(authority: AuthorityId, raisedAt: string, reason?: string, policy?: PinnedPolicy): Asks<string> {
  // A raised reason may set its own answer time (e.g. Barking and Dagenham's 24 hours).
  const input = { authority, raisedAt, ...(reason ? { reason } : {}), ...(policy ? { policy } : {}) };
  return (yield { kind: 'escalationRespondBy', input }) as string;
}

/** A refusal: the event is not applied, the model is unchanged. The shell turns it into a failure. */
export class Refusal extends Error {
  constructor(
    readonly type: 'InvalidState' | 'RuleViolation' | 'Forbidden' | 'NotFound',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

/** A trial schedule and the facts it was asked for: the reschedule after it takes it when the facts are still those. */
export interface Trial {
  facts: string;
  schedule: Schedule;
}

/** The facts as a schedule is asked for now: as of `now` (or later), with the allocation flag of this moment (or of the completion about to be made). */
function asked(m: TransferModel, facts: ScheduleFacts, now: string, asOf?: string, completion?: CompletionTerms): ScheduleFacts {
  facts.asOf = [now, asOf ?? '', m.recurringMetThrough ?? ''].sort().pop()!;
  facts.allocationPending = allocationPending(m, completion);
  return facts;
}

/**
 * The one completion guard: what the policy forbids about lead responsibility moving on the effective date
 * (notice periods, maximum stays, earliest dates, blackouts, preconditions of an early transfer),
 * under the transfer's pinned policy as every other schedule (a newer file must not decide it).
 * The same request brings the schedule once completed on those terms, as a trial the
 * completion's reschedule takes when its facts turn out to be these: one local activity, not two.
 */
export function* completionGuard(m: TransferModel, now: string, terms: CompletionTerms): Asks<{ violations: RuleViolation[]; trial: Trial }> {
  const on = terms.effectiveOn;
  const completed = asked(m, { ...m.facts, completedOn: on }, now, undefined, terms);
  const input = JSON.parse(JSON.stringify({ guard: { ...m.facts, completingOn: on }, completed })) as { guard: ScheduleFacts; completed: ScheduleFacts; policy?: PinnedPolicy };
  if (m.digest?.policy) input.policy = m.digest.policy;
  const answer = (yield { kind: 'completionTrial', input }) as { violations: RuleViolation[]; schedule: Schedule };
  return { violations: answer.violations, trial: { facts: JSON.stringify(completed), schedule: answer.schedule } };
}

/** Computes a schedule for changed facts without keeping it; refuses on a rule violation. */
export function* tryFacts(m: TransferModel, change: Partial<ScheduleFacts>, now: string): Asks<Trial> {
  const candidate = asked(m, { ...m.facts, ...change }, now);
  const trial = yield* computeSchedule(candidate, m.digest?.policy);
  if (trial.violations.length) {
    const violations: RuleViolation[] = trial.violations;
    throw new Refusal('RuleViolation', violations.map((v) => `${v.rule}: ${v.message}`).join('; '), violations);
  }
  m.facts = candidate;
  return { facts: JSON.stringify(candidate), schedule: trial };
}

/**
 * The start's one request: the digest of the policy in force, pinned, and the first schedule under
 * it, as a trial the start's reschedule takes (its facts do not depend on the digest: nothing is
 * completed yet, so no allocation is pending).
 */
export function* firstSchedule(m: TransferModel, now: string): Asks<{ digest: PolicyDigest; trial: Trial }> {
  const facts = asked(m, m.facts, now);
  const input = { authority: m.transfer.authority, kind: m.transfer.kind, facts: JSON.parse(JSON.stringify(facts)) as ScheduleFacts };
  const answer = (yield { kind: 'firstSchedule', input }) as { digest: PolicyDigest; schedule: Schedule };
  return { digest: frozen(answer.digest), trial: { facts: JSON.stringify(facts), schedule: answer.schedule } };
}

/**
 * A new schedule for the current facts, merged into the model. `asOf` later than now arms the next
 * occurrence of a recurring obligation met early; a `trial` for the same facts is taken as it is.
 */
export function* reschedule(m: TransferModel, now: string, opts: { asOf?: string; newClocks?: boolean; trial?: Trial } = {}): Asks<Schedule> {
  asked(m, m.facts, now, opts.asOf);
  const { trial } = opts;
  const next = frozen(trial?.facts === JSON.stringify(m.facts) ? trial.schedule : yield* computeSchedule(m.facts, m.digest?.policy));
  const s = m.transfer;
  m.schedule = next;
  s.policyVersion = next.policyVersion;
  s.calendarVersion = next.calendarVersion;
  s.warnings = next.warnings;
  // Breaches a completion recorded stay; the schedule's own flags (notice shortfalls) follow the facts.
  s.flags = [...(s.flags ?? []).filter((f) => f.type === 'completion-breach'), ...next.flags];
  // The unit choices are pinned by the first schedule: a later change of the deployment's settings leaves a running transfer alone.
  m.facts.unitSettings ??= next.unitSettings;
  s.unitSettings = m.facts.unitSettings;
  if (next.window) {
    s.window = {
      opensOn: next.window.opensOn,
      endsOn: next.window.endsOn,
      originalEndsOn: s.window?.originalEndsOn ?? next.window.originalEndsOn,
      onHold: m.regions.hold.state === 'on-hold',
    };
  }
  const byId = new Map(s.checklist.map((i) => [i.itemId, i]));
  s.checklist = next.checklist.map((t) => {
    const existing = byId.get(t.itemId);
    return existing ? { ...existing, title: t.title, appliesBecause: t.appliesBecause, blocking: t.blocking } : { ...t, state: 'open' };
  });
  mergeDeadlines(m, next.deadlines, Boolean(opts.newClocks));
  return next;
}

function mergeDeadlines(m: TransferModel, specs: DeadlineSpec[], newClocks: boolean): void {
  const s = m.transfer;
  for (const spec of specs) {
    const same = s.deadlines.filter((d) => d.id === spec.id || d.id.startsWith(`${spec.id}#`));
    const pending = same.find((d) => d.state === 'pending');
    const { what, due, dueOn, practicalDueOn, rule, source } = spec;
    const fields = { what, due, dueOn, practicalDueOn, rule, source };
    if (pending) Object.assign(pending, fields);
    // Already met or missed: a shift of the clock (a hold) does not re-open it; a new decision
    // starts again only the clocks that count from a decision.
    else if (same.length && !(newClocks && spec.fromDecision)) continue;
    else if (!same.some((d) => d.due === spec.due)) {
      s.deadlines.push({ id: same.length ? `${spec.id}#${same.length + 1}` : spec.id, ...fields, state: 'pending' });
    }
  }
  // Pending clocks the schedule no longer arms (e.g. the kind completed) are dropped.
  const armed = new Set(specs.map((x) => x.id));
  s.deadlines = s.deadlines.filter((d) => d.state !== 'pending' || armed.has(d.id.split('#')[0]));
}

const DAY_MS = 24 * 3600 * 1000;

/** Days after the due date: by the event's own date when it carries one, else by the instant it arrived. */
function lateBy(d: { due: string; dueOn: string }, now: string, on?: string): number {
  if (on) return Math.max(0, Math.round((Date.parse(`${on.slice(0, 10)}T00:00:00Z`) - Date.parse(`${d.dueOn}T00:00:00Z`)) / DAY_MS));
  const late = Date.parse(now) - Date.parse(d.due);
  return late < 0 ? 0 : Math.floor(late / DAY_MS) + 1;
}

/**
 * Pending (or missed) deadlines this event fulfils: met when the date it carries is on or before the
 * due date, else met-late with the days late; an overdue one done late settles its escalation.
 */
export function meetDeadlines(m: TransferModel, now: string, by: DeadlineSpec['metBy'], event?: string, on?: string): void {
  const fulfilled = new Set<string>();
  for (const d of m.transfer.deadlines) {
    const spec = specFor(m, d);
    if ((d.state !== 'pending' && d.state !== 'missed') || spec?.metBy !== by) continue;
    const only = by === 'checklist-item' ? spec.metByItem : spec.metByEvent;
    if (only && only !== event) continue;
    const late = d.state === 'missed' ? Math.max(1, lateBy(d, now, on)) : lateBy(d, now, on);
    d.state = late > 0 ? 'met-late' : 'met';
    if (late > 0) d.lateByDays = late;
    if (on) d.metOn = on.slice(0, 10);
    fulfilled.add(d.id);
  }
  for (const e of m.transfer.escalations) {
    if (e.state === 'open' && e.deadlineId && fulfilled.has(e.deadlineId)) {
      e.state = 'answered';
      e.answer = { by: 'system', decision: 'resolved', note: 'the overdue obligation was done', at: now };
    }
  }
  for (const t of m.transfer.tasks ?? []) if (t.state === 'open' && fulfilled.has(t.deadlineId)) t.state = 'done';
}

/** The transfer ended (cancelled, rejected): its pending clocks are waived and nothing holds it blocked. */
export function waiveDeadlines(m: TransferModel, _now: string): void {
  for (const d of m.transfer.deadlines) if (d.state === 'pending') d.state = 'waived';
  m.transfer.blocked = undefined;
}

/** Escalations raised without a deadline (sign-off alert, tray) end when what they chase happens. */
export function settleEscalations(m: TransferModel, now: string, reason: RegExp, note: string): void {
  for (const e of m.transfer.escalations) {
    if (e.state === 'open' && !e.deadlineId && reason.test(e.reason)) {
      e.state = 'answered';
      e.answer = { by: 'system', decision: 'resolved', note, at: now };
    }
  }
}

/** A task for the lowest person at or above the rank on that side, done when its deadline is met. */
export function raiseTask(m: TransferModel, now: string, t: { task: string; rule: string; source: string; deadlineId: string; side: Side; fromRank: ManagerRank }): void {
  const tasks = m.transfer.tasks;
  const { fromRank, ...task } = t;
  tasks.push({ taskId: `task-${tasks.length + 1}`, ...task, owner: personOnChain(m, t.side, fromRank), raisedAt: now, state: 'open' });
}

/** The lowest person on the side's ladder at or above the rank (and above `above`, when climbing). */
export function personOnChain(m: TransferModel, side: Side, fromRank: ManagerRank, above?: Person): Person | undefined {
  return lowestOnLadder(m.transfer.people, side, fromRank, above);
}

export function* raiseEscalation(
  m: TransferModel,
  now: string,
  e: {
    side: Side;
    fromRank: ManagerRank;
    reason: string;
    deadlineId?: string;
    above?: Person;
    level?: number;
    /** What a raised escalation carries up every rung (its rule and who raised it). */
    carry?: Pick<Escalation, 'rule' | 'source' | 'raised'>;
    /** The raised reason whose own answer time applies (its first rung). */
    respondByReason?: string;
  },
): Asks<Escalation | undefined> {
  const to = personOnChain(m, e.side, e.fromRank, e.above);
  if (!to) return undefined;
  const escalation: Escalation = {
    escalationId: `esc-${m.transfer.escalations.length + 1}`,
    reason: e.reason,
    deadlineId: e.deadlineId,
    side: e.side,
    level: e.level ?? 1,
    to,
    raisedAt: now,
    respondBy: yield* respondBy(m.transfer.authority, now, e.respondByReason, m.digest?.policy),
    state: 'open',
    ...e.carry,
  };
  m.transfer.escalations.push(escalation);
  return escalation;
}
