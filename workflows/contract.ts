// The case-transfer workflow's contract as plain types and values: people and roles, the start
// input, the schedule, the transfer state, event payloads, failure types and the permission table.
// No Temporal import: the pure lifecycle (./lifecycle) builds on it, and so do the activities and
// the API (through ./definitions, which re-exports it beside the Temporal message definitions).
import type { ExceptionKind } from './transfer-state';

export * from './transfer-state';

export const TASK_QUEUE = 'case-transfers';
export const WORKFLOW_TYPE = 'caseTransfer';
/**
 * The workflow code's release: recorded histories are named by it (test/replay/histories). Bump it
 * with every release; from the first release on, an incompatible change needs a patch (README).
 */
export const WORKFLOW_RELEASE = '2026-12-01.1';

/** Workflow ids hold only the opaque transfer id: ids are stored unencrypted. */
export function workflowIdFor(transferId: string): string {
  return `transfer-${transferId}`;
}
export function transferIdFromWorkflowId(workflowId: string): string {
  return workflowId.replace(/^transfer-/, '');
}

// ---------------------------------------------------------------------------------------------
// People, roles, sides

/** The id of a loaded policy file (policies/); the API checks it against what is loaded. */
export type AuthorityId = string;

/** Management ranks, lowest first (shared/API.md). */
export const MANAGER_RANKS = [
  'line-manager',
  'team-manager',
  'service-manager',
  'head-of-service',
  'assistant-director',
  'director',
] as const;
export type ManagerRank = (typeof MANAGER_RANKS)[number];
export const ROLES = ['integration', 'operator', 'social-worker', ...MANAGER_RANKS] as const;
export type Role = (typeof ROLES)[number];

export function rankIndex(role: string): number {
  return (MANAGER_RANKS as readonly string[]).indexOf(role);
}

export type Side = 'transferring' | 'receiving';

/**
 * The lowest person on a side's escalation ladder at or above the rank; when climbing from
 * `above`, the lowest one after them and above their rank. Escalations, tasks and the approval
 * notifications all choose people this way.
 */
export function lowestOnLadder(people: TransferPeople, side: Side, minRank: string, above?: Person): Person | undefined {
  const chain = people.chain[side] ?? [];
  const min = above ? Math.max(rankIndex(minRank), rankIndex(above.role) + 1) : rankIndex(minRank);
  const startAfter = above ? chain.findIndex((p) => p.id === above.id) : -1;
  return chain.find((p, i) => i > startAfter && rankIndex(p.role) >= min);
}

export interface Person {
  id: string;
  role: string;
  email?: string;
  name?: string;
}

/** Who did something, as the API established it from the token. Never taken from a request body. */
export interface Actor {
  id: string;
  roles: Role[];
  /** Sides of this transfer the actor belongs to (from the token's teams). */
  sides: Side[];
  /** 'system' is the workflow itself (timers); an incoming event claiming it is refused. */
  kind: 'person' | 'integration' | 'system';
}

// ---------------------------------------------------------------------------------------------
// Start input

export interface Child {
  ref: string;
  dateOfBirth: string;
  legalStatus: string;
  lookedAfter: boolean;
  disability?: boolean;
  displayName?: string;
  /** Facts the checklist conditions and rules read (DOMAIN §3.1, §6.0). */
  facts?: ChildFacts;
  siblingOf?: string[];
  bestInterestExemption?: string;
}

export interface ChildFacts {
  cpPlan?: boolean;
  inPLO?: boolean;
  inProceedings?: boolean;
  uasc?: boolean;
  neglect?: boolean;
  dva?: boolean;
  cseHighRisk?: boolean;
  adoptionPlan?: boolean;
  permanenceOutsideFamily?: boolean;
  placementStartOn?: string;
  enteredCareOn?: string;
  involvementStartedOn?: string;
  lastGcseExamOn?: string;
  /** Date the case was last closed or stepped down (re-referral routing). */
  lastClosedOn?: string;
  /** Interim care order (UNN: an early transfer before the CMH is measured from it). */
  icoOn?: string;
  sitsGcsesThisYear?: boolean;
  qualifyingChild?: boolean;
  posesRiskClient?: boolean;
}

export interface TeamRef {
  service: string;
  team: string;
}

export interface TransferPeople {
  allocatedSocialWorker: Person;
  lineManager: Person;
  transferringManager: Person;
  receivingManager: Person;
  receivingSocialWorker?: Person;
  chain: { transferring: Person[]; receiving: Person[] };
}

export interface TransferRequest {
  transferId: string;
  authority: AuthorityId;
  kind: string;
  children: Child[];
  from: TeamRef;
  to: TeamRef;
  people: TransferPeople;
  trigger: { event: string; date: string };
  decidedOn?: string;
  notifiedOn?: string;
  windowEnd?: string;
  importantDates?: { what: string; on: string }[];
}

export interface StartTransferInput {
  request: TransferRequest;
  /** Canonical hash of the start body: a re-start with another body is a conflict. */
  requestHash: string;
  startedBy: Actor;
  /** The London date the API received the request: the default for `decidedOn`. */
  receivedOn: string;
}

// ---------------------------------------------------------------------------------------------
// Schedule: the calendar and policy answers, computed outside the workflow (local activity)

/** How a deadline ended: met on time, met after its due date (`lateByDays`), missed, or waived (the transfer ended). */
export type DeadlineState = 'pending' | 'met' | 'met-late' | 'missed' | 'waived';

/** What the workflow does when a pending deadline passes. */
export type MissAction =
  | { kind: 'flag' }
  /** Marked missed, and the side's manager is reminded by email (no escalation: nobody more senior is asked). */
  | { kind: 'remind'; side: Side; reason: string }
  | { kind: 'escalate'; side: Side; fromRank: ManagerRank; reason: string }
  | { kind: 'task'; task: string; side: Side; fromRank: ManagerRank; reason: string };

/** Which accepted event meets a deadline. */
export type MetBy =
  | 'notification'
  | 'acknowledgement'
  | 'allocation'
  | 'meeting-held'
  | 'decision'
  | 'trigger'
  | 'completion'
  | 'remediation-done'
  | 'checklist-item'
  | 'never';

export interface DeadlineSpec {
  id: string;
  what: string;
  due: string;
  dueOn: string;
  practicalDueOn?: string;
  rule: string;
  source: string;
  metBy: MetBy;
  /** With metBy 'trigger': only this trigger event meets it. */
  metByEvent?: string;
  /** With metBy checklist-item: the item whose completion meets it. */
  metByItem?: string;
  /** Recurring: the workflow asks for a new schedule when an occurrence passes. */
  repeats?: boolean;
  /** Counted from the forum's decision: a new decision starts it again (no other clock). */
  fromDecision?: boolean;
  onMissed: MissAction;
}

export type CompletionHow = 'meeting' | 'trigger-event' | 'agreed-date' | 'window-end' | 'manual';

/** An escalation the policy raises without a deadline: to the lowest person at or above the rank on that side. */
export interface RaisedEscalation {
  side: Side;
  fromRank: ManagerRank;
  reason: string;
}

/**
 * How open checklist items affect a transfer (DOMAIN §6.0), in protocol terms: which items block
 * (per item, per kind, or every item, decided by the schedule engine) and what happens to blocking
 * items still open at each point.
 */
export interface ChecklistGate {
  /** A meeting cannot be recorded as held while a blocking item is open. */
  meetingWaitsForBlockingItems: boolean;
  /** Items may be recorded as historic gaps (a record gap from before, signed off as such). */
  historicGaps: boolean;
  /** Open blocking items at the timed completion: the transfer waits, signed off late, and this escalation is raised. */
  signOffEscalation?: RaisedEscalation;
  /** Items left open at completion are deferred to the due date the schedule gives (`remediationDueOn`). */
  deferOpenItems: boolean;
}

export interface ChecklistTemplate {
  itemId: string;
  title: string;
  appliesBecause: string;
  blocking: boolean;
}

export interface RuleViolation {
  rule: string;
  source: string;
  message: string;
  /** The request field the rule refuses, when there is one. */
  field?: string;
  /** A date the rule would accept instead, when there is one. */
  suggestion?: string;
  /** The proposed date the rule refused. */
  value?: string;
  /** The first date the rule allows (a notice period, a minimum stay, a blackout's end). */
  earliestOn?: string;
  /** The last date the rule allows (a maximum stay, a window's end). */
  latestOn?: string;
  /** True when an approved exception may override it. */
  overridable: boolean;
}

/** A rule the transfer broke that the protocol records rather than refuses (DOMAIN §7.2), with its size. */
export interface RuleFlag {
  type: 'notice-shortfall' | 'completion-breach';
  rule: string;
  source: string;
  message: string;
  /** notice-shortfall: how many days short of the required notice (calendar days, or working days where the rule counts them). */
  shortfallDays?: number;
  unit?: 'days' | 'working-days';
  earliestOn?: string;
  latestOn?: string;
}

/** DOMAIN §10 settings whose unit a deployment chooses: calendar days (CAL) or working days (WD). */
export type UnitSettings = Partial<Record<'sgoPaperworkUnit' | 'transferInConferenceUnit' | 'cmhEarlyTransferUnit', 'CAL' | 'WD'>>;

export interface ScheduleWarning {
  rule: string;
  message: string;
  earliestOn?: string;
  latestOn?: string;
}

export interface Schedule {
  policyVersion: string;
  calendarVersion: string;
  window?: { opensOn: string; endsOn: string; originalEndsOn: string };
  /** The timed completion (window end or agreed date), if the kind has one. */
  completionTimer?: { at: string; effectiveOn: string; how: CompletionHow };
  /** When blocking items are open at this instant the case goes back to the meeting. */
  returnToMeetingAt?: { at: string; nextMeetingOn: string };
  deadlines: DeadlineSpec[];
  checklist: ChecklistTemplate[];
  violations: RuleViolation[];
  warnings: ScheduleWarning[];
  /** Typed flags of rules broken but not refused (a notice shortfall with its day count). */
  flags: RuleFlag[];
  /**
   * With `completingOn` in the facts: what the one completion guard finds wrong with completing on
   * that date (every path to completion asks it). Empty when the date is allowed.
   */
  completionViolations?: RuleViolation[];
  /** The unit each DOMAIN §10 unit setting was read in. */
  unitSettings: UnitSettings;
  /** The date outstanding items are due after completion (deferred items, remediation). */
  remediationDueOn?: string;
  remediationDue?: string;
}

/** The facts the schedule is computed from; every field a plain string or number. */
export interface ScheduleFacts {
  request: TransferRequest;
  decidedOn?: string;
  notifiedOn?: string;
  windowEnd?: string;
  windowEndApprovedByException?: boolean;
  /** The date an approved exception allows; overridable bounds are waived only up to it. */
  approvedThrough?: string;
  agreedTransferOn?: string;
  agreedTasks?: string[];
  triggerOccurredOn?: string;
  completedOn?: string;
  remediationLetterOn?: string;
  heldDays: number;
  bestInterestAgreed?: boolean;
  meetingScheduledOn?: string;
  /** When the scheduled meeting was booked (a booking cut-off counts against it). */
  meetingBookedAt?: string;
  /** Completed into the receiving team's queue and not yet cleared. */
  allocationPending?: boolean;
  /** After a return to the allocation meeting: the old decision no longer runs clocks. */
  awaitingDecision?: boolean;
  /** The instant the schedule is computed for (recurring obligations are armed up to it). */
  asOf?: string;
  /** The deployment's choice of unit for each DOMAIN §10 unit setting, pinned at the start. */
  unitSettings?: UnitSettings;
  /** A date the transfer would complete on: the schedule says which rules forbid it. */
  completingOn?: string;
  /** When the transfer meeting was held (preconditions of an early transfer count from it). */
  meetingHeldOn?: string;
  /** The day each reported trigger event happened (the latest report of each), for clocks anchored on a named event. */
  eventsOn?: Record<string, string>;
}

/** What holds a transfer in BLOCKED until it happens. */
export interface Blocker {
  /** A forum decision (e.g. the receiving authority deciding a transfer-in), or a checklist item being done. */
  by: 'decision' | 'checklist-item';
  itemId?: string;
  rule: string;
  reason: string;
}

/**
 * The policy version a transfer started under, as it was loaded (DOMAIN §3.7): the policy file's
 * content for the transfer's kind. Kept in the model, so every later schedule, check and escalation
 * uses it, whatever file is in force when they run. Opaque to the workflow: only the schedule
 * engine (an activity) reads it.
 */
export interface PinnedPolicy {
  authority: AuthorityId;
  policyVersion: string;
  [field: string]: unknown;
}

/**
 * Who approves an exception: the lowest rank that may (the rung of each side's ladder), the sides,
 * and whether every listed side must approve (a two-sided decision: `every-side`, the default) or
 * the first approval from any of them settles it (`any-side`).
 */
export interface Approvers {
  sides: Side[];
  minRank: ManagerRank;
  decision?: 'every-side' | 'any-side';
  source: string;
}
/** The policy's default approvers, and per kind of exception where they differ. */
export interface ExceptionApproval extends Approvers {
  exceptions?: Partial<Record<Exclude<ExceptionKind, 'resume'>, Approvers>>;
}
/** Who approves this kind of exception under the policy. */
export function approversFor(approval: ExceptionApproval, kind: ExceptionKind): Approvers {
  return (kind !== 'resume' && approval.exceptions?.[kind]) || approval;
}
/** The lowest rank that approves any kind of exception (who may learn anything about one). */
export function lowestApproverRank(approval: ExceptionApproval): ManagerRank {
  const ranks = [approval, ...Object.values(approval.exceptions ?? {})].map((a) => a!.minRank);
  return ranks.reduce((low, r) => (rankIndex(r) < rankIndex(low) ? r : low));
}

/** What the workflow keeps of its policy, fetched once at start (and so fixed for replay). */
export interface PolicyDigest {
  authority: AuthorityId;
  policyVersion: string;
  /** The whole pinned version; absent only in runs recorded before pinning. */
  policy?: PinnedPolicy;
  kindTitle: string;
  completion: CompletionHow[];
  checklistGate: ChecklistGate;
  /** Completed into the receiving team's queue with no named worker: this escalation is raised. */
  queueEscalation?: RaisedEscalation;
  /** The rule a transfer meeting outside the window breaks. */
  windowMeetingRule?: string;
  /** The rule a transfer meeting held as part of the trigger event's own meeting breaks (absent: the policy allows it). */
  meetingApartFromTriggerRule?: string;
  exceptionApproval: ExceptionApproval;
  permittedRejectionReasons: string[];
  forbiddenRejectionReasons: { reason: string; rule: string; source: string; instead: string }[];
  escalation: { source: string };
  /** The escalations people may raise on this kind (absent in digests recorded before issue 9). */
  raisedEscalations?: RaisedEscalationRule[];
  /** The kind's own trigger events (a transfer meeting may not be one of their meetings); the one a transfer starts with dates its clocks. */
  ownTriggerEvents?: string[];
  /** Trigger events that complete this kind of transfer (T7). */
  completingTriggers: string[];
  /** Trigger outcomes that cancel it (T10), e.g. return home within 12 weeks. */
  cancellingOutcomes: { outcome: string; reason: string; rule: string }[];
  /** Events that are meaningful for this kind (others are rejected with 409). */
  usesDecision: boolean;
  usesWindow: boolean;
  queueClearedBy: ('allocation' | 'meeting-held')[];
  blockedUntil?: Blocker;
  /** Who may complete a kind whose completion is manual (absent: the kind has no manual completion). */
  manualCompletion?: { minRank: ManagerRank; sides: Side[]; source: string };
  /** The trigger events this kind knows (its own, and those a clock of the kind is met by). */
  triggerEvents: string[];
  /** The outcomes a trigger event of this kind may carry. */
  triggerOutcomes: string[];
  /** The task a remediation letter raises when the referring social worker has left (absent: the policy names none). */
  remediationWorkerLeft?: { task: string; side: Side; fromRank: ManagerRank; rule: string; source: string };
}

/**
 * An escalation the protocol tells people to raise (DOMAIN §2, §7.3): the reason, whose chains it
 * goes to, from which rank, and whether an answer of "no agreement" sends it up a rung.
 */
export interface RaisedEscalationRule {
  reason: string;
  title: string;
  rule: string;
  source: string;
  /** The sides whose people may raise it. */
  raisedBy: Side[];
  /** Whose chains it goes to: a side, or `raiser` (the side of whoever raised it). */
  to: (Side | 'raiser')[];
  fromRank: ManagerRank;
  /** An answer of "no agreement" climbs a rung (`climbs`) or is final (`final`). */
  noAgreement: 'climbs' | 'final';
  /** What the protocol says happens meanwhile, e.g. the case stays with the sending team. */
  meanwhile?: string;
  /** Raised by the workflow itself too: on a completion into the team queue, for these children. */
  automatic?: { on: 'completed-without-named-worker'; children: 'cp-or-looked-after' | 'any' };
}

// ---------------------------------------------------------------------------------------------
// Events: each is one payload type, sent as a signal (integrations) or an update (the API)

export interface EventEnvelope<P> {
  /** Re-sent signals with the same id are applied once. */
  eventId?: string;
  actor: Actor;
  payload: P;
  /**
   * Who sent it, as the API knows them (the token's teams): with it the workflow works out the
   * actor's sides itself, refuses someone not on the transfer's teams or not permitted, and answers
   * the whole state, so the API reads nothing before an event.
   */
  caller?: Caller;
}

export interface Caller {
  teams: string[];
  /** Operators and integrations see every transfer. */
  seesAll: boolean;
}

export interface EventPayloads {
  notification: { notifiedOn: string; windowEnd?: string; importantDates?: { what: string; on: string }[] };
  acknowledgement: { acknowledgedOn?: string; receivingSocialWorker?: Person };
  allocation: { receivingSocialWorker: Person };
  checklistItem: {
    itemId: string;
    state: 'done' | 'na' | 'historic-gap' | 'open';
    note?: string;
    evidenceRef?: string;
    reason?: string;
  };
  /** `partOf`: the meeting it is held within, when it is part of another (e.g. the trigger event's, `first-cla-review`). */
  meeting: { status: 'scheduled' | 'held'; on: string; attendees?: string[]; partOf?: string };
  exceptionRequest: {
    exceptionId: string;
    kind: ExceptionKind;
    reason: string;
    newWindowEnd?: string;
    itemIds?: string[];
  };
  exceptionDecision: { exceptionId: string; decision: 'approve' | 'reject'; note?: string };
  escalationResponse: { escalationId: string; decision: string; note?: string };
  raiseEscalation: { reason: string; note: string; side?: Side };
  decision: { on: string; transferOn?: string; agreedTasks?: string[] };
  trigger: { event: string; on: string; outcome?: string };
  remediation: { letterOn?: string; items?: { itemId: string; description: string }[]; referringWorkerLeft?: boolean; itemId?: string };
  cancellation: { reason: string };
  rejection: { reason: string; note?: string };
  /** A manual completion (kinds whose transfer point is a manual step), through the same date rules. */
  completion: { on: string; note?: string };
}
export type EventName = keyof EventPayloads;
export const EVENT_NAMES: readonly EventName[] = [
  'notification',
  'acknowledgement',
  'allocation',
  'checklistItem',
  'meeting',
  'exceptionRequest',
  'exceptionDecision',
  'escalationResponse',
  'raiseEscalation',
  'decision',
  'trigger',
  'remediation',
  'cancellation',
  'rejection',
  'completion',
];

// ---------------------------------------------------------------------------------------------
// Failures an update can end in; the API maps them to HTTP statuses.

export const FailureTypes = {
  /** The event is not valid in the current state, or a rule refuses it → 409. */
  InvalidState: 'InvalidState',
  RuleViolation: 'RuleViolation',
  /** The actor may not do this → 403. */
  Forbidden: 'Forbidden',
  /** The thing referred to does not exist → 404. */
  NotFound: 'NotFound',
  /** Another change to the transfer is being applied: nothing was, try again → 503. */
  Busy: 'TransferBusy',
} as const;

/**
 * Freezes a value all the way down, so that a change in place throws: an answer the model keeps
 * whole (a digest, a schedule), or a copy shared by every caller (a loaded policy's pinned copy).
 */
export function frozen<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) frozen(v);
    Object.freeze(value);
  }
  return value;
}

/** Every message down an error's cause chain (the last attempt's own error, not only a timeout): what a failed delivery records. */
export function causeChain(err: unknown): string {
  const parts: string[] = [];
  for (let cur: unknown = err; cur instanceof Error && parts.length < 5; cur = cur.cause) parts.push(cur.message);
  return parts.join(': ') || String(err);
}

// ---------------------------------------------------------------------------------------------
// Who may send each event (shared/API.md "who"): the one table a person is authorised from. The
// workflow decides against the transfer (its teams' sides, its allocated social worker); the API
// checks beforehand only what it can without the transfer (`mayEverSend`: the role at all).

export interface Permission {
  /** Managers (any rank) on one of these sides. */
  managerSides?: Side[];
  /** The transfer's allocated social worker. */
  allocatedSocialWorker?: boolean;
  integration?: boolean;
}

export const EVENT_PERMISSIONS: Record<EventName, Permission> = {
  notification: { managerSides: ['transferring'] },
  acknowledgement: { managerSides: ['receiving'] },
  allocation: { managerSides: ['receiving'] },
  checklistItem: { managerSides: ['transferring', 'receiving'], allocatedSocialWorker: true },
  meeting: { managerSides: ['transferring', 'receiving'], allocatedSocialWorker: true },
  exceptionRequest: { managerSides: ['transferring', 'receiving'] },
  // Rank and side are checked against the exception itself.
  exceptionDecision: { managerSides: ['transferring', 'receiving'] },
  // Checked against the escalation: the person escalated to, or anyone above them.
  escalationResponse: { managerSides: ['transferring', 'receiving'] },
  // The policy's reason says which side may raise it (raisedBy).
  raiseEscalation: { managerSides: ['transferring', 'receiving'], allocatedSocialWorker: true },
  decision: { managerSides: ['transferring', 'receiving'] },
  trigger: { managerSides: ['transferring', 'receiving'], integration: true },
  remediation: { managerSides: ['transferring', 'receiving'] },
  cancellation: { managerSides: ['transferring', 'receiving'], integration: true },
  rejection: { managerSides: ['receiving'] },
  // Rank and side are checked against the policy's manualCompletion.
  completion: { managerSides: ['transferring', 'receiving'] },
};

export function highestRank(actor: Actor): number {
  return Math.max(-1, ...actor.roles.map(rankIndex));
}

export function isPermitted(permission: Permission, actor: Actor, allocatedSocialWorkerId: string): boolean {
  if (actor.kind === 'integration' || actor.roles.includes('integration')) return Boolean(permission.integration);
  if (permission.allocatedSocialWorker && actor.id === allocatedSocialWorkerId && actor.roles.includes('social-worker')) {
    return true;
  }
  if (!permission.managerSides || highestRank(actor) < 0) return false;
  return actor.sides.some((s) => permission.managerSides!.includes(s));
}

/** An operator moves one running transfer to another version of its policy (DOMAIN §3.7). */
export interface MigratePolicyInput {
  /** The operator, as the client established it; only the operator role may migrate. */
  actor: Actor;
  /** The version to move to; absent, the one in force today. */
  policyVersion?: string;
  note?: string;
}
