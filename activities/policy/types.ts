// The shape of an authority's transfer protocol as data. The workflow never branches on an
// authority: it reads what the schedule engine (schedule.ts) derives from one of these.
import type {
  AuthorityId,
  Blocker,
  ChecklistGate,
  CompletionHow,
  ManagerRank,
  MetBy,
  MissAction,
  Side,
} from '../../workflows/definitions';

/** A length of time in the words the protocols use (DOMAIN §0.3). */
export type Duration =
  | { unit: 'days'; n: number }
  | { unit: 'weeks'; n: number }
  | { unit: 'months'; n: number }
  | { unit: 'years'; n: number }
  | { unit: 'months-and-days'; months: number; days: number }
  | { unit: 'working-days'; n: number }
  | { unit: 'hours'; n: number }
  /** "By the next day": next calendar day, or the next working day after it. */
  | { unit: 'next-day' };

/**
 * The date a clock counts from. Dates come from the transfer's facts; `birthday` is the
 * (first) child's birthday at the given age; `trigger` is the planned trigger-event date.
 */
export type Anchor =
  | 'decidedOn'
  | 'notifiedOn'
  | 'trigger'
  | 'triggerOccurredOn'
  | 'agreedTransferOn'
  | 'windowEnd'
  | 'completedOn'
  | 'remediationLetterOn'
  | 'meetingScheduledOn'
  | { birthday: number }
  | { childFact: 'placementStartOn' | 'enteredCareOn' | 'involvementStartedOn' | 'lastGcseExamOn' | 'lastClosedOn' };

/** A clock the engine arms: a dated obligation with a rule id, a seed source and a consequence. */
export interface DeadlineRule {
  /** Stable id of the deadline within a transfer, e.g. `written-notification`. */
  id: string;
  /** DOMAIN.md rule id, e.g. `T-ISL-01`. */
  rule: string;
  /** Seed section, e.g. `000 §9`. */
  source: string;
  what: string;
  anchor: Anchor;
  offset: Duration;
  /** `before` counts back from the anchor ("at least N before Y"). Default `after`. */
  direction?: 'after' | 'before';
  /**
   * When on the due date the deadline falls due. `end-of-day` (default for dates): breached at
   * 00:00 London on the next day. `exact` for hour-based clocks. `HH:mm` for a wall-clock time.
   */
  at?: 'end-of-day' | 'exact' | `${number}:${number}`;
  metBy: MetBy;
  onMissed: MissAction;
  /** Transfer kinds the clock applies to; absent = every kind of the authority. */
  kinds?: string[];
  /** Only armed before completion (default) or only after it (post-transfer obligations). */
  phase?: 'before-completion' | 'after-completion';
  /** Only armed when a condition on the transfer's facts holds. */
  when?: Condition;
  /** A recurring obligation (e.g. a weekly overview): the next occurrence is armed as each passes. */
  repeatEvery?: Duration;
  /** With `metBy: 'trigger'`, only this trigger event meets it (e.g. `weekly-overview`). */
  metByEvent?: string;
}

/** A check on a date the managers propose; refuses (409/400) or flags it. */
export type BoundCheck =
  /** subject must be on or before anchor + offset. */
  | { kind: 'at-most'; subject: BoundSubject; anchor: Anchor; offset: Duration }
  /** subject must be on or after anchor + offset. */
  | { kind: 'at-least'; subject: BoundSubject; anchor: Anchor; offset: Duration }
  /** subject may not fall in [from, to]; `from` is a month-day, `to` a child fact. */
  | {
      kind: 'blackout';
      subject: BoundSubject;
      fromMonthDay: string;
      toChildFact: 'lastGcseExamOn';
      when: Condition;
      liftedByBestInterest: boolean;
    };

export type BoundSubject = 'windowEnd' | 'trigger' | 'agreedTransferOn' | 'meetingOn';

export interface BoundRule {
  rule: string;
  source: string;
  message: string;
  check: BoundCheck;
  /** `refuse` rejects the request; `flag` records a shortfall and lets it through. */
  severity: 'refuse' | 'flag';
  /** An approved two-sided exception may move past it. */
  overridable: boolean;
  kinds?: string[];
}

/** Facts a checklist condition can read (DOMAIN §6.0). */
export type Fact =
  | 'LAC'
  | 's17'
  | 's20'
  | 's47'
  | 'cpPlan'
  | 'so'
  | 'careOrder'
  | 'po'
  | 'sgo'
  | 'inPLO'
  | 'inProceedings'
  | 'uasc'
  | 'siblings'
  | 'neglect'
  | 'dva'
  | 'cseHighRisk'
  | 'adoptionPlan'
  | 'permanenceOutsideFamily'
  | 'receivingEarlyHelp'
  | 'turning18'
  | 'enteredCareAtAge16'
  | 'involvementOver5HalfMonths'
  | 'qualifyingChild'
  | 'posesRiskClient'
  | 'disability'
  /** Completed into the receiving team's queue and not yet cleared (DOMAIN T14). */
  | 'allocationPending';

export type Condition =
  | 'all'
  | 'ifApplicable'
  | { fact: Fact }
  | { ageAtLeast: number }
  | { kind: string[] }
  | { allOf: Condition[] }
  | { anyOf: Condition[] }
  | { not: Condition };

export interface ChecklistItemDef {
  itemId: string;
  title: string;
  section: string;
  source: string;
  appliesWhen: Condition;
  /** Overrides the authority's gate for this item (e.g. LBBD private-fostering CP issue). */
  blocking?: boolean;
}

export interface TransferKind {
  id: string;
  title: string;
  from: string;
  to: string;
  /** What happens that makes the transfer due, and the transfer point. */
  trigger: { events: string[]; description: string };
  timing: string;
  /** Y: lead responsibility moves; J: joint working / referral only. */
  responsibility: 'Y' | 'J';
  source: string;
  notes?: string;
  /** How a transfer of this kind can complete, in order of preference. */
  completion: CompletionHow[];
  /** Trigger events that complete it (T7). */
  completingTriggers?: string[];
  /** Trigger outcomes that cancel it (T10). */
  cancellingOutcomes?: { outcome: string; reason: string; rule: string }[];
  /** The transfer may not complete until this happens (DOMAIN T18, state BLOCKED). */
  blockedUntil?: Blocker;
  /** Out of scope for the engine (e.g. a pilot); listed for completeness. */
  outOfScope?: boolean;
}

export type { Blocker } from '../../workflows/definitions';

export interface EscalationRung {
  rank: ManagerRank;
  titles: string[];
}

export interface Policy {
  authority: AuthorityId;
  code: 'ISL' | 'LBBD' | 'SOM' | 'UNN' | 'SWK';
  name: string;
  document: string;
  seed: string;
  protocolVersion: string;
  /** Bumped whenever this data changes; pinned into each workflow at start. */
  policyVersion: string;
  /** The authority's job titles on the API's ranks. */
  jobTitles: { title: string; rank: ManagerRank | 'social-worker'; source: string }[];
  /** The management chain, lowest rank first. */
  escalationLadder: EscalationRung[];
  /** How long an escalated manager has to answer before it climbs a rung. */
  escalationResponse: { within: Duration; rule: string; source: string };
  exceptionApproval: { sides: Side[]; minRank: ManagerRank; source: string };
  rejection: {
    permitted: { reason: string; source: string }[];
    forbidden: { reason: string; rule: string; source: string; instead: string }[];
  };
  checklistGate: { gate: ChecklistGate; source: string };
  /** What clears a case completed into the receiving team's queue (default: an allocation). */
  queueClearedBy?: ('allocation' | 'meeting-held')[];
  /** Due date of items left open at completion (deferred / remediation), counted from completion. */
  outstandingItemsDue?: { within: Duration; rule: string; source: string };
  /** Window proposal and auto-completion (ISL). */
  window?: {
    maxLength: Duration;
    rule: string;
    source: string;
    proposeEnd: 'roll-back-to-working-day';
    autoCompleteAt: string;
  };
  /** Decision-driven clocks (SOM TAM, LBBD Transfer Meeting). */
  meeting?: { name: string; weekday?: 'MON' | 'TUE' | 'WED' | 'THU' | 'FRI'; cadenceDays: number; source: string };
  kinds: TransferKind[];
  deadlines: DeadlineRule[];
  bounds: BoundRule[];
  checklist: ChecklistItemDef[];
  /** Every §4 timescale of the authority, with how the engine uses it. */
  rules: { id: string; text: string; source: string; use: 'deadline' | 'bound' | 'checklist' | 'routing' | 'information' }[];
  /** The §10 defaults as configured. */
  settings: Record<string, unknown>;
}
