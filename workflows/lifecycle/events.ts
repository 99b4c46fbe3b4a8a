// One step per event: each changes a draft of the model, asks for what it needs (schedules,
// respond-by instants, dates) and returns the line the history records. Status changes go through
// the transitions table (`go`, `settle`).
import { approversFor, rankIndex, type CompletionHow, type EventEnvelope, type EventName, type EventPayloads, type RuleFlag, type RuleViolation } from '../contract';
import { answer as answerEscalation, raise, raiseAutomatically } from './escalations';
import { blockingOpen, specFor, type TransferModel } from './model';
import { completionGuard, localDate, meetDeadlines, raiseEscalation, raiseTask, reschedule, settleEscalations, tryFacts, waiveDeadlines, Refusal, type Asks } from './requests';
import { go, settle } from './transitions';

type EventStep<E extends EventName> = (m: TransferModel, env: EventEnvelope<EventPayloads[E]>, now: string) => Asks<string>;

/** Completions no one asks for: the clock decides, so a broken rule is recorded, never refused (Islington's window end, 000 §11). */
const TIMED: readonly CompletionHow[] = ['window-end', 'agreed-date'];

const breachFlag = (v: RuleViolation): RuleFlag => ({
  type: 'completion-breach',
  rule: v.rule,
  source: v.source,
  message: v.message,
  earliestOn: v.earliestOn,
  latestOn: v.latestOn,
});

/** T6-T9: lead responsibility moves; open obligations make it POST_TRANSFER at once (T14). Every path passes the guard first. */
export function* complete(
  m: TransferModel,
  now: string,
  row: 'T6' | 'T7' | 'T8' | 'T9' | 'T9.manual',
  how: CompletionHow,
  effectiveOn: string,
  opts: { note?: string; onSignOff?: boolean } = {},
): Asks<void> {
  const s = m.transfer;
  const { note, onSignOff } = opts;
  const receiver = s.people.receivingSocialWorker ? 'worker' : 'team-queue';
  const { violations, trial } = yield* completionGuard(m, now, { receiver, effectiveOn });
  // A sign-off that completes a transfer whose point has passed is not a request to complete: like the clock, it records what the date breaks.
  if (violations.length && !TIMED.includes(how) && !onSignOff) {
    throw new Refusal('RuleViolation', `completion on ${effectiveOn} refused: ${violations.map((v) => `${v.rule}: ${v.message}`).join('; ')}`, violations);
  }
  settleEscalations(m, now, /signed off/, 'the checklist was signed off and the transfer completed');
  m.facts.completedOn = effectiveOn;
  m.regions.awaitingSignOff = undefined;
  m.completedAt = now;
  s.completion = {
    at: now,
    effectiveOn,
    how,
    receiver,
    receivingSocialWorker: s.people.receivingSocialWorker,
    outstandingItems: s.checklist.filter((i) => i.state === 'open').map((i) => i.itemId),
    // What the date broke that the protocol lets happen anyway: a notice shortfall, a clock's own date rule.
    breaches: [...s.flags.filter((f) => f.type === 'notice-shortfall'), ...violations.map(breachFlag)],
    note,
  };
  if (violations.length) s.flags.push(...violations.map(breachFlag));
  go(m, row, now);
  // Met before rescheduling: the new schedule no longer arms pre-completion clocks.
  meetDeadlines(m, now, 'completion', undefined, effectiveOn);
  const schedule = yield* reschedule(m, now, { trial });
  if (m.digest?.checklistGate?.deferOpenItems && schedule.remediationDueOn) {
    for (const item of s.checklist) {
      if (item.state !== 'open') continue;
      item.state = 'deferred';
      item.deferredUntil = schedule.remediationDueOn;
      item.owner = s.people.transferringManager.id;
    }
  }
  s.completion.remediationDue = schedule.remediationDue;
  if (s.completion.receiver === 'team-queue') yield* raiseAutomatically(m, now, 'completed-without-named-worker');
  settle(m, now);
}

/** The transfer point passed without sign-off: the last blocking item (or waiver) completes it, that day. */
function* completeIfSignedOff(m: TransferModel, now: string): Asks<void> {
  const waiting = m.regions.awaitingSignOff;
  if (!waiting || blockingOpen(m).length > 0) return;
  const byTrigger = waiting === 'trigger-event';
  yield* complete(m, now, byTrigger ? 'T7' : 'T9', byTrigger ? 'trigger-event' : 'agreed-date', yield* localDate(now), { onSignOff: true });
}

function* applyException(m: TransferModel, now: string, exceptionId: string): Asks<void> {
  const s = m.transfer;
  const ex = s.exceptions.find((e) => e.exceptionId === exceptionId)!;
  ex.state = 'approved';
  switch (ex.kind) {
    case 'extend-window':
      m.facts.windowEndApprovedByException = true;
      m.facts.approvedThrough = ex.newWindowEnd;
      if (s.window) m.facts.windowEnd = ex.newWindowEnd;
      else {
        m.facts.agreedTransferOn = ex.newWindowEnd;
        s.agreedTransferOn = ex.newWindowEnd;
      }
      yield* reschedule(m, now);
      break;
    case 'waive-items':
      for (const item of s.checklist) if (ex.itemIds?.includes(item.itemId)) item.state = 'waived';
      yield* completeIfSignedOff(m, now);
      break;
    case 'hold':
      m.regions.hold = { state: 'on-hold', since: now };
      s.onHold = true;
      if (s.window) s.window.onHold = true;
      break;
    case 'resume': {
      const hold = m.regions.hold;
      const heldMs = hold.state === 'on-hold' ? Date.parse(now) - Date.parse(hold.since) : 0;
      m.facts.heldDays += Math.ceil(heldMs / (24 * 3600 * 1000));
      m.regions.hold = { state: 'running' };
      s.onHold = false;
      if (s.window) s.window.onHold = false;
      yield* reschedule(m, now);
      break;
    }
    case 'cancel-transfer':
      s.cancellation = { reason: ex.reason, at: now, by: ex.requestedBy };
      go(m, 'T13.cancel', now);
      waiveDeadlines(m, now);
      break;
  }
}

function unblock(m: TransferModel, now: string, by: 'decision' | 'checklist-item', itemId?: string): void {
  const b = m.transfer.blocked;
  if (!b || b.by !== by || (by === 'checklist-item' && b.itemId !== itemId)) return;
  m.transfer.blocked = undefined;
  go(m, 'T18.leave', now);
}

export const EVENT_STEPS: { [E in EventName]: EventStep<E> } = {
  *notification(m, { payload }, now) {
    const trial = yield* tryFacts(m, { notifiedOn: payload.notifiedOn, windowEnd: payload.windowEnd ?? m.facts.windowEnd }, now);
    m.transfer.notifiedOn = payload.notifiedOn;
    if (payload.importantDates) m.facts.request = { ...m.facts.request, importantDates: payload.importantDates };
    if (!go(m, 'T3', now)) go(m, 'T3.after-decision', now);
    yield* reschedule(m, now, { trial });
    meetDeadlines(m, now, 'notification', undefined, payload.notifiedOn);
    return `notified on ${payload.notifiedOn}`;
  },
  *acknowledgement(m, { payload }, now) {
    const s = m.transfer;
    s.acknowledgedOn = payload.acknowledgedOn ?? (yield* localDate(now));
    if (payload.receivingSocialWorker) s.people.receivingSocialWorker = payload.receivingSocialWorker;
    go(m, 'T4', now);
    meetDeadlines(m, now, 'acknowledgement', undefined, s.acknowledgedOn);
    if (payload.receivingSocialWorker) meetDeadlines(m, now, 'allocation');
    return `acknowledged on ${s.acknowledgedOn}`;
  },
  *allocation(m, { payload }, now) {
    const s = m.transfer;
    s.people.receivingSocialWorker = payload.receivingSocialWorker;
    go(m, 'T5', now);
    meetDeadlines(m, now, 'allocation');
    settleEscalations(m, now, /no named worker|^no-named-worker$/, 'a receiving social worker was allocated');
    if (s.completion?.receiver === 'team-queue') {
      s.completion.receivingSocialWorker = payload.receivingSocialWorker;
      yield* reschedule(m, now);
    }
    settle(m, now);
    return 'receiving social worker allocated';
  },
  *checklistItem(m, { payload, actor }, now) {
    const item = m.transfer.checklist.find((i) => i.itemId === payload.itemId)!;
    const reopened = payload.state === 'open';
    item.state = payload.state;
    item.note = payload.note ?? payload.reason;
    item.evidenceRef = payload.evidenceRef;
    item.doneBy = reopened ? undefined : actor.id;
    item.doneAt = reopened ? undefined : now;
    go(m, 'T5.checklist', now);
    if (!reopened) unblock(m, now, 'checklist-item', payload.itemId);
    if (payload.state === 'done' || payload.state === 'historic-gap') meetDeadlines(m, now, 'checklist-item', payload.itemId);
    yield* completeIfSignedOff(m, now);
    settle(m, now);
    return `checklist item ${payload.itemId} ${payload.state}`;
  },
  *meeting(m, { payload }, now) {
    const s = m.transfer;
    if (payload.partOf) s.meeting.partOf = payload.partOf;
    if (payload.status === 'scheduled') {
      s.meeting.scheduledOn = payload.on;
      m.facts.meetingScheduledOn = payload.on;
      m.facts.meetingBookedAt = now;
      go(m, 'T5.meeting', now);
      const next = yield* reschedule(m, now);
      // A rule on the meeting's date (a booking cut-off) refuses the booking; the draft is dropped.
      const refused = next.violations.filter((v) => v.field === 'on');
      if (refused.length) throw new Refusal('RuleViolation', refused.map((v) => `${v.rule}: ${v.message}`).join('; '), refused);
      return `meeting scheduled for ${payload.on}`;
    }
    s.meeting.heldOn = payload.on;
    s.meeting.attendees = payload.attendees;
    m.facts.meetingHeldOn = payload.on;
    meetDeadlines(m, now, 'meeting-held', undefined, payload.on);
    if (s.completion) {
      yield* reschedule(m, now);
      settle(m, now);
    } else if (m.digest?.completion.includes('meeting')) yield* complete(m, now, 'T6', 'meeting', payload.on);
    return `meeting held on ${payload.on}`;
  },
  *exceptionRequest(m, { payload, actor }, now) {
    const approval = approversFor(m.digest!.exceptionApproval, payload.kind);
    const immediate = payload.kind === 'resume';
    m.transfer.exceptions.push({
      exceptionId: payload.exceptionId,
      kind: payload.kind,
      reason: payload.reason,
      newWindowEnd: payload.newWindowEnd,
      itemIds: payload.itemIds,
      requestedBy: actor.id,
      requestedAt: now,
      state: immediate ? 'approved' : 'pending',
      approvals: [],
      requiredSides: immediate ? [] : approval.sides,
      minRank: approval.minRank,
      ...(approval.decision === 'any-side' && !immediate ? { decision: 'any-side' as const } : {}),
    });
    if (immediate) yield* applyException(m, now, payload.exceptionId);
    return `${payload.kind} exception ${payload.exceptionId} requested`;
  },
  *exceptionDecision(m, { payload, actor }, now) {
    const ex = m.transfer.exceptions.find((e) => e.exceptionId === payload.exceptionId)!;
    const open = ex.requiredSides.filter((side) => !ex.approvals.some((a) => a.side === side));
    const rank = actor.roles.filter((r) => rankIndex(r) >= 0).sort((a, b) => rankIndex(b) - rankIndex(a))[0];
    // One person who legitimately holds the approving role for both sides satisfies both [IMPL §2.7].
    for (const side of actor.sides.filter((x) => open.includes(x))) {
      ex.approvals.push({ by: actor.id, side, rank, decision: payload.decision, at: now, note: payload.note });
    }
    if (payload.decision === 'reject') {
      ex.state = 'rejected';
      return `exception ${ex.exceptionId} rejected`;
    }
    const approvedBy = (side: string) => ex.approvals.some((a) => a.side === side && a.decision === 'approve');
    if (ex.decision === 'any-side' ? ex.requiredSides.some(approvedBy) : ex.requiredSides.every(approvedBy)) {
      yield* applyException(m, now, ex.exceptionId);
      return `exception ${ex.exceptionId} approved and applied`;
    }
    return `exception ${ex.exceptionId} partially approved`;
  },
  *escalationResponse(m, env, now) {
    return yield* answerEscalation(m, env, now);
  },
  *raiseEscalation(m, env, now) {
    return yield* raise(m, env, now);
  },
  *decision(m, { payload }, now) {
    const s = m.transfer;
    const trial = yield* tryFacts(m, { decidedOn: payload.on, agreedTransferOn: payload.transferOn, agreedTasks: payload.agreedTasks, awaitingDecision: false }, now);
    s.decidedOn = payload.on;
    s.agreedTransferOn = payload.transferOn;
    s.agreedTasks = payload.agreedTasks;
    if (s.blocked?.by === 'decision') unblock(m, now, 'decision');
    if (!s.blocked) go(m, 'T3.decision', now);
    yield* reschedule(m, now, { newClocks: true, trial });
    meetDeadlines(m, now, 'decision', undefined, payload.on);
    return `decision recorded on ${payload.on}`;
  },
  *trigger(m, { payload }, now) {
    const s = m.transfer;
    const on = payload.on.slice(0, 10);
    const recurring = s.deadlines.filter((d) => d.state === 'pending' && specFor(m, d)?.repeats && specFor(m, d)?.metByEvent === payload.event);
    // Only the event the transfer was started with moves its trigger date (the clocks counted from
    // it): the kind's other events (the initial core group after the ICPC, the ICO before the CMH)
    // and recurring reports are recorded by name and leave it where it was.
    const movesTrigger = payload.event === s.trigger.event;
    if (movesTrigger) {
      s.trigger.occurredOn = on;
      s.trigger.outcome = payload.outcome;
    }
    const cancelling = m.digest?.cancellingOutcomes.find((c) => c.outcome === payload.outcome);
    if (cancelling) {
      s.cancellation = { reason: cancelling.reason, at: now, by: 'system' };
      go(m, 'T10', now);
      waiveDeadlines(m, now);
      return `cancelled: ${cancelling.reason} (${cancelling.rule})`;
    }
    m.facts.eventsOn = { ...m.facts.eventsOn, [payload.event]: on };
    if (payload.event === 'best-interest-agreement') {
      m.facts.bestInterestAgreed = true;
      yield* reschedule(m, now);
      return 'best-interest agreement recorded';
    }
    meetDeadlines(m, now, 'trigger', payload.event, on);
    if (recurring.length) {
      m.recurringMetThrough = recurring.map((d) => d.due).sort().pop();
      yield* reschedule(m, now, { asOf: m.recurringMetThrough });
    }
    if (s.completion) return `${payload.event} recorded on ${on}`;
    if (movesTrigger) m.facts.triggerOccurredOn = payload.on;
    yield* reschedule(m, now);
    // Clocks the new trigger date armed; a recurring report met its one occurrence above.
    if (!recurring.length) meetDeadlines(m, now, 'trigger', payload.event, on);
    // Only the kind's transfer points complete it (a deferred ICPC, the ICPC before the initial core group do not).
    const completes = m.digest?.completingTriggers.includes(payload.event);
    if (completes && m.digest?.completion.includes('trigger-event')) {
      // The event happened and is kept; where the policy gates completion on blocking items (LBBD's
      // sign-off, Somerset's agreed tasks), the transfer completes once they are done, as after its agreed date.
      const gate = m.digest.checklistGate;
      const open = blockingOpen(m);
      if (open.length > 0 && (gate?.meetingWaitsForBlockingItems || gate?.signOffEscalation)) {
        m.regions.awaitingSignOff = 'trigger-event';
        if (gate.signOffEscalation) yield* raiseEscalation(m, now, gate.signOffEscalation);
        return `${payload.event} held on ${on}: the transfer completes once its blocking items are signed off (open: ${open.join(', ')})`;
      }
      yield* complete(m, now, 'T7', 'trigger-event', on);
      return `${payload.event} held on ${on}: transfer completed`;
    }
    return `${payload.event} on ${on}`;
  },
  *remediation(m, { payload }, now) {
    const s = m.transfer;
    if (payload.items) {
      const letterOn = payload.letterOn ?? (yield* localDate(now));
      m.facts.remediationLetterOn = letterOn;
      const schedule = yield* reschedule(m, now);
      s.remediation = {
        letterOn,
        due: schedule.remediationDue ?? '',
        dueOn: schedule.remediationDueOn ?? '',
        items: payload.items.map((i) => ({ itemId: i.itemId, description: i.description, state: 'open' })),
      };
      if (s.completion) s.completion.remediationDue = schedule.remediationDue;
      const left = m.digest?.remediationWorkerLeft;
      if (payload.referringWorkerLeft && left) {
        // The worker who would fix the record has gone: someone agrees how the missing records will be produced.
        const clock = s.deadlines.find((d) => d.state === 'pending' && specFor(m, d)?.metBy === 'remediation-done');
        raiseTask(m, now, { ...left, deadlineId: clock?.id ?? 'remediation' });
      }
      settle(m, now, 'T15');
      return `remediation letter with ${payload.items.length} item(s)`;
    }
    const item = s.remediation!.items.find((i) => i.itemId === payload.itemId)!;
    item.state = 'done';
    item.doneAt = now;
    if (s.remediation!.items.every((i) => i.state === 'done')) meetDeadlines(m, now, 'remediation-done');
    settle(m, now);
    return `remediation item ${payload.itemId} done`;
  },
  // eslint-disable-next-line require-yield
  *cancellation(m, { payload, actor }, now) {
    m.transfer.cancellation = { reason: payload.reason, at: now, by: actor.id };
    go(m, 'T11', now);
    waiveDeadlines(m, now);
    return 'cancelled';
  },
  // eslint-disable-next-line require-yield
  *rejection(m, { payload, actor }, now) {
    m.transfer.rejection = { reason: payload.reason, at: now, by: actor.id };
    go(m, 'T12', now);
    waiveDeadlines(m, now);
    return `rejected: ${payload.reason}`;
  },
  *completion(m, { payload }, now) {
    yield* complete(m, now, 'T9.manual', 'manual', payload.on, { note: payload.note });
    return `completed manually on ${payload.on}`;
  },
};
