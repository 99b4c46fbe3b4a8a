// The whole of a running transfer as one serialisable value: what the API shows (`transfer`), the
// facts its schedule is computed from, the policy digest and the last schedule, the regions that run
// beside the status, and the bookkeeping the workflow needs across continue-as-new. Pure: no
// Temporal import, no clock (every step is handed `now`).
import {
  COMPLETED_STATUSES,
  TERMINAL_STATUSES,
  type Actor,
  type Deadline,
  type DeadlineSpec,
  type PolicyDigest,
  type Schedule,
  type ScheduleFacts,
  type StartTransferInput,
  type TransferRegions,
  type TransferState,
} from '../contract';

/** The workflow itself, for timers and what follows from them. No incoming event may claim it. */
export const SYSTEM_ACTOR: Actor = Object.freeze({ id: 'system', roles: [], sides: [], kind: 'system' }) as Actor;

/** Bounds on what the model keeps, so a misbehaving sender cannot grow a run without limit. */
export const LIMITS = {
  /** Event ids already applied (idempotency of re-sent signals and retried requests). */
  appliedEventIds: 1000,
  /** Rejected events kept in the history; older ones are dropped, the count stays. */
  rejectedEntries: 50,
};

/** Region state that is not a summary of other fields: the hold and the sign-off wait. */
export interface StoredRegions {
  hold: { state: 'running' } | { state: 'on-hold'; since: string };
  /**
   * The transfer point that passed with blocking items open (the agreed date, or the trigger event
   * that is the kind's transfer point): the transfer completes, as that, on the day they are signed
   * off. Absent while nothing waits for sign-off.
   */
  awaitingSignOff?: 'agreed-date' | 'trigger-event';
}

export interface TransferModel {
  transfer: TransferState;
  facts: ScheduleFacts;
  digest?: PolicyDigest;
  schedule?: Schedule;
  regions: StoredRegions;
  /** Bumped by every committed step: the timer loop re-plans when it changes. */
  version: number;
  completedAt?: string;
  /** The latest due of a recurring obligation met early: its next occurrence stays armed. */
  recurringMetThrough?: string;
  appliedEventIds: string[];
  rejectedCount: number;
  /** The sequence number of the last published message. */
  auditSequence: number;
  /** The run already continued as new once it had only post-transfer obligations left. */
  continuedAfterCompletion: boolean;
}

/** The model before the first step: nothing computed yet, so no event is accepted. */
export function initialModel(input: StartTransferInput, now: string): TransferModel {
  const req = input.request;
  const decidedOn = req.decidedOn ?? input.receivedOn;
  return {
    transfer: {
      transferId: req.transferId,
      authority: req.authority,
      kind: req.kind,
      children: req.children,
      from: req.from,
      to: req.to,
      people: req.people,
      trigger: { ...req.trigger },
      decidedOn,
      status: 'identified',
      phaseSince: now,
      onHold: false,
      regions: regionsView(undefined),
      deadlines: [],
      checklist: [],
      meeting: {},
      exceptions: [],
      escalations: [],
      violations: [],
      warnings: [],
      flags: [],
      tasks: [],
      policyVersion: '',
      calendarVersion: '',
      requestHash: input.requestHash,
      deliveryFailures: [],
      history: [],
    },
    facts: { request: req, decidedOn, notifiedOn: req.notifiedOn, windowEnd: req.windowEnd, heldDays: 0 },
    regions: { hold: { state: 'running' } },
    version: 0,
    appliedEventIds: [],
    rejectedCount: 0,
    auditSequence: 0,
    continuedAfterCompletion: false,
  };
}

/**
 * A copy to work on: a step that fails part-way leaves the committed model untouched. The policy
 * digest (the pinned policy with it) and the last schedule are only ever replaced whole, never
 * changed in place (they are frozen when they arrive), so the copy shares them rather than copying
 * the pinned policy on every step.
 */
export function draft(model: TransferModel): TransferModel {
  const { digest, schedule, ...rest } = model;
  const copy = JSON.parse(JSON.stringify(rest)) as TransferModel;
  if (digest) copy.digest = digest;
  if (schedule) copy.schedule = schedule;
  return copy;
}

export const isReady = (m: TransferModel) => m.digest !== undefined && m.transfer.history.length > 0;
export const isTerminal = (m: TransferModel) => TERMINAL_STATUSES.includes(m.transfer.status);
export const isCompleted = (m: TransferModel) => COMPLETED_STATUSES.includes(m.transfer.status);
export const preCompletion = (m: TransferModel) => !isCompleted(m) && !isTerminal(m);
export const onHold = (m: TransferModel) => m.regions.hold.state === 'on-hold';

export function specFor(m: TransferModel, deadline: Deadline): DeadlineSpec | undefined {
  return m.schedule?.deadlines.find((s) => s.id === deadline.id.split('#')[0]);
}

/** Blocking checklist items not yet done. */
export function blockingOpen(m: TransferModel): string[] {
  return m.transfer.checklist.filter((i) => i.blocking && (i.state === 'open' || i.state === 'deferred')).map((i) => i.itemId);
}

/** What the allocation flag reads of a completion: who receives the case, and from when. */
export type CompletionTerms = Pick<NonNullable<TransferModel['transfer']['completion']>, 'receiver' | 'effectiveOn'>;

/**
 * Completed into the receiving team's queue and not yet cleared by what the policy requires; of the
 * transfer's own completion, or of one about to be made (`completion`).
 */
export function allocationPending(m: TransferModel, completion?: CompletionTerms): boolean {
  const s = m.transfer;
  const c = completion ?? s.completion;
  if (!c || c.receiver !== 'team-queue') return false;
  const cleared = (m.digest?.queueClearedBy ?? ['allocation']).every((what) =>
    what === 'allocation' ? Boolean(s.people.receivingSocialWorker) : Boolean(s.meeting.heldOn && s.meeting.heldOn >= c.effectiveOn),
  );
  return !cleared;
}

/** Post-transfer obligations (DOMAIN T14, T15): the queue, deferred items, remediation. */
export function hasObligations(m: TransferModel): boolean {
  const s = m.transfer;
  if (!s.completion) return false;
  return allocationPending(m) || s.checklist.some((i) => i.state === 'deferred') || Boolean(s.remediation?.items.some((i) => i.state === 'open'));
}

/** The regions as the API shows them (DOMAIN §3.2): each a named state beside the status. */
export function regionsView(m: TransferModel | undefined): TransferRegions {
  if (!m) {
    return { allocation: 'team-identified', checklist: 'open', meeting: 'none', exception: 'none', escalation: 'none', hold: 'running', signOff: 'not-due' };
  }
  const s = m.transfer;
  const latest = s.exceptions[s.exceptions.length - 1];
  const exception: TransferRegions['exception'] = !latest
    ? 'none'
    : latest.state === 'approved'
      ? 'approved'
      : latest.state === 'rejected'
        ? 'declined'
        : latest.approvals.length > 0
          ? 'partially-approved'
          : 'requested';
  const open = blockingOpen(m).length > 0;
  const signOffGate = Boolean(m.digest?.checklistGate?.signOffEscalation);
  const openEscalations = s.escalations.filter((e) => e.state === 'open');
  return {
    allocation: s.people.receivingSocialWorker ? 'worker-identified' : 'team-identified',
    checklist: open ? 'open' : signOffGate ? 'signed-off' : 'ready',
    meeting: s.meeting.heldOn ? 'held' : s.meeting.scheduledOn ? 'scheduled' : 'none',
    exception,
    escalation: openEscalations.length ? 'open' : 'none',
    escalationLevel: openEscalations.length ? Math.max(...openEscalations.map((e) => e.level)) : undefined,
    hold: m.regions.hold.state,
    signOff: !signOffGate ? 'not-required' : m.regions.awaitingSignOff ? 'overdue' : open ? 'pending' : 'signed-off',
  };
}

/** The state the API returns (every step leaves `regions` current; a delivery failure does not touch them). */
export function view(m: TransferModel): TransferState {
  return m.transfer;
}
