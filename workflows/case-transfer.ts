// One durable workflow per case transfer: the thin shell around the lifecycle (./lifecycle). It
// registers the handlers, answers the lifecycle's requests with local activities, commits a step's
// model only once the step has completed (a failed activity changes nothing), waits on one timer
// loop, delivers published messages from an outbox, keeps the search attributes current and
// continues as new when Temporal suggests it and once only post-transfer obligations remain.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type SignalDefinition,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Activities, FirstTries, FirstTry } from '../activities';
import {
  EVENT_NAMES,
  SA,
  eventSignals,
  eventUpdates,
  getStateQuery,
  migratePolicyUpdate,
  startUpdate,
  type EventEnvelope,
  type EventResult,
  type StartTransferInput,
  type TransferEventMessage,
  type TransferState,
} from './definitions';
import { initialModel, isCompleted, isReady, isTerminal, view, type TransferModel } from './lifecycle/model';
import { Refusal, type Asks, type Request } from './lifecycle/requests';
import { validateMigration } from './lifecycle/migration';
import { applyEvent, applyTimer, migratePolicy, rejectSignal, recordDeliveryFailure, start, type StepResult } from './lifecycle/step';
import { nextTimer, sameTimer, type Timer } from './lifecycle/timers';
import { validate } from './lifecycle/validate';
import { FailureTypes, causeChain } from './contract';
import { withAccess } from './access';
import { triggersEmail } from './notices';

const policy = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['UnknownKindError', 'CalendarInputError', 'RangeError'] },
});
// Side effects never block a transfer: they run from an outbox, in order, with their own retries.
// The webhook keeps trying for a day (a receiver down for an hour still gets every event); email
// gives up sooner and the failure is shown on the transfer.
const webhook = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '24h',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m', nonRetryableErrorTypes: ['PermanentDeliveryError'] },
});
const email = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2h',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '10m', nonRetryableErrorTypes: ['PermanentDeliveryError'] },
});

// The fast path: a step's deliveries, webhook and email together, are first tried once in one local
// activity, in the workflow task of the step that published them (one marker in history, no task of
// its own); only a channel whose delivery fails there for now goes on to its retrying activity above.
const firstTry = proxyLocalActivities<Activities>({
  startToCloseTimeout: '3s',
  retry: { maximumAttempts: 1 },
});

/** The most messages one webhook delivery carries (those queued while the previous one ran). */
const WEBHOOK_BATCH = 25;

/**
 * A completed transfer continues as new (so the quiet weeks of post-transfer obligations start on a
 * short history) only when its history is at least this long: a shorter one costs less to replay
 * than a new run costs to start.
 */
export const CONTINUE_AFTER_COMPLETION_AT_EVENTS = 400;

/** How long a timer whose step failed waits before it is tried again. */
const RETRY_FAILED_TIMER_MS = 10 * 60 * 1000;

type Channel = 'webhook' | 'email';
export type Outbox = Record<Channel, TransferEventMessage[]>;

/** What a run hands the next one when it continues as new: nothing pending is lost. */
export interface ContinuedTransfer {
  continued: { model: TransferModel; outbox: Outbox; attributes: string };
}
export type CaseTransferInput = StartTransferInput | ContinuedTransfer;

/** The search attributes the workflow keeps current (the others are set once, at the start). */
interface AttributePairs {
  status?: string;
  escalated?: boolean;
  overdue?: boolean;
  windowEndsOn?: string;
  deliveryFailed?: boolean;
}
const attributesKey = (p: AttributePairs) =>
  JSON.stringify({ status: p.status, escalated: p.escalated, overdue: p.overdue, windowEndsOn: p.windowEndsOn, deliveryFailed: p.deliveryFailed });

/** The key of the attributes this run was started with. */
function startedWith(): string {
  const sa = workflowInfo().typedSearchAttributes;
  const ends = sa.get(SA.windowEndsOn);
  return attributesKey({
    status: sa.get(SA.status),
    escalated: sa.get(SA.escalated),
    overdue: sa.get(SA.overdue),
    windowEndsOn: ends ? ends.toISOString().slice(0, 10) : undefined,
    deliveryFailed: sa.get(SA.deliveryFailed),
  });
}

function failure(r: Refusal): ApplicationFailure {
  return ApplicationFailure.create({ type: r.type, message: r.message, nonRetryable: true, details: [r.details] });
}

export async function caseTransfer(input: CaseTransferInput): Promise<TransferState> {
  const continued = 'continued' in input ? input.continued : undefined;
  const nowIso = () => new Date().toISOString();
  const ctx = () => ({ now: nowIso(), workflowId: workflowInfo().workflowId });
  let model: TransferModel = continued?.model ?? initialModel((input as StartTransferInput), nowIso());
  const outbox: Outbox = continued?.outbox ?? { webhook: [], email: [] };
  // The key of the search attributes last written: a new run starts from those it was started
  // with (the API sets the first ones), so that an unchanged value is not upserted again.
  let attributes = continued?.attributes ?? startedWith();
  // Held by the start and by every step: steps apply one at a time, each to the committed model.
  let busy = !continued;

  // Not async: the local activity's own promise is awaited, with no wrapper promise around it.
  function perform(r: Request): Promise<unknown> {
    switch (r.kind) {
      case 'firstSchedule':
        return policy.firstSchedule(r.input);
      case 'migrationDigest':
        return policy.migrationDigest(r.input);
      case 'computeSchedule':
        return policy.computeSchedule(r.input);
      case 'completionTrial':
        return policy.completionTrial(r.input);
      case 'escalationRespondBy':
        return policy.escalationRespondBy(r.input);
      case 'localDate':
        return policy.localDate(r.input);
    }
  }

  /** Runs a step to its end, answering what it asks; throws (and so commits nothing) if an answer fails. */
  async function run<T>(step: Asks<T>): Promise<T> {
    let next = step.next();
    while (!next.done) next = step.next(await perform(next.value));
    return next.value;
  }

  function commit(result: StepResult): void {
    model = result.model;
    for (const effect of result.effects) {
      outbox.webhook.push(effect.message);
      // Most steps (a checklist item, an allocation) email no one: they take no email activity.
      if (triggersEmail(effect.message)) outbox.email.push(effect.message);
    }
    syncSearchAttributes();
  }

  async function locked<T>(fn: () => Promise<T>): Promise<T> {
    // Several waiters can wake in the same activation: re-check before taking the lock.
    while (busy) await condition(() => !busy);
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
    }
  }

  function syncSearchAttributes(): void {
    const s = model.transfer;
    const pairs = {
      status: s.status,
      escalated: s.escalations.some((e) => e.state === 'open'),
      overdue: s.deadlines.some((d) => d.state === 'missed'),
      windowEndsOn: s.window?.endsOn ?? s.agreedTransferOn,
      deliveryFailed: s.deliveryFailures.length > 0,
    };
    const key = attributesKey(pairs);
    if (key === attributes) return;
    attributes = key;
    const updates: Parameters<typeof upsertSearchAttributes>[0] = [
      { key: SA.status, value: pairs.status },
      { key: SA.escalated, value: pairs.escalated },
      { key: SA.overdue, value: pairs.overdue },
      { key: SA.deliveryFailed, value: pairs.deliveryFailed },
    ];
    if (pairs.windowEndsOn) updates.push({ key: SA.windowEndsOn, value: new Date(`${pairs.windowEndsOn}T12:00:00Z`) });
    upsertSearchAttributes(updates);
  }

  // ------------------------------------------------------------------ handlers (before any await)

  // An update arriving while a step runs is refused (no history; the API tries it again), not
  // accepted to wait for the lock. Core can record a step's local activity in one workflow task
  // (completed early to answer a query) and hand its result to the workflow only in the next, after
  // that task's new updates; a replay hands the result over first. An update accepted in that task
  // would then be accepted before the step finished in history and after it in every replay: a
  // nondeterminism error that stops the transfer. Refused, it leaves nothing for the replay to meet.
  // Updates that come with the run's first activation (a start and the events sent right after it)
  // wait for the start step as before: no earlier task can have left a result behind. The flag is
  // true only while that activation's jobs apply, the workflow's microtasks running after them all.
  let firstActivation = true;
  void Promise.resolve().then(() => (firstActivation = false));
  function refuseWhileBusy(): void {
    if (busy && !firstActivation) throw ApplicationFailure.create({ type: FailureTypes.Busy, message: 'Another change to this transfer is being applied; nothing was applied, try again', nonRetryable: true });
  }

  for (const name of EVENT_NAMES) {
    setHandler(eventSignals[name] as unknown as SignalDefinition<[EventEnvelope<unknown>]>, (env) =>
      locked(async () => {
        try {
          commit(await run(applyEvent(model, name, env, ctx())));
        } catch (err) {
          // A signal cannot answer its sender: a refused (or failed) one is kept as rejected, never lost.
          commit(rejectSignal(model, name, env, err instanceof Error ? err : new Error(String(err)), ctx()));
        }
      }),
    );
    const update = eventUpdates[name] as unknown as UpdateDefinition<EventResult, [EventEnvelope<unknown>]>;
    setHandler(
      update,
      (sent) =>
        locked(async () => {
          try {
            const env = withAccess(model.transfer, name, sent);
            const result = await run(applyEvent(model, name, env, ctx()));
            commit(result);
            if (!sent?.caller) return result.result;
            // The whole state makes the small answer redundant: history keeps one of them, not both.
            const { answer: _answer, ...small } = result.result;
            return { ...small, state: view(model) };
          } catch (err) {
            throw err instanceof Refusal ? failure(err) : err;
          }
        }),
      {
        // Always against the committed model; an event id already applied answers with its first result.
        validator: (sent) => {
          refuseWhileBusy();
          let env: EventEnvelope<unknown>;
          try {
            env = withAccess(model.transfer, name, sent);
          } catch (err) {
            throw err instanceof Refusal ? failure(err) : err;
          }
          if (env?.eventId && model.appliedEventIds.includes(env.eventId)) return;
          const refusal = validate(model, name, env);
          if (refusal) throw failure(refusal);
        },
      },
    );
  }
  setHandler(getStateQuery, () => view(model));
  setHandler(
    migratePolicyUpdate,
    (input) =>
      locked(async () => {
        try {
          const result = await run(migratePolicy(model, input, ctx()));
          commit(result);
          return result.result;
        } catch (err) {
          throw err instanceof Refusal ? failure(err) : err;
        }
      }),
    {
      validator: (input) => {
        refuseWhileBusy();
        const refusal = validateMigration(model, input);
        if (refusal) throw failure(refusal);
      },
    },
  );
  // A start request retried, or one for a transfer that has continued as new, is not the first.
  let startAnswered = Boolean(continued);
  setHandler(
    startUpdate,
    async () => {
      await condition(() => isReady(model) && !busy);
      const first = !startAnswered;
      startAnswered = true;
      return { first, state: view(model) };
    },
    {
      validator: ({ requestHash }) => {
        refuseWhileBusy();
        if (requestHash !== model.transfer.requestHash) {
          throw ApplicationFailure.create({ type: 'Conflict', message: 'The transfer was already started with a different body', nonRetryable: true });
        }
      },
    },
  );

  // ------------------------------------------------------------------ outbox

  const CHANNELS: readonly Channel[] = ['webhook', 'email'];
  const delivering: Record<Channel, boolean> = { webhook: false, email: false };

  async function recordFailures(channel: Channel, failures: { message: TransferEventMessage; error: string }[]): Promise<void> {
    if (failures.length === 0) return;
    await locked(async () => {
      for (const { message, error } of failures) {
        model = recordDeliveryFailure(model, { channel, sequence: message.sequence, event: message.event, at: nowIso(), error });
      }
      syncSearchAttributes();
    });
  }

  /** What a channel's delivery came to after its first try: the retrying activity when that failed for now. */
  async function afterFirstTry(channel: Channel, batch: TransferEventMessage[], tried?: FirstTry): Promise<{ sequence: number; error: string }[]> {
    if (tried?.delivered) return tried.failed;
    if (tried?.permanent) return batch.map((m) => ({ sequence: m.sequence, error: tried.error }));
    if (channel === 'webhook') return (await webhook.deliverWebhooks(batch)).failed;
    await email.sendNotifications(batch[0]);
    return [];
  }

  function settled(channel: Channel, batch: TransferEventMessage[]): void {
    outbox[channel].splice(0, batch.length);
    delivering[channel] = false;
  }

  async function settleChannel(channel: Channel, batch: TransferEventMessage[], tried?: FirstTry): Promise<void> {
    try {
      const failed = await afterFirstTry(channel, batch, tried);
      const bySequence = new Map(batch.map((m) => [m.sequence, m]));
      await recordFailures(channel, failed.map((f) => ({ message: bySequence.get(f.sequence)!, error: f.error })));
    } catch (err) {
      await recordFailures(channel, batch.map((message) => ({ message, error: causeChain(err) })));
    }
    settled(channel, batch);
  }

  // The webhook (and audit log) gets every message, what queued while one delivery ran going in the
  // next one together, in order; email only the messages that notify someone, one at a time. Both
  // channels' heads are first tried in one local activity; each then goes on on its own.
  async function deliverHeads(channels: Channel[]): Promise<void> {
    const batches = new Map(channels.map((c) => [c, outbox[c].slice(0, c === 'webhook' ? WEBHOOK_BATCH : 1)]));
    let tried: FirstTries = {};
    try {
      tried = await firstTry.firstTries({ webhook: batches.get('webhook'), email: batches.get('email')?.[0] });
    } catch {
      // The first try itself did not finish (its 3 s ran out): every channel goes on to its retrying activity.
    }
    // The usual case, a channel delivered whole at its first try, settles at once: every promise a
    // workflow makes costs a stack trace the SDK keeps for `__stack_trace`, and this runs per event.
    const rest: Channel[] = [];
    for (const c of channels) {
      const t = tried[c];
      if (t?.delivered && t.failed.length === 0) settled(c, batches.get(c)!);
      else rest.push(c);
    }
    if (rest.length) await Promise.all(rest.map((c) => settleChannel(c, batches.get(c)!, tried[c])));
  }

  // One loop starts every delivery, and only from a condition, so only once an activation's jobs
  // have all run: core may hand an activity's result and an update over in one activation or in
  // two (it does so after an eviction), and the deliveries must be scheduled in the same order
  // either way, or a replay of the history fails.
  async function deliverOutbox(): Promise<void> {
    const ready = (c: Channel) => !delivering[c] && outbox[c].length > 0;
    for (;;) {
      await condition(() => CHANNELS.some(ready));
      const channels = CHANNELS.filter(ready);
      for (const channel of channels) delivering[channel] = true;
      void deliverHeads(channels);
    }
  }

  // ------------------------------------------------------------------ start

  if (!continued) {
    try {
      commit(await run(start(input as StartTransferInput, ctx())));
    } finally {
      busy = false;
    }
  }
  void deliverOutbox();

  // ------------------------------------------------------------------ clocks

  // Continue as new when Temporal suggests it, and once after completion (only post-transfer
  // obligations remain) when the history is long, at a quiet moment: no step running, no handler,
  // nothing left to deliver. Waiting for the outbox puts a workflow task between the last update
  // and the new run.
  const continueDue = () =>
    workflowInfo().continueAsNewSuggested ||
    (isCompleted(model) && !model.continuedAfterCompletion && workflowInfo().historyLength >= CONTINUE_AFTER_COMPLETION_AT_EVENTS);
  const quiet = () => !busy && allHandlersFinished() && outbox.webhook.length === 0 && outbox.email.length === 0;
  const shouldContinue = () => !isTerminal(model) && continueDue() && quiet();
  // The durable timers started and not yet fired. One that fires no later than the time wanted
  // serves for it: waking early only looks again, while cancelling it and starting a later one
  // costs a billed timer and two history events each time the nearest due time moves later (as it
  // does at most steps, a deadline met making the next one the nearest).
  const alarms: { at: number; rang: boolean }[] = [];
  function alarmAt(at: number): { at: number; rang: boolean } {
    let earlier: { at: number; rang: boolean } | undefined;
    for (const a of alarms) if (a.at <= at && (!earlier || a.at > earlier.at)) earlier = a;
    if (earlier) return earlier;
    const alarm = { at, rang: false };
    alarms.push(alarm);
    void sleep(Math.max(at - Date.now(), 1)).then(() => {
      alarm.rang = true;
      alarms.splice(alarms.indexOf(alarm), 1);
    });
    return alarm;
  }
  // A timer whose step failed (nothing committed) is tried again later; the others wait behind it.
  let retry: { timer: Timer; at: number } | undefined;
  while (isReady(model) && !isTerminal(model) && !shouldContinue()) {
    const due = nextTimer(model);
    const wake = () => !sameTimer(nextTimer(model), due) || isTerminal(model) || shouldContinue();
    const at = due && retry && sameTimer(due, retry.timer) ? retry.at : due?.at;
    const alarm = at !== undefined ? alarmAt(at) : undefined;
    await condition(() => wake() || Boolean(alarm?.rang));
    if (!alarm?.rang || at === undefined || !due) continue;
    await locked(async () => {
      // A handler may have run while this timer waited for the lock, or the alarm rang early (it
      // was started for a nearer time): fire only what is still due.
      if (isTerminal(model) || !sameTimer(nextTimer(model), due) || at > Date.now()) return;
      try {
        const result = await run(applyTimer(model, due, ctx()));
        if (result) commit(result);
        // A timer that found nothing to do would otherwise be due again at once.
        retry = result ? undefined : { timer: due, at: Date.now() + RETRY_FAILED_TIMER_MS };
      } catch (err) {
        log.warn('a timer step failed; the transfer is unchanged and the timer is tried again', { kind: due.kind, error: causeChain(err) });
        retry = { timer: due, at: Date.now() + RETRY_FAILED_TIMER_MS };
      }
    });
  }

  if (shouldContinue()) {
    // The model carries the timers (as deadlines, escalations and the schedule), the applied event
    // ids (retries stay idempotent) and the message sequence; the search attributes carry over too.
    const next: TransferModel = { ...model, continuedAfterCompletion: model.continuedAfterCompletion || isCompleted(model) };
    return continueAsNew<typeof caseTransfer>({ continued: { model: next, outbox, attributes } });
  }
  // Everything published reaches the case-management system and the inboxes before the run ends.
  await condition(() => !busy && allHandlersFinished() && outbox.webhook.length === 0 && outbox.email.length === 0);
  return view(model);
}
