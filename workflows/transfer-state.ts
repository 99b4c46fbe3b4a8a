// The transfer's state as the API shows it, the published message, and the small answer an
// update gives. Plain types (and two status lists): no Temporal import.
import type {
  AuthorityId,
  Blocker,
  CompletionHow,
  DeadlineState,
  MetBy,
  Person,
  RuleFlag,
  RuleViolation,
  ScheduleWarning,
  Side,
  UnitSettings,
  TeamRef,
  TransferPeople,
  TransferRequest,
} from './contract';

// ---------------------------------------------------------------------------------------------
// Transfer state (the API's state shape; returned by the query and every update)

export type TransferStatus =
  | 'identified'
  | 'notified'
  | 'acknowledged'
  | 'preparing'
  | 'blocked'
  | 'returned-to-meeting'
  | 'completed'
  | 'post-transfer'
  | 'closed'
  | 'rejected'
  | 'cancelled';

export const TERMINAL_STATUSES: readonly TransferStatus[] = ['closed', 'rejected', 'cancelled'];
export const COMPLETED_STATUSES: readonly TransferStatus[] = ['completed', 'post-transfer', 'closed'];

export type ChecklistItemState = 'open' | 'done' | 'na' | 'historic-gap' | 'deferred' | 'waived';

export interface ChecklistItem {
  itemId: string;
  title: string;
  appliesBecause: string;
  state: ChecklistItemState;
  blocking: boolean;
  doneBy?: string;
  doneAt?: string;
  note?: string;
  evidenceRef?: string;
  deferredUntil?: string;
  owner?: string;
}

export interface Deadline {
  id: string;
  what: string;
  due: string;
  dueOn: string;
  practicalDueOn?: string;
  rule: string;
  source: string;
  state: DeadlineState;
  /** met-late: days after the due date that it was met. */
  lateByDays?: number;
  /** The date the event that met it carried. */
  metOn?: string;
}

/** A task the protocol ties to a missed clock (e.g. review the plan), raised when the clock is missed. */
export interface TransferTask {
  taskId: string;
  task: string;
  rule: string;
  source: string;
  deadlineId: string;
  side: Side;
  owner?: Person;
  raisedAt: string;
  state: 'open' | 'done';
}

/** A deadline as a published message carries it: with what meets it, so notices need no rule ids. */
export type PublishedDeadline = Deadline & { metBy?: MetBy; reminder?: { side: Side; reason: string } };

export type ExceptionKind = 'extend-window' | 'waive-items' | 'hold' | 'resume' | 'cancel-transfer';

export interface Approval {
  by: string;
  side: Side;
  rank: string;
  decision: 'approve' | 'reject';
  at: string;
  note?: string;
}

export interface TransferException {
  exceptionId: string;
  kind: ExceptionKind;
  reason: string;
  newWindowEnd?: string;
  itemIds?: string[];
  requestedBy: string;
  requestedAt: string;
  state: 'pending' | 'approved' | 'rejected';
  approvals: Approval[];
  requiredSides: Side[];
  minRank: string;
  /** `any-side`: the first approval from a required side settles it; absent, every required side must approve. */
  decision?: 'any-side';
}

export interface Escalation {
  escalationId: string;
  reason: string;
  deadlineId?: string;
  side: Side;
  level: number;
  to: Person;
  raisedAt: string;
  respondBy: string;
  state: 'open' | 'answered' | 'superseded';
  answer?: { by: string; decision: string; note?: string; at: string };
  /** The policy rule it follows, for an escalation a person raised. */
  rule?: string;
  source?: string;
  /** Raised by a person (POST /escalations) rather than by a missed clock. */
  raised?: RaisedBy;
}

/** Who raised an escalation and why; every rung and side of one raising shares its `group`. */
export interface RaisedBy {
  by: string;
  side: Side;
  note: string;
  at: string;
  group: string;
  title: string;
  noAgreement: 'climbs' | 'final';
}

export interface Completion {
  at: string;
  effectiveOn: string;
  how: CompletionHow;
  receiver: 'worker' | 'team-queue';
  receivingSocialWorker?: Person;
  outstandingItems: string[];
  remediationDue?: string;
  /** Rules the completion date broke where the protocol says the transfer happens anyway (Islington's window end). */
  breaches?: RuleFlag[];
  note?: string;
}

export interface RemediationItem {
  itemId: string;
  description: string;
  state: 'open' | 'done';
  doneBy?: string;
  doneAt?: string;
}

export interface HistoryEntry {
  at: string;
  event: string;
  by: string;
  detail: string;
  outcome: 'accepted' | 'rejected';
  eventId?: string;
  /** A rejected signal sent again and again is kept once, with the number of times it came. */
  repeats?: number;
}

/**
 * The parallel regions of DOMAIN §3.2 beside the status, each as a named state. `signOff` is
 * `overdue` when the agreed date passed without the checklist signed off (where the policy makes the transfer wait for sign-off).
 */
export interface TransferRegions {
  allocation: 'team-identified' | 'worker-identified';
  checklist: 'open' | 'ready' | 'signed-off';
  meeting: 'none' | 'scheduled' | 'held';
  /** The latest exception's state. */
  exception: 'none' | 'requested' | 'partially-approved' | 'approved' | 'declined';
  escalation: 'none' | 'open';
  escalationLevel?: number;
  hold: 'running' | 'on-hold';
  signOff: 'not-required' | 'not-due' | 'pending' | 'signed-off' | 'overdue';
}

/** What an update answers: small, since every answer is written into the workflow's history. */
export interface EventResult {
  status: TransferStatus;
  /** The model's version after the event; the API reads the state at or after it. */
  version: number;
  detail: string;
  eventId?: string;
  /** The event id had already been applied: nothing was recorded again. */
  duplicate?: boolean;
  /** What the event left, without what the caller already holds (see `answerState`). */
  answer?: EventAnswer;
  /** The whole state after the event, for a sender that gave its `caller` (and so read nothing first). */
  state?: TransferState;
}

/** Fields of the state no event changes (or only through `receivingSocialWorker`), and the history. */
type HeldByCaller = 'transferId' | 'authority' | 'kind' | 'children' | 'from' | 'to' | 'people' | 'requestHash' | 'history';

/** The state an event left, minus what the caller already has: the static fields and the history. */
export type EventAnswer = Omit<TransferState, HeldByCaller> & { receivingSocialWorker?: Person; entry: HistoryEntry };

/**
 * The state an update answered, rebuilt from the answer and any state of the same transfer read
 * before or after it: the same answer gives the same state, however later the other one was read.
 */
export function answerState(held: TransferState, answer: EventAnswer): TransferState {
  const { entry, receivingSocialWorker, ...changed } = answer;
  const at = held.history.findIndex((h) => h.eventId !== undefined && h.eventId === entry.eventId);
  const before = at >= 0 ? held.history.slice(0, at) : held.history.filter((h) => h.at <= entry.at);
  return {
    transferId: held.transferId,
    authority: held.authority,
    kind: held.kind,
    children: held.children,
    from: held.from,
    to: held.to,
    people: { ...held.people, receivingSocialWorker },
    ...changed,
    requestHash: held.requestHash,
    history: [...before, entry],
  };
}

/** A side effect (email, webhook) that failed for good; the transfer carried on without it. */
export interface DeliveryFailure {
  channel: 'email' | 'webhook';
  sequence: number;
  event: string;
  at: string;
  error: string;
}

export interface TransferState
  extends Pick<TransferRequest, 'transferId' | 'authority' | 'kind' | 'children' | 'from' | 'to' | 'people'> {
  trigger: { event: string; date: string; occurredOn?: string; outcome?: string };
  decidedOn: string;
  notifiedOn?: string;
  acknowledgedOn?: string;
  agreedTransferOn?: string;
  agreedTasks?: string[];
  status: TransferStatus;
  phaseSince: string;
  window?: { opensOn: string; endsOn: string; originalEndsOn: string; onHold: boolean };
  onHold: boolean;
  regions: TransferRegions;
  deadlines: Deadline[];
  checklist: ChecklistItem[];
  meeting: { scheduledOn?: string; heldOn?: string; attendees?: string[]; partOf?: string };
  exceptions: TransferException[];
  escalations: Escalation[];
  completion?: Completion;
  remediation?: { letterOn: string; due: string; dueOn: string; items: RemediationItem[] };
  blocked?: Blocker;
  cancellation?: { reason: string; at: string; by: string };
  rejection?: { reason: string; at: string; by: string };
  violations: RuleViolation[];
  warnings: ScheduleWarning[];
  flags: RuleFlag[];
  tasks: TransferTask[];
  /** The unit each DOMAIN §10 unit setting is read in for this transfer (the deployment's choice at its start). */
  unitSettings?: UnitSettings;
  policyVersion: string;
  calendarVersion: string;
  requestHash: string;
  deliveryFailures: DeliveryFailure[];
  history: HistoryEntry[];
}

/**
 * What the workflow publishes after every accepted event and timer, in order: the audit record
 * plus a snapshot for notifications and the case-management webhook. Children appear only by
 * case reference.
 */
export interface TransferEventMessage {
  workflowId: string;
  transferId: string;
  /** 1, 2, 3, ... per transfer: with the workflow id, the idempotency key downstream. */
  sequence: number;
  at: string;
  event: string;
  actor: string;
  outcome: 'accepted' | 'rejected';
  statusBefore: TransferStatus;
  statusAfter: TransferStatus;
  detail: string;
  snapshot: {
    authority: AuthorityId;
    kind: string;
    status: TransferStatus;
    childRefs: string[];
    from: TeamRef;
    to: TeamRef;
    people: TransferPeople;
    window?: TransferState['window'];
    agreedTransferOn?: string;
    meeting: TransferState['meeting'];
    completion?: Completion;
    remediation?: TransferState['remediation'];
    /** Escalations raised and deadlines missed in this step; each deadline with what meets it. */
    raised: Escalation[];
    /** Exceptions requested in this step that wait for approval. */
    awaitingApproval?: TransferException[];
    /** Tasks raised in this step (absent in messages published before tasks were). */
    tasksRaised?: TransferTask[];
    missed: PublishedDeadline[];
    pendingDeadlines: PublishedDeadline[];
    outstandingItems: string[];
  };
}

