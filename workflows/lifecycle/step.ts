// The lifecycle's entry points. Each takes the committed model and returns a new one with the
// effects it asks for (messages to publish), never changing the model it was given: the start, one
// step per event, one per timer, a rejected signal and a failed delivery.
import type {
  Actor,
  Deadline,
  DeliveryFailure,
  EventEnvelope,
  EventName,
  EventAnswer,
  EventResult,
  HistoryEntry,
  MigratePolicyInput,
  PublishedDeadline,
  StartTransferInput,
  TransferEventMessage,
  TransferStatus,
} from '../contract';
import { EVENT_STEPS } from './events';
import { LIMITS, SYSTEM_ACTOR, draft, initialModel, regionsView, specFor, type TransferModel } from './model';
import { firstSchedule, meetDeadlines, reschedule, type Asks, type Refusal } from './requests';
import { migrate, validateMigration } from './migration';
import { fireTimer, type Timer } from './timers';
import { go } from './transitions';
import { validate } from './validate';

export type Effect = { kind: 'publish'; message: TransferEventMessage };

export interface StepResult {
  model: TransferModel;
  effects: Effect[];
  /** What an update answers: small, so that history does not hold the whole state per event. */
  result: EventResult;
}

export interface StepContext {
  now: string;
  workflowId: string;
}

interface Mark {
  escalations: number;
  exceptions: number;
  tasks: number;
  missed: Set<string>;
}
const markOf = (m: TransferModel): Mark => ({
  escalations: m.transfer.escalations.length,
  exceptions: m.transfer.exceptions.length,
  tasks: m.transfer.tasks.length,
  missed: new Set(m.transfer.deadlines.filter((d) => d.state === 'missed').map((d) => d.id)),
});

/** The audit record and snapshot of the step just taken, frozen as it is now. */
function message(m: TransferModel, ctx: StepContext, event: string, actor: string, before: TransferStatus, mark: Mark, outcome: 'accepted' | 'rejected', detail: string): Effect {
  const s = m.transfer;
  const published = (d: Deadline): PublishedDeadline => ({ ...d, metBy: specFor(m, d)?.metBy });
  // A deadline missed in this step carries the reminder its policy sends, if any.
  const missed = (d: Deadline): PublishedDeadline => {
    const on = specFor(m, d)?.onMissed;
    return on?.kind === 'remind' ? { ...published(d), reminder: { side: on.side, reason: on.reason } } : published(d);
  };
  m.auditSequence += 1;
  const msg: TransferEventMessage = {
    workflowId: ctx.workflowId,
    transferId: s.transferId,
    sequence: m.auditSequence,
    at: ctx.now,
    event,
    actor,
    outcome,
    statusBefore: before,
    statusAfter: s.status,
    detail,
    snapshot: {
      authority: s.authority,
      kind: s.kind,
      status: s.status,
      childRefs: s.children.map((c) => c.ref),
      from: s.from,
      to: s.to,
      people: s.people,
      window: s.window,
      agreedTransferOn: s.agreedTransferOn,
      meeting: s.meeting,
      completion: s.completion,
      remediation: s.remediation,
      raised: s.escalations.slice(mark.escalations),
      awaitingApproval: s.exceptions.slice(mark.exceptions).filter((e) => e.state === 'pending'),
      // Only when there are some: every message carries the snapshot, and most raise none.
      ...(s.tasks.length > mark.tasks ? { tasksRaised: s.tasks.slice(mark.tasks) } : {}),
      missed: s.deadlines.filter((d) => d.state === 'missed' && !mark.missed.has(d.id)).map(missed),
      pendingDeadlines: s.deadlines.filter((d) => d.state === 'pending').map(published),
      outstandingItems: s.checklist.filter((i) => i.state === 'open' || i.state === 'deferred').map((i) => i.itemId),
    },
  };
  return { kind: 'publish', message: JSON.parse(JSON.stringify(msg)) as TransferEventMessage };
}

function accepted(m: TransferModel, ctx: StepContext, event: string, actor: Actor, before: TransferStatus, mark: Mark, detail: string, eventId?: string): StepResult {
  m.transfer.regions = regionsView(m);
  m.transfer.onHold = m.regions.hold.state === 'on-hold';
  const entry: HistoryEntry = { at: ctx.now, event, by: actor.id, detail, outcome: 'accepted', eventId };
  m.transfer.history.push(entry);
  m.version += 1;
  const effect = message(m, ctx, event, actor.id, before, mark, 'accepted', detail);
  const { transferId: _i, authority: _a, kind: _k, children: _c, from: _f, to: _t, people, requestHash: _h, history: _y, ...changed } = m.transfer;
  const answer = JSON.parse(JSON.stringify({ ...changed, receivingSocialWorker: people.receivingSocialWorker, entry })) as EventAnswer;
  return { model: m, effects: [effect], result: { status: m.transfer.status, version: m.version, detail, eventId, answer } };
}

/** T1 (and T2, T3, T18 when the start says so): the policy digest and the first schedule (one request), the first message. */
export function* start(input: StartTransferInput, ctx: StepContext): Asks<StepResult> {
  const { now } = ctx;
  const m = initialModel(input, now);
  const s = m.transfer;
  const req = input.request;
  go(m, 'T1', now);
  const opening = yield* firstSchedule(m, now);
  const digest = (m.digest = opening.digest);
  if (m.facts.notifiedOn) {
    s.notifiedOn = m.facts.notifiedOn;
    go(m, 'T3.start', now);
  } else if (req.decidedOn && digest.usesDecision && !digest.usesWindow) go(m, 'T3.start', now);
  else go(m, 'T2', now);
  const schedule = yield* reschedule(m, now, { trial: opening.trial });
  if (s.notifiedOn) meetDeadlines(m, now, 'notification', undefined, s.notifiedOn);
  const blocker = digest.blockedUntil;
  // T18: held from the start until the policy's blocker clears (no decision has been recorded yet).
  if (blocker && (blocker.by === 'decision' || s.checklist.some((i) => i.itemId === blocker.itemId && i.state === 'open'))) {
    s.blocked = blocker;
    go(m, 'T18', now);
  }
  s.violations = schedule.violations;
  return accepted(m, ctx, 'started', input.startedBy, 'identified', { escalations: 0, exceptions: 0, tasks: 0, missed: new Set() }, `${req.kind} transfer started`);
}

/** One event. Refused (thrown) before anything changes; a repeat of an applied event id changes nothing. */
export function* applyEvent(committed: TransferModel, name: EventName, env: EventEnvelope<unknown>, ctx: StepContext): Asks<StepResult> {
  if (env?.eventId && committed.appliedEventIds.includes(env.eventId)) {
    return { model: committed, effects: [], result: { status: committed.transfer.status, version: committed.version, detail: 'already applied', eventId: env.eventId, duplicate: true } };
  }
  const refusal = validate(committed, name, env);
  if (refusal) throw refusal;
  const m = draft(committed);
  const before = m.transfer.status;
  const mark = markOf(m);
  const detail = yield* EVENT_STEPS[name](m, env as never, ctx.now);
  if (env.eventId) {
    m.appliedEventIds.push(env.eventId);
    m.appliedEventIds.splice(0, Math.max(0, m.appliedEventIds.length - LIMITS.appliedEventIds));
  }
  return accepted(m, ctx, name, env.actor, before, mark, detail, env.eventId);
}

/** An operator's migration to another policy version (the `migratePolicy` update). Refused (thrown) before anything changes. */
export function* migratePolicy(committed: TransferModel, input: MigratePolicyInput, ctx: StepContext): Asks<StepResult> {
  const refusal = validateMigration(committed, input);
  if (refusal) throw refusal;
  const m = draft(committed);
  const before = m.transfer.status;
  const mark = markOf(m);
  const detail = yield* migrate(m, input, ctx.now);
  return accepted(m, ctx, 'migratePolicy', input.actor, before, mark, detail);
}

/** A timer that fired. A stale one (its deadline met, its escalation answered meanwhile) changes nothing. */
export function* applyTimer(committed: TransferModel, timer: Timer, ctx: StepContext): Asks<StepResult | undefined> {
  const m = draft(committed);
  const before = m.transfer.status;
  const mark = markOf(m);
  const detail = yield* fireTimer(m, timer, ctx.now);
  if (detail === undefined) return undefined;
  return accepted(m, ctx, `timer:${timer.kind}`, SYSTEM_ACTOR, before, mark, detail);
}

/**
 * A signal that was refused: kept in the history and published, so it is never lost. The same
 * refusal repeated is counted on its entry instead, and only the latest rejections are kept.
 */
export function rejectSignal(committed: TransferModel, name: EventName, env: EventEnvelope<unknown> | undefined, refusal: Refusal | Error, ctx: StepContext): StepResult {
  const m = draft(committed);
  const by = typeof env?.actor?.id === 'string' ? env.actor.id : 'unknown';
  const detail = `rejected: ${refusal.message}`;
  const history = m.transfer.history;
  m.rejectedCount += 1;
  const result: EventResult = { status: m.transfer.status, version: m.version, detail, eventId: env?.eventId };
  const last = [...history].reverse().find((h) => h.outcome === 'rejected');
  if (last && last === history[history.length - 1] && last.event === name && last.by === by && last.detail === detail) {
    last.repeats = (last.repeats ?? 1) + 1;
    return { model: m, effects: [], result };
  }
  history.push({ at: ctx.now, event: name, by, detail, outcome: 'rejected', eventId: typeof env?.eventId === 'string' ? env.eventId : undefined });
  const rejected = history.filter((h) => h.outcome === 'rejected');
  if (rejected.length > LIMITS.rejectedEntries) history.splice(history.indexOf(rejected[0]), 1);
  m.version += 1;
  const status = m.transfer.status;
  return { model: m, effects: [message(m, ctx, name, by, status, markOf(m), 'rejected', detail)], result: { ...result, version: m.version } };
}

/** An email or webhook that failed for good: shown on the transfer, which carries on. */
export function recordDeliveryFailure(committed: TransferModel, failure: DeliveryFailure): TransferModel {
  const m = draft(committed);
  m.transfer.deliveryFailures.push(failure);
  return m;
}
