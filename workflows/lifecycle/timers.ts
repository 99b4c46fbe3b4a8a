// The clocks: which timer is due next, and one step per timer kind. The workflow waits for the
// nearest one; when it fires, `fireTimer` decides what it changes.
import type { ManagerRank } from '../contract';
import { blockingOpen, hasObligations, isCompleted, isTerminal, onHold, preCompletion, specFor, type TransferModel } from './model';
import { climb } from './escalations';
import { complete } from './events';
import { personOnChain, raiseEscalation, raiseTask, reschedule, type Asks } from './requests';
import { go } from './transitions';

/** A completed transfer with nothing left open closes after this quiet period [IMPL]. */
export const CLOSE_AFTER_COMPLETION_MS = 28 * 24 * 3600 * 1000;

export type Timer =
  | { kind: 'deadline'; at: number; id: string }
  | { kind: 'completion'; at: number }
  | { kind: 'escalation'; at: number; id: string }
  | { kind: 'close'; at: number };

/** Both the same timer, or both none. */
export function sameTimer(a: Timer | undefined, b: Timer | undefined): boolean {
  if (!a || !b) return a === b;
  return a.kind === b.kind && a.at === b.at && ('id' in a ? a.id : '') === ('id' in b ? b.id : '');
}

/** The nearest timer the model has armed, if any. */
export function nextTimer(m: TransferModel): Timer | undefined {
  // A terminal transfer arms nothing: it absorbs every event and timer.
  if (isTerminal(m)) return undefined;
  const s = m.transfer;
  const timers: Timer[] = [];
  const completion = m.schedule?.completionTimer;
  // Waiting for sign-off stops the agreed date's clock, except Somerset's: its end still sends open tasks back to the meeting.
  const waiting = m.regions.awaitingSignOff === 'agreed-date' || (m.regions.awaitingSignOff === 'trigger-event' && !m.schedule?.returnToMeetingAt);
  if (completion && preCompletion(m) && !onHold(m) && !waiting && !s.blocked && s.status !== 'returned-to-meeting') {
    timers.push({ kind: 'completion', at: Date.parse(completion.at) });
  }
  for (const d of s.deadlines) {
    if (d.state !== 'pending' || specFor(m, d)?.metBy === 'never') continue;
    // A hold pauses the clocks before completion; obligations after it keep running.
    if (onHold(m) && preCompletion(m)) continue;
    timers.push({ kind: 'deadline', at: Date.parse(d.due), id: d.id });
  }
  for (const e of s.escalations) {
    if (e.state === 'open' && personOnChain(m, e.side, e.to.role as ManagerRank, e.to)) {
      timers.push({ kind: 'escalation', at: Date.parse(e.respondBy), id: e.escalationId });
    }
  }
  if (isCompleted(m) && !hasObligations(m) && m.completedAt !== undefined && s.status !== 'closed') {
    timers.push({ kind: 'close', at: Date.parse(m.completedAt) + CLOSE_AFTER_COMPLETION_MS });
  }
  // On a tie the completion (or the return to the meeting) goes first: it decides what else is due.
  return timers.sort((a, b) => a.at - b.at || Number(b.kind === 'completion') - Number(a.kind === 'completion'))[0];
}

/** The step a fired timer takes; undefined when the timer is stale (nothing to do). */
export function* fireTimer(m: TransferModel, timer: Timer, now: string): Asks<string | undefined> {
  const s = m.transfer;
  switch (timer.kind) {
    case 'deadline': {
      const d = s.deadlines.find((x) => x.id === timer.id);
      if (!d || d.state !== 'pending') return undefined;
      const spec = specFor(m, d);
      d.state = 'missed';
      if (spec?.onMissed.kind === 'escalate') {
        const { side, fromRank, reason } = spec.onMissed;
        yield* raiseEscalation(m, now, { side, fromRank, reason, deadlineId: d.id });
      }
      if (spec?.onMissed.kind === 'task') {
        // The protocol ties a task to this clock: raised for the side's manager, and chased up their ladder.
        const { task, side, fromRank, reason } = spec.onMissed;
        raiseTask(m, now, { task, rule: d.rule, source: d.source, deadlineId: d.id, side, fromRank });
        yield* raiseEscalation(m, now, { side, fromRank, reason, deadlineId: d.id });
      }
      if (spec?.repeats) yield* reschedule(m, now);
      return `deadline ${d.id} (${d.rule}) missed`;
    }
    case 'escalation': {
      const e = s.escalations.find((x) => x.escalationId === timer.id);
      if (!e || e.state !== 'open') return undefined;
      e.state = 'superseded';
      yield* climb(m, e, now);
      return `escalation ${e.escalationId} unanswered: climbed a rung`;
    }
    case 'close':
      return go(m, 'T16.close', now) ? 'closed: no open obligations' : undefined;
    case 'completion':
      return yield* fireCompletion(m, now);
  }
}

function* fireCompletion(m: TransferModel, now: string): Asks<string> {
  const s = m.transfer;
  const timer = m.schedule!.completionTimer!;
  const digest = m.digest!;
  // Only a decision clock that completes the transfer sets a return to the meeting.
  const returnToMeeting = m.schedule!.returnToMeetingAt;
  if (returnToMeeting && blockingOpen(m).length > 0) {
    go(m, 'T17', now);
    m.regions.awaitingSignOff = undefined;
    m.facts.agreedTasks = undefined;
    m.facts.awaitingDecision = true;
    s.meeting = { scheduledOn: returnToMeeting.nextMeetingOn };
    yield* reschedule(m, now);
    return `agreed tasks open at the end of the clock: back to the meeting on ${returnToMeeting.nextMeetingOn}`;
  }
  const signOff = digest.checklistGate?.signOffEscalation;
  if (signOff && blockingOpen(m).length > 0) {
    m.regions.awaitingSignOff = 'agreed-date';
    yield* raiseEscalation(m, now, signOff);
    return 'agreed date reached without checklist sign-off: transfer stays pending';
  }
  yield* complete(m, now, timer.how === 'window-end' ? 'T8' : 'T9', timer.how, timer.effectiveOn);
  if (s.completion?.receiver === 'team-queue' && digest.queueEscalation) {
    yield* raiseEscalation(m, now, digest.queueEscalation);
  }
  return `completed at ${timer.how} (${timer.effectiveOn}), receiver ${s.completion?.receiver}`;
}
