// Request schemas for every route, in zod. Unknown fields are rejected everywhere (strict objects):
// a misspelt field is an error, not silently dropped data.
import { z } from 'zod';
import { ROLES } from '../workflows/definitions';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD', abort: true })
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a real calendar date')
  .meta({ format: 'date' });
const isoDateOrInstant = z.union([isoDate, z.iso.datetime({ offset: true })], {
  error: 'must be a date YYYY-MM-DD or an ISO 8601 instant with offset',
});
const id = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 . _ -');
const text = (max = 2000) => z.string().trim().min(1).max(max);
// Team ids become search attribute values and visibility query literals: no control characters.
/** The SQLite visibility store cannot match a keyword holding a double quote (the dev server answers a query error). */
export const queryableTeamId = (s: string): boolean => !s.includes('"');
const teamId = text(200)
  .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'must not contain control characters')
  .refine(queryableTeamId, 'must not contain a double quote');

export const personSchema = z.strictObject({
  id: text(128),
  role: text(64),
  email: z.email().optional(),
  name: text(200).optional(),
});

export const childSchema = z.strictObject({
  ref: text(64),
  dateOfBirth: isoDate,
  legalStatus: text(200),
  lookedAfter: z.boolean(),
  disability: z.boolean().optional(),
  displayName: text(200).optional(),
  siblingOf: z.array(text(64)).max(20).optional(),
  bestInterestExemption: text(2000).optional(),
  facts: z
    .strictObject({
      cpPlan: z.boolean().optional(),
      inPLO: z.boolean().optional(),
      inProceedings: z.boolean().optional(),
      uasc: z.boolean().optional(),
      neglect: z.boolean().optional(),
      dva: z.boolean().optional(),
      cseHighRisk: z.boolean().optional(),
      adoptionPlan: z.boolean().optional(),
      permanenceOutsideFamily: z.boolean().optional(),
      placementStartOn: isoDate.optional(),
      enteredCareOn: isoDate.optional(),
      involvementStartedOn: isoDate.optional(),
      lastGcseExamOn: isoDate.optional(),
      lastClosedOn: isoDate.optional(),
      icoOn: isoDate.optional(),
      sitsGcsesThisYear: z.boolean().optional(),
      qualifyingChild: z.boolean().optional(),
      posesRiskClient: z.boolean().optional(),
    })
    .optional(),
});

const teamSchema = z.strictObject({ service: text(200), team: teamId });

// Authorities are data (policies/): the schema checks the form, the app checks it is loaded.
const authority = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be an authority id (kebab-case)')
  .max(64)
  .describe('The id of a loaded policy; GET /v1/policies lists them');

type Fields = Record<string, unknown>;
/**
 * A rule between a body's fields. Zod skips an object's refinements once any field fails; this one
 * runs every time, so a 400 names every offending field. The body may be malformed here, so the rule
 * reads it as unknown values.
 */
function between(holds: (body: Fields) => boolean, field: string, message: string) {
  const check = (body: unknown) => typeof body !== 'object' || body === null || Array.isArray(body) || holds(body as Fields);
  return [check, { path: [field] as PropertyKey[], message, when: () => true }] as const;
}
const isDay = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);

/** The window opens on the notification date (DOMAIN §3.5): it cannot end before it. */
const windowAfterNotification = between(
  (b) => !isDay(b.notifiedOn) || !isDay(b.windowEnd) || b.windowEnd >= b.notifiedOn,
  'windowEnd',
  'must not be before notifiedOn: the window opens on the notification date',
);

export const startBodySchema = z.strictObject({
  // A UUID and nothing else: ids are stored unencrypted, so a name or case number must never become one.
  transferId: z.uuid({ error: 'must be a UUID (e.g. from crypto.randomUUID())' }).optional(),
  authority,
  kind: text(80),
  children: z
    .array(childSchema)
    .min(1)
    .max(12)
    .superRefine((children, ctx) => {
      // One child, one entry: a repeated ref would count a sibling twice in the sibling rules.
      children.forEach((c, i) => {
        if (children.findIndex((o) => o.ref === c.ref) < i) ctx.addIssue({ code: 'custom', path: [i, 'ref'], message: 'appears twice: each child once' });
      });
    }),
  from: teamSchema,
  to: teamSchema,
  people: z.strictObject({
    allocatedSocialWorker: personSchema,
    lineManager: personSchema,
    transferringManager: personSchema,
    receivingManager: personSchema,
    receivingSocialWorker: personSchema.optional(),
    chain: z.strictObject({ transferring: z.array(personSchema).max(10), receiving: z.array(personSchema).max(10) }),
  }),
  trigger: z.strictObject({ event: text(80), date: isoDateOrInstant }),
  decidedOn: isoDate.optional(),
  notifiedOn: isoDate.optional(),
  windowEnd: isoDate.optional(),
  importantDates: z.array(z.strictObject({ what: text(200), on: isoDate })).max(50).optional(),
}).refine(...windowAfterNotification);
export type StartBody = z.infer<typeof startBodySchema>;

const meetingPartOf = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be an event id, e.g. first-cla-review')
  .max(80)
  .optional()
  .describe("The meeting this one is held within, when it is part of another (an event id, e.g. first-cla-review); a policy may require the transfer meeting to be a meeting of its own");
export const eventBodySchemas = {
  notification: z.strictObject({
    notifiedOn: isoDate,
    windowEnd: isoDate.optional(),
    importantDates: z.array(z.strictObject({ what: text(200), on: isoDate })).max(50).optional(),
  }).refine(...windowAfterNotification),
  acknowledgement: z.strictObject({ receivingSocialWorker: personSchema.optional(), acknowledgedOn: isoDate.optional() }),
  allocation: z.strictObject({ receivingSocialWorker: personSchema }),
  checklistItem: z.strictObject({
    note: text().optional().describe('Required when state is na: why the item does not apply'),
    evidenceRef: text(500).optional(),
    state: z.enum(['done', 'na', 'historic-gap']).default('done'),
  }).refine(...between((b) => b.state !== 'na' || b.note !== undefined, 'note', 'is required when state is na: say why the item does not apply')),
  checklistReopen: z.strictObject({ reason: text() }),
  meeting: z.discriminatedUnion('status', [
    z.strictObject({ status: z.literal('scheduled'), on: isoDate, partOf: meetingPartOf }),
    z.strictObject({ status: z.literal('held'), on: isoDate, attendees: z.array(text(200)).min(1).max(50), partOf: meetingPartOf }),
  ]),
  exceptionRequest: z.strictObject({
    kind: z.enum(['extend-window', 'waive-items', 'hold', 'resume', 'cancel-transfer']),
    reason: text(),
    newWindowEnd: isoDate.optional().describe('Required when kind is extend-window: the date the window would end'),
    // A refinement, not .max(100): zod stops checking the whole body at an array over its max, and
    // then the rules below would not name a missing newWindowEnd beside it.
    itemIds: z.array(text(120)).min(1).refine((ids) => ids.length <= 100, 'must have at most 100 items').meta({ maxItems: 100 }).optional().describe('Required when kind is waive-items: the checklist items to waive'),
  })
    .refine(...between((b) => b.kind !== 'extend-window' || b.newWindowEnd !== undefined, 'newWindowEnd', 'is required to extend the window'))
    .refine(...between((b) => b.kind !== 'waive-items' || b.itemIds !== undefined, 'itemIds', 'are required to waive items')),
  exceptionDecision: z.strictObject({ decision: z.enum(['approve', 'reject']), note: text().optional() }),
  escalationResponse: z.strictObject({
    decision: text(200).describe('Your decision; `no-agreement` sends an escalation the policy lets climb a rung up each chain'),
    note: text(),
  }),
  raiseEscalation: z.strictObject({
    reason: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a reason id the policy lists, e.g. capacity or criteria-dispute')
      .max(80)
      .describe("A reason the transfer's policy lists under raisedEscalations (GET /v1/policies/{authority})"),
    note: text(),
    side: z.enum(['transferring', 'receiving']).optional().describe('The side you raise it for, when you are on both'),
  }),
  decision: z.strictObject({
    on: isoDate,
    transferOn: isoDate.optional(),
    agreedTasks: z.array(z.string().regex(/^[a-z0-9-]{1,80}$/, 'must be a kebab-case task id')).max(50).optional(),
  }),
  trigger: z.strictObject({ event: text(80), on: isoDateOrInstant, outcome: text(120).optional() }),
  remediation: z.union([
    z.strictObject({
      letterOn: isoDate.optional(),
      items: z.array(z.strictObject({ itemId: id, description: text() })).min(1).max(100),
      referringWorkerLeft: z
        .boolean()
        .optional()
        .describe('The referring social worker has left: the policy\'s task to agree how the missing records will be produced is raised (Southwark: for the receiving Advanced Practitioner)'),
    }),
    z.strictObject({ itemId: id }),
  ]),
  cancellation: z.strictObject({ reason: text() }),
  rejection: z.strictObject({ reason: text(80), note: text().optional() }),
  completion: z.strictObject({ on: isoDate, note: text().optional() }),
};

const boolString = z.enum(['true', 'false']).transform((v) => v === 'true');
export const listQuerySchema = z.strictObject({
  authority: authority.optional(),
  status: z
    .enum(['identified', 'notified', 'acknowledged', 'preparing', 'blocked', 'returned-to-meeting', 'completed',
      'post-transfer', 'closed', 'rejected', 'cancelled'])
    .optional(),
  team: teamId.optional(),
  escalated: boolString.optional(),
  overdue: boolString.optional(),
  /** An email or webhook for this transfer failed for good (see the transfer's deliveryFailures). */
  deliveryFailed: boolString.optional(),
  windowEndsBefore: isoDate.optional(),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
  nextPageToken: z.string().max(4000).optional(),
});

export const transferIdParam = id;
export const roleSchema = z.enum(ROLES);

// ------------------------------------------------------------------ path and query

export const pathSchemas = {
  none: z.strictObject({}),
  transfer: z.strictObject({ id }),
  checklistItem: z.strictObject({ id, itemId: id }),
  exception: z.strictObject({ id, exceptionId: id }),
  escalation: z.strictObject({ id, escalationId: id }),
  // Unknown authorities are a 404, not a schema error: the set of policies is data.
  policy: z.strictObject({ authority: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be an authority id (kebab-case)') }),
};

/** Routes without query parameters reject any, as bodies reject unknown fields. */
export const noQuery = z.strictObject({});

export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, 'must be 1-200 visible ASCII characters')
  .optional();
/** The event routes' headers: a fault is named `header.Idempotency-Key`. */
export const eventHeadersSchema = z.object({ 'Idempotency-Key': idempotencyKeySchema });

// ------------------------------------------------------------------ responses (documentation)
// Loose objects: the contract lets responses gain fields without a new version.

const person = z.looseObject({ id: z.string(), role: z.string(), email: z.string().optional(), name: z.string().optional() });
const team = z.looseObject({ service: z.string(), team: z.string() });
const statusSchema = listQuerySchema.shape.status.unwrap();

export const transferStateSchema = z.looseObject({
  transferId: z.string(),
  authority: z.string(),
  kind: z.string(),
  children: z.array(z.looseObject({ ref: z.string(), dateOfBirth: z.string(), legalStatus: z.string(), lookedAfter: z.boolean() })),
  from: team,
  to: team,
  people: z.looseObject({
    allocatedSocialWorker: person,
    lineManager: person,
    transferringManager: person,
    receivingManager: person,
    receivingSocialWorker: person.optional(),
    chain: z.looseObject({ transferring: z.array(person), receiving: z.array(person) }),
  }),
  trigger: z.looseObject({ event: z.string(), date: z.string(), occurredOn: z.string().optional(), outcome: z.string().optional() }),
  decidedOn: z.string(),
  notifiedOn: z.string().optional(),
  status: statusSchema,
  phaseSince: z.string(),
  window: z.looseObject({ opensOn: z.string(), endsOn: z.string(), originalEndsOn: z.string(), onHold: z.boolean() }).optional(),
  deadlines: z.array(
    z.looseObject({
      id: z.string(),
      what: z.string(),
      due: z.string(),
      dueOn: z.string(),
      rule: z.string(),
      source: z.string(),
      state: z.enum(['pending', 'met', 'met-late', 'missed', 'waived']),
      lateByDays: z.number().int().min(1).optional().describe('met-late: days after the due date it was met'),
    }),
  ),
  checklist: z.array(
    z.looseObject({
      itemId: z.string(),
      title: z.string(),
      appliesBecause: z.string(),
      state: z.enum(['open', 'done', 'na', 'historic-gap', 'deferred', 'waived']),
      doneBy: z.string().optional(),
      doneAt: z.string().optional(),
    }),
  ),
  meeting: z.looseObject({ scheduledOn: z.string().optional(), heldOn: z.string().optional(), attendees: z.array(z.string()).optional(), partOf: z.string().optional() }),
  exceptions: z.array(
    z.looseObject({
      exceptionId: z.string(),
      kind: z.string(),
      reason: z.string(),
      requestedBy: z.string(),
      state: z.enum(['pending', 'approved', 'rejected']),
      approvals: z.array(
        z.looseObject({ by: z.string(), side: z.enum(['transferring', 'receiving']), rank: z.string(), decision: z.enum(['approve', 'reject']), at: z.string() }),
      ),
    }),
  ),
  escalations: z.array(
    z.looseObject({
      escalationId: z.string(),
      reason: z.string(),
      level: z.number(),
      to: person,
      raisedAt: z.string(),
      respondBy: z.string(),
      state: z.enum(['open', 'answered', 'superseded']),
    }),
  ),
  completion: z
    .looseObject({
      at: z.string(),
      effectiveOn: z.string(),
      how: z.enum(['meeting', 'trigger-event', 'agreed-date', 'window-end', 'manual']),
      receiver: z.enum(['worker', 'team-queue']),
      outstandingItems: z.array(z.string()),
      remediationDue: z.string().optional(),
    })
    .optional(),
  history: z.array(z.looseObject({ at: z.string(), event: z.string(), by: z.string(), detail: z.string() })),
});

export const transferListSchema = z.looseObject({
  items: z.array(
    z.looseObject({
      transferId: z.string(),
      authority: z.string().optional(),
      kind: z.string().optional(),
      status: z.string().optional(),
      from: z.looseObject({ team: z.string().optional() }),
      to: z.looseObject({ team: z.string().optional() }),
      escalated: z.boolean(),
      overdue: z.boolean(),
      deliveryFailed: z.boolean(),
      windowEndsOn: z.string().optional(),
      startedAt: z.string().optional(),
      running: z.boolean(),
    }),
  ),
  nextPageToken: z.string().optional().describe('pass back as ?nextPageToken= for the next page; absent on the last page'),
});

export const previewSchema = z.looseObject({
  window: z.looseObject({ opensOn: z.string(), endsOn: z.string(), originalEndsOn: z.string() }).optional(),
  completion: z.looseObject({ at: z.string(), effectiveOn: z.string(), how: z.string() }).optional(),
  deadlines: transferStateSchema.shape.deadlines,
  checklist: transferStateSchema.shape.checklist,
  warnings: z.array(z.looseObject({ rule: z.string(), message: z.string() })),
  policyVersion: z.string(),
  calendarVersion: z.string(),
});

export const policyListSchema = z.looseObject({
  policies: z.array(
    z.looseObject({
      authority: z.string(),
      name: z.string(),
      policyVersion: z.string(),
      kinds: z.array(z.looseObject({ id: z.string(), title: z.string(), source: z.string() })),
    }),
  ),
});

export const policySchema = z.looseObject({ authority: z.string(), name: z.string(), policyVersion: z.string() }).describe(
  "One authority's protocol as data: timescales, transfer kinds, checklists, escalation ladder, job titles mapped to ranks, each with its source section",
);

export const healthSchema = z.looseObject({ status: z.string() });
