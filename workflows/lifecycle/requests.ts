// What a step asks the outside for while it runs: the policy digest, a schedule, a respond-by
// instant, a London date. Steps are generators that yield these requests; the workflow answers them
// with local activities (recorded in history), the unit tests with the schedule engine itself.
// Also the schedule bookkeeping every step shares: merging a new schedule into the model, meeting
// deadlines and raising escalations.
import {
  rankIndex,
  type AuthorityId,
  type DeadlineSpec,
  type ManagerRank,
  type Person,
  type PolicyDigest,
  type RuleViolation,
  type Schedule,
  type ScheduleFacts,
  type Side,
} from '../contract';
import { allocationPending, specFor, type TransferModel } from './model';

export type Request =
  | { kind: 'loadPolicyDigest'; input: { authority: AuthorityId; kind: string } }
  | { kind: 'computeSchedule'; input: ScheduleFacts }
  | { kind: 'escalationRespondBy'; input: { authority: AuthorityId; raisedAt: string } }
  | { kind: 'localDate'; input: { instant: string } };

export type Asks<T> = Generator<Request, T, unknown>;

export function* loadDigest(authority: AuthorityId, kind: string): Asks<PolicyDigest> {
  return (yield { kind: 'loadPolicyDigest', input: { authority, kind } }) as PolicyDigest;
}
export function* computeSchedule(facts: ScheduleFacts): Asks<Schedule> {
  return (yield { kind: 'computeSchedule', input: JSON.parse(JSON.stringify(facts)) as ScheduleFacts }) as Schedule;
}
export function* localDate(instant: string): Asks<string> {
  return (yield { kind: 'localDate', input: { instant } }) as string;
}
function* respondBy(authority: AuthorityId, raisedAt: string): Asks<string> {
  return (yield { kind: 'escalationRespondBy', input: { authority, raisedAt } }) as string;
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

/** Computes a schedule for changed facts without keeping it; refuses on a rule violation. */
export function* tryFacts(m: TransferModel, change: Partial<ScheduleFacts>): Asks<void> {
  const candidate = { ...m.facts, ...change };
  const trial = yield* computeSchedule(candidate);
  if (trial.violations.length) {
    const violations: RuleViolation[] = trial.violations;
    throw new Refusal('RuleViolation', violations.map((v) => `${v.rule}: ${v.message}`).join('; '), violations);
  }
  m.facts = candidate;
}

/** A new schedule for the current facts, merged into the model. `asOf` later than now arms the next occurrence of a recurring obligation met early. */
export function* reschedule(m: TransferModel, now: string, opts: { asOf?: string; newClocks?: boolean } = {}): Asks<Schedule> {
  m.facts.asOf = [now, opts.asOf ?? '', m.recurringMetThrough ?? ''].sort().pop()!;
  m.facts.allocationPending = allocationPending(m);
  const next = yield* computeSchedule(m.facts);
  const s = m.transfer;
  m.schedule = next;
  s.policyVersion = next.policyVersion;
  s.calendarVersion = next.calendarVersion;
  s.warnings = next.warnings;
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
    // Already met or missed: a shift of the clock (a hold) does not re-open it; a new decision does.
    else if (same.length && !newClocks) continue;
    else if (!same.some((d) => d.due === spec.due)) {
      s.deadlines.push({ id: same.length ? `${spec.id}#${same.length + 1}` : spec.id, ...fields, state: 'pending' });
    }
  }
  // Pending clocks the schedule no longer arms (e.g. the kind completed) are dropped.
  const armed = new Set(specs.map((x) => x.id));
  s.deadlines = s.deadlines.filter((d) => d.state !== 'pending' || armed.has(d.id.split('#')[0]));
}

/** Pending deadlines met by this event become met; an overdue one done late settles its escalation. */
export function meetDeadlines(m: TransferModel, now: string, by: DeadlineSpec['metBy'], event?: string): void {
  const fulfilled = new Set<string>();
  for (const d of m.transfer.deadlines) {
    const spec = specFor(m, d);
    if ((d.state !== 'pending' && d.state !== 'missed') || spec?.metBy !== by) continue;
    if (spec.metByEvent && spec.metByEvent !== event) continue;
    // A missed deadline stays missed; what it asked for has now happened, late.
    if (d.state === 'pending') d.state = 'met';
    fulfilled.add(d.id);
  }
  for (const e of m.transfer.escalations) {
    if (e.state === 'open' && e.deadlineId && fulfilled.has(e.deadlineId)) {
      e.state = 'answered';
      e.answer = { by: 'system', decision: 'resolved', note: 'the overdue obligation was done', at: now };
    }
  }
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

/** The lowest person on the side's ladder at or above the rank (and above `above`, when climbing). */
export function personOnChain(m: TransferModel, side: Side, fromRank: ManagerRank, above?: Person): Person | undefined {
  const chain = m.transfer.people.chain[side] ?? [];
  const min = above ? Math.max(rankIndex(fromRank), rankIndex(above.role) + 1) : rankIndex(fromRank);
  const startAfter = above ? chain.findIndex((p) => p.id === above.id) : -1;
  return chain.find((p, i) => i > startAfter && rankIndex(p.role) >= min);
}

export function* raiseEscalation(
  m: TransferModel,
  now: string,
  e: { side: Side; fromRank: ManagerRank; reason: string; deadlineId?: string; above?: Person; level?: number },
): Asks<void> {
  const to = personOnChain(m, e.side, e.fromRank, e.above);
  if (!to) return;
  m.transfer.escalations.push({
    escalationId: `esc-${m.transfer.escalations.length + 1}`,
    reason: e.reason,
    deadlineId: e.deadlineId,
    side: e.side,
    level: e.level ?? 1,
    to,
    raisedAt: now,
    respondBy: yield* respondBy(m.transfer.authority, now),
    state: 'open',
  });
}
