// The policy file format: one zod schema, from which the TypeScript types (types.ts), the JSON Schema
// editors use (policies/policy.schema.json) and the loader's checks all come. Objects are strict so
// that a misspelt key is an error, not a silently ignored rule.
import { z } from 'zod';
import type {
  Blocker,
  CompletionHow,
  ManagerRank,
  MetBy,
  MissAction,
  RaisedEscalation,
  Side,
} from '../../workflows/definitions';

// The workflow contract owns these unions; the schema repeats them and the checks at the bottom
// make the compiler fail if the two drift apart.
const MANAGER_RANK_VALUES = ['line-manager', 'team-manager', 'service-manager', 'head-of-service', 'assistant-director', 'director'] as const;
const SIDE_VALUES = ['transferring', 'receiving'] as const;
const MET_BY_VALUES = [
  'notification', 'acknowledgement', 'allocation', 'meeting-held', 'decision', 'trigger', 'completion', 'remediation-done', 'checklist-item',
  'never',
] as const;
const COMPLETION_VALUES = ['meeting', 'trigger-event', 'agreed-date', 'window-end', 'manual'] as const;

export const FACTS = [
  'LAC', 's17', 's20', 's47', 'cpPlan', 'so', 'careOrder', 'po', 'sgo', 'inPLO', 'inProceedings', 'uasc', 'siblings',
  'neglect', 'dva', 'cseHighRisk', 'adoptionPlan', 'permanenceOutsideFamily', 'receivingEarlyHelp', 'turning18',
  'enteredCareAtAge16', 'involvementOver5HalfMonths', 'qualifyingChild', 'posesRiskClient', 'disability', 'allocationPending',
] as const;

export const CHILD_DATE_FACTS = ['placementStartOn', 'enteredCareOn', 'involvementStartedOn', 'lastGcseExamOn', 'lastClosedOn', 'icoOn'] as const;

/** DOMAIN §10 settings whose unit a deployment may choose (CAL calendar days, WD working days). */
export const UNIT_SETTINGS = ['sgoPaperworkUnit', 'transferInConferenceUnit', 'cmhEarlyTransferUnit'] as const;
const unitSetting = z.enum(UNIT_SETTINGS).describe('A unit the deployment may choose (DOMAIN §10): the offset counts calendar days (CAL) or working days (WD)');

const isoDate = z.iso.date().describe('A calendar day, YYYY-MM-DD');
const text = z.string().min(1);
const id = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens, e.g. written-notification');
const ruleId = z.string().regex(/^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$/, 'must be a rule id in capitals, e.g. T-ISL-07 or R-SIB-ISL-1');
const source = text.describe('Where the rule comes from in the protocol document, e.g. "000 §9"');
const managerRank = z.enum(MANAGER_RANK_VALUES);
const side = z.enum(SIDE_VALUES);

const n = z.number().int();
export const durationSchema = z
  .discriminatedUnion('unit', [
    z.strictObject({ unit: z.literal('days'), n }),
    z.strictObject({ unit: z.literal('weeks'), n }),
    z.strictObject({ unit: z.literal('months'), n }),
    z.strictObject({ unit: z.literal('years'), n }),
    z.strictObject({ unit: z.literal('months-and-days'), months: n, days: n }),
    z.strictObject({ unit: z.literal('working-days'), n }),
    z.strictObject({ unit: z.literal('hours'), n }),
    z.strictObject({ unit: z.literal('next-day') }).describe('By the next day: the next calendar day'),
  ])
  .describe('A length of time in the words the protocols use (DOMAIN §0.3)');

/** A date among the children's facts (the first child that has it), moved by an offset. */
const childFactDate = z
  .strictObject({
    childFact: z.enum(CHILD_DATE_FACTS),
    offset: durationSchema.optional(),
    direction: z.enum(['before', 'after']).optional().describe('Which way the offset counts; default after'),
  })
  .describe("A date among the children's facts, optionally moved by an offset");

export const anchorSchema = z
  .union([
    z.enum([
      'decidedOn', 'notifiedOn', 'trigger', 'triggerOccurredOn', 'agreedTransferOn', 'windowEnd', 'completedOn',
      'remediationLetterOn', 'meetingScheduledOn',
    ]),
    z.strictObject({ birthday: z.number().int().min(0).max(25) }).describe("The (first) child's birthday at this age"),
    z.strictObject({ childFact: z.enum(CHILD_DATE_FACTS) }).describe("A date among the (first) child's facts"),
    z.strictObject({ event: id }).describe('The day a named event was reported (a trigger event such as second-review or core-group), or the start trigger if it is that event'),
  ])
  .describe('The date a clock counts from');

/** A condition on the transfer's facts (DOMAIN §6.0). Recursive, so its type is written out. */
export type Condition =
  | 'all'
  | 'ifApplicable'
  | { fact: Fact }
  | { ageAtLeast: number }
  | { kind: string[] }
  | { reported: string }
  | { allOf: Condition[] }
  | { anyOf: Condition[] }
  | { not: Condition };
export type Fact = (typeof FACTS)[number];

export const conditionSchema: z.ZodType<Condition> = z
  .lazy(() =>
    z.union([
      z.enum(['all', 'ifApplicable']),
      z.strictObject({ fact: z.enum(FACTS) }),
      z.strictObject({ ageAtLeast: z.number().int().min(0) }),
      z.strictObject({ kind: z.array(z.string().regex(/^[a-z0-9-]+\*?$/)).min(1) }).describe('Transfer kinds; a trailing * matches a prefix'),
      z.strictObject({ reported: id }).describe('Once this event has been reported (the start trigger, or a later trigger event)'),
      z.strictObject({ allOf: z.array(conditionSchema).min(1) }),
      z.strictObject({ anyOf: z.array(conditionSchema).min(1) }),
      z.strictObject({ not: conditionSchema }),
    ]),
  )
  .describe('A condition on the transfer\'s facts');

const automaticEscalationSchema = z
  .strictObject({ side, fromRank: managerRank, reason: text })
  .describe('An escalation to the lowest person at or above the rank on that side');

const missActionSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('flag') }),
    z
      .strictObject({ kind: z.literal('remind'), side, reason: text })
      .describe("Marks it missed and emails a reminder to that side's manager, saying what to do (reason)"),
    z.strictObject({ kind: z.literal('escalate'), side, fromRank: managerRank, reason: text }),
    z
      .strictObject({ kind: z.literal('task'), task: text, side, fromRank: managerRank, reason: text })
      .describe('Raises the task the protocol ties to the missed clock for that side, and escalates it from that rank'),
  ])
  .describe('What happens when the deadline is missed');

export const deadlineRuleSchema = z.strictObject({
  id: id.describe('Stable id of the deadline within a transfer, e.g. written-notification'),
  rule: ruleId,
  source,
  what: text,
  anchor: anchorSchema,
  offset: durationSchema,
  direction: z.enum(['after', 'before']).optional().describe('`before` counts back from the anchor. Default `after`'),
  at: z
    .union([z.enum(['end-of-day', 'exact']), z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be end-of-day, exact or a time HH:MM')])
    .optional()
    .describe('When on the due date it falls due: end-of-day (default), exact (hour clocks) or HH:MM London time'),
  metBy: z.enum(MET_BY_VALUES),
  onMissed: missActionSchema,
  kinds: z.array(id).min(1).optional().describe('Transfer kinds the clock applies to; absent = every kind'),
  phase: z.enum(['before-completion', 'after-completion']).optional(),
  when: conditionSchema.optional().describe('Only armed when this condition on the facts holds'),
  repeatEvery: durationSchema.optional().describe('A recurring obligation: the next occurrence is armed as each passes'),
  metByEvent: id.optional().describe('With metBy trigger: only this trigger event meets it'),
  unitSetting: unitSetting.optional(),
  metByItem: id.optional().describe('With metBy checklist-item: the checklist item whose completion meets it'),
});

const boundSubject = z.enum(['windowEnd', 'trigger', 'agreedTransferOn', 'meetingOn']);
export const boundCheckSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('at-most'), subject: boundSubject, anchor: anchorSchema, offset: durationSchema }),
  z.strictObject({ kind: z.literal('at-least'), subject: boundSubject, anchor: anchorSchema, offset: durationSchema }),
  z.strictObject({
    kind: z.literal('blackout'),
    subject: boundSubject,
    from: z
      .union([
        z
          .strictObject({ monthDay: z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be a month and day, MM-DD') })
          .describe('This month and day, in the year the blackout ends'),
        childFactDate,
      ])
      .describe('The first day of the blackout'),
    to: childFactDate.describe('The last day of the blackout'),
    when: conditionSchema,
    liftedByBestInterest: z.boolean(),
  }),
  z
    .strictObject({
      kind: z.literal('early-transfer'),
      subject: boundSubject,
      /** The event the transfer waits for (the CMH). */
      until: anchorSchema,
      /** Where the distance to it is measured from (the ICO). */
      measuredFrom: anchorSchema,
      moreThan: durationSchema,
      /** The managers' meeting must be at least this long before `until`. */
      meetingAtLeastBefore: durationSchema,
      unitSetting: unitSetting.optional(),
    })
    .describe('A transfer before the event is allowed only if the event is far enough away and the managers met early enough'),
  z
    .strictObject({
      kind: z.literal('booking-cutoff'),
      subject: z.literal('meetingOn'),
      /** The booking closes on this weekday before the meeting (the last working day on or before it when that day is not one). */
      weekdayBefore: z.enum(['MON', 'TUE', 'WED', 'THU', 'FRI']),
      at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM'),
    })
    .describe("A meeting must be booked by this London time on this weekday before it; a later booking goes to the next meeting (the policy meeting's cadence)"),
]);

export const boundRuleSchema = z.strictObject({
  rule: ruleId,
  source,
  message: text,
  check: boundCheckSchema,
  severity: z.enum(['refuse', 'flag']).describe('refuse rejects the request; flag records a shortfall'),
  overridable: z.boolean().describe('An approved two-sided exception may move past it'),
  kinds: z.array(id).min(1).optional(),
});

export const checklistItemSchema = z.strictObject({
  itemId: id,
  title: text,
  section: text,
  source,
  appliesWhen: conditionSchema,
  blocking: z.boolean().optional().describe("Whether this item blocks completion; overrides the kind's and the authority's default"),
});

const blockerSchema = z.strictObject({
  by: z.enum(['decision', 'checklist-item']),
  itemId: id.optional(),
  rule: ruleId,
  reason: text,
});

export const transferKindSchema = z.strictObject({
  id: id.describe('The DOMAIN §5 type id'),
  title: text,
  from: text,
  to: text,
  trigger: z.strictObject({ events: z.array(id), description: text }),
  timing: text,
  responsibility: z.enum(['Y', 'J']).describe('Y: lead responsibility moves; J: joint working / referral only'),
  source,
  notes: text.optional(),
  completion: z.array(z.enum(COMPLETION_VALUES)).min(1).describe('How a transfer of this kind can complete, in order of preference'),
  completingTriggers: z.array(id).optional(),
  cancellingOutcomes: z.array(z.strictObject({ outcome: id, reason: z.string().regex(/^[A-Z0-9_]+$/), rule: ruleId })).optional(),
  blockedUntil: blockerSchema.optional(),
  checklistBlocks: z.boolean().optional().describe("Whether this kind's checklist items block completion; overrides checklistGate.itemsBlock"),
  outOfScope: z.boolean().optional(),
});

const manualCompletionSchema = z
  .strictObject({ minRank: managerRank, sides: z.array(side).min(1), source })
  .describe('Who may record a manual completion: managers of at least this rank on one of these sides');
export const checklistGateSchema = z
  .strictObject({
    source,
    itemsBlock: z.boolean().optional().describe('Every checklist item blocks completion unless its kind or the item says otherwise. Default false'),
    meetingWaitsForBlockingItems: z.boolean().optional().describe('A meeting cannot be recorded as held while a blocking item is open'),
    historicGaps: z.boolean().optional().describe('An item may be recorded as a historic gap'),
    signOffEscalation: automaticEscalationSchema
      .optional()
      .describe('Blocking items open at the timed completion: the transfer waits for them (signed off late) and this escalation is raised'),
    deferOpenItems: z.boolean().optional().describe('Items open at completion are deferred, due outstandingItemsDue after it'),
    decisionClockCompletes: z
      .boolean()
      .optional()
      .describe('An agreed-date completion falls at the end of the decision clock (the completion deadline counted from decidedOn); blocking items open then send the case back to the next meeting'),
  })
  .describe('How open checklist items affect completion (DOMAIN §6.0)');

const rungSchema = z.strictObject({ rank: managerRank, titles: z.array(text).min(1) });

export const raisedEscalationSchema = z
  .strictObject({
    reason: id.describe('What the API and the form call it, e.g. capacity, criteria-dispute'),
    title: text,
    rule: ruleId,
    source,
    raisedBy: z.array(side).min(1).describe('The sides whose managers (or allocated social worker) may raise it'),
    to: z
      .array(z.enum([...SIDE_VALUES, 'raiser']))
      .min(1)
      .describe("Whose escalation chains it goes to: both sides where the protocol involves both, or the raiser's own side"),
    fromRank: managerRank.describe('The first rung: the lowest person on the chain at or above this rank'),
    respondWithin: durationSchema.optional().describe("The first rung's answer time; later rungs use escalationResponse"),
    noAgreement: z.enum(['climbs', 'final']).describe('An answer of "no agreement" sends it a rung up each chain (climbs) or ends it (final)'),
    kinds: z.array(id).min(1).optional().describe('Transfer kinds it applies to; absent = every kind'),
    meanwhile: text.optional().describe('What the protocol says happens to the case while it is escalated'),
    automatic: z
      .strictObject({ on: z.literal('completed-without-named-worker'), children: z.enum(['cp-or-looked-after', 'any']) })
      .optional()
      .describe('Also raised by the workflow itself: on a completion into the team queue, for these children'),
  })
  .describe('An escalation the protocol tells people to raise');

/** Who approves an exception (a resume of a hold needs no approval). */
const approversShape = {
  sides: z.array(side).min(1).describe('The sides whose approvers answer'),
  minRank: managerRank.describe("The lowest rank that may approve: the rung of each side's ladder"),
  decision: z
    .enum(['every-side', 'any-side'])
    .describe('every-side: a two-sided decision, settled only when every listed side has approved (one refusal declines it); any-side: the first approval from a listed side settles it'),
  source,
};
const approversSchema = z.strictObject(approversShape);

export const policySchema = z
  .strictObject({
    authority: id.describe('The id the API and case-management systems use, e.g. islington'),
    code: z.string().regex(/^[A-Z]{2,6}$/, 'must be 2-6 capital letters, e.g. ISL').describe('Short code used in rule ids'),
    name: text,
    document: text,
    seed: text,
    protocolVersion: text,
    policyVersion: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}\.\d+$/, 'must be the date of the change and a counter, e.g. 2026-11-23.1')
      .describe('Bumped whenever this file changes; each transfer records the version it ran under'),
    effectiveFrom: isoDate.describe('The first day (Europe/London) on which new transfers use this version'),
    jobTitles: z.array(z.strictObject({ title: text, rank: z.union([managerRank, z.literal('social-worker')]), source })).min(1),
    escalationLadder: z.array(rungSchema).min(1).describe('The management chain, lowest rank first'),
    escalationResponse: z.strictObject({ within: durationSchema, rule: ruleId, source }),
    raisedEscalations: z.array(raisedEscalationSchema).optional().describe('The escalations people raise (POST /v1/transfers/{id}/escalations)'),
    exceptionApproval: z
      .strictObject({
        ...approversShape,
        exceptions: z
          .strictObject({
            'extend-window': approversSchema.optional(),
            'waive-items': approversSchema.optional(),
            hold: approversSchema.optional(),
            'cancel-transfer': approversSchema.optional(),
          })
          .optional()
          .describe('Who approves each kind of exception where it differs from the default above'),
      })
      .describe('Who approves an individual-case exception (DOMAIN §2.7): by default, and per kind of exception'),
    rejection: z.strictObject({
      permitted: z.array(z.strictObject({ reason: z.string().regex(/^[A-Z0-9_]+$/), source })),
      forbidden: z.array(z.strictObject({ reason: z.string().regex(/^[A-Z0-9_]+$/), rule: ruleId, source, instead: text })),
    }),
    manualCompletion: manualCompletionSchema.optional(),
    checklistGate: checklistGateSchema,
    agreedTasks: z
      .strictObject({
        idPrefix: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*-$/, 'must be lower-case words joined by hyphens, ending in a hyphen'),
        blocking: z.boolean(),
        source,
      })
      .optional()
      .describe('Tasks agreed at the decision become checklist items with this id prefix. Default: agreed-task-, not blocking'),
    siblingRule: ruleId.optional().describe('The rule that keeps siblings together: a sibling left out needs a best-interest exemption'),
    queueClearedBy: z.array(z.enum(['allocation', 'meeting-held'])).min(1).optional(),
    queueEscalation: automaticEscalationSchema.optional().describe('Completed into the receiving team\'s queue with no named worker: who is told'),
    outstandingItemsDue: z.strictObject({ within: durationSchema, rule: ruleId, source }).optional(),
    remediationWorkerLeft: z
      .strictObject({ task: text, side, fromRank: managerRank, rule: ruleId, source })
      .optional()
      .describe('A remediation letter sent when the referring social worker has left raises this task for the lowest person at or above the rank on that side; it is done when the remediation is'),
    window: z
      .strictObject({
        maxLength: durationSchema,
        rule: ruleId,
        source,
        proposeEnd: z.literal('roll-back-to-working-day'),
        meetingRule: ruleId.optional().describe('The rule a transfer meeting outside the window breaks'),
        meetingApartFromTrigger: ruleId
          .optional()
          .describe("The rule a transfer meeting held as part of the trigger event's own meeting breaks: it may share the trigger's date, not its meeting"),
        autoCompleteAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM'),
      })
      .optional()
      .describe('A transfer window opened by the written notification, completed automatically at its end'),
    meeting: z
      .strictObject({ name: text, weekday: z.enum(['MON', 'TUE', 'WED', 'THU', 'FRI']).optional(), cadenceDays: z.number().int().min(1), source })
      .optional(),
    kinds: z.array(transferKindSchema).min(1),
    deadlines: z.array(deadlineRuleSchema),
    bounds: z.array(boundRuleSchema),
    checklist: z.array(checklistItemSchema),
    rules: z
      .array(
        z.strictObject({
          id: ruleId,
          text,
          source,
          use: z.enum(['deadline', 'bound', 'checklist', 'routing', 'escalation', 'information']),
          automated: z.boolean().optional().describe('Routing rules: whether the service enforces it (required for use routing)'),
          how: text.optional().describe('Routing rules: how the service enforces it, or why it cannot'),
        }),
      )
      .min(1)
      .describe('Every timescale of the protocol, with how the engine uses it'),
    settings: z.record(z.string(), z.unknown()).describe('The protocol\'s configurable defaults (DOMAIN §10)'),
  })
  .describe('One version of one local authority\'s case transfer protocol');

export type Policy = z.infer<typeof policySchema>;

// Compile-time: the schema's unions are exactly the workflow contract's.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _same: [
  Same<z.infer<typeof managerRank>, ManagerRank>,
  Same<z.infer<typeof side>, Side>,
  Same<(typeof MET_BY_VALUES)[number], MetBy>,
  Same<(typeof COMPLETION_VALUES)[number], CompletionHow>,
  Same<z.infer<typeof automaticEscalationSchema>, RaisedEscalation>,
  Same<z.infer<typeof missActionSchema>, MissAction>,
  Same<z.infer<typeof blockerSchema>, Blocker>,
] = [true, true, true, true, true, true, true];
void _same;
