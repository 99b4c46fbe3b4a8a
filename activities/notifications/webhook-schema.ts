// The body the case-management system receives for every published transfer event: an audit
// record plus the transfer's state after the step. The zod schema is the contract; its JSON Schema
// (webhookEventJsonSchema) is what docs/webhook.md documents. Staff appear by id and role only,
// children only by case reference.
import { z } from 'zod';
import type {
  CompletionHow,
  DeadlineState,
  Escalation,
  Person,
  TransferEventMessage,
  TransferStatus,
} from '../../workflows/definitions';

/** Changes only for an incompatible change; new optional fields may appear at any time. */
export const WEBHOOK_EVENT_VERSION = '1';

// Worker code keeps to type imports from the workflow's definitions; these lists must still cover
// every value of the types, which the `Exhaustive` checks below enforce at compile time.
const STATUSES = [
  'identified', 'notified', 'acknowledged', 'preparing', 'blocked', 'returned-to-meeting',
  'completed', 'post-transfer', 'closed', 'rejected', 'cancelled',
] as const;
const DEADLINE_STATES = ['pending', 'met', 'met-late', 'missed', 'waived'] as const;
const COMPLETION_HOWS = ['meeting', 'trigger-event', 'agreed-date', 'window-end', 'manual'] as const;
const ESCALATION_STATES = ['open', 'answered', 'superseded'] as const;

type Exhaustive<T, L extends readonly T[]> = [Exclude<T, L[number]>] extends [never] ? true : never;
const _exhaustive: [
  Exhaustive<TransferStatus, typeof STATUSES>,
  Exhaustive<DeadlineState, typeof DEADLINE_STATES>,
  Exhaustive<CompletionHow, typeof COMPLETION_HOWS>,
  Exhaustive<Escalation['state'], typeof ESCALATION_STATES>,
] = [true, true, true, true];

const isoDate = z.iso.date().describe('A calendar day in Europe/London (YYYY-MM-DD)');
const instant = z.iso.datetime({ offset: true }).describe('An instant, ISO 8601 with offset');
const status = z.enum(STATUSES);

const staff = z
  .object({ id: z.string().min(1), role: z.string().min(1) })
  .describe('A member of staff by id and role; names and email addresses are not sent');
const team = z.object({ service: z.string(), team: z.string() });

const deadline = z.object({
  id: z.string(),
  what: z.string(),
  due: instant,
  dueOn: isoDate,
  practicalDueOn: isoDate.optional(),
  rule: z.string().describe('DOMAIN.md rule id, e.g. T-ISL-07'),
  source: z.string(),
  state: z.enum(DEADLINE_STATES),
});

const escalation = z.object({
  escalationId: z.string(),
  reason: z.string(),
  deadlineId: z.string().optional(),
  side: z.enum(['transferring', 'receiving']),
  level: z.number().int().min(1),
  to: staff,
  raisedAt: instant,
  respondBy: instant,
  state: z.enum(ESCALATION_STATES),
});

export const webhookEventSchema = z
  .object({
    id: z.string().regex(/^.+:\d+$/).describe('`${workflowId}:${sequence}`, equal to the Idempotency-Key header'),
    type: z
      .string()
      .regex(/^transfer\.[A-Za-z]+(\.[A-Za-z]+)*$/)
      .describe('`transfer.` + the event (`transfer.notification`, `transfer.timer.deadline`, ...)'),
    version: z.literal(WEBHOOK_EVENT_VERSION),
    createdAt: instant.describe('When the workflow recorded the event'),
    transferId: z.string().min(1),
    workflowId: z.string().min(1),
    sequence: z.number().int().min(1).describe('1, 2, 3, ... per transfer, in the order the events happened'),
    audit: z.object({
      actor: z.string().describe('Person id from the token, an integration id, or `system` for timers'),
      event: z.string(),
      outcome: z.enum(['accepted', 'rejected']),
      statusBefore: status,
      statusAfter: status,
      at: instant,
      detail: z.string(),
    }),
    transfer: z.object({
      // Policies are data: any authority with a loaded policy file (GET /v1/policies lists them).
      authority: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/).describe('The id of the policy the transfer runs under, e.g. islington'),
      kind: z.string(),
      status,
      childRefs: z.array(z.string()).min(1).describe('Case-management ids of the children; never names'),
      from: team,
      to: team,
      people: z.object({
        allocatedSocialWorker: staff,
        lineManager: staff,
        transferringManager: staff,
        receivingManager: staff,
        receivingSocialWorker: staff.optional(),
      }),
      window: z
        .object({ opensOn: isoDate, endsOn: isoDate, originalEndsOn: isoDate, onHold: z.boolean() })
        .optional(),
      agreedTransferOn: isoDate.optional(),
      meeting: z.object({
        scheduledOn: isoDate.optional(),
        heldOn: isoDate.optional(),
        attendees: z.array(z.string()).optional(),
      }),
      completion: z
        .object({
          at: instant,
          effectiveOn: isoDate,
          how: z.enum(COMPLETION_HOWS),
          receiver: z.enum(['worker', 'team-queue']),
          receivingSocialWorker: staff.optional(),
          outstandingItems: z.array(z.string()),
          remediationDue: instant.optional(),
        })
        .optional(),
      remediation: z
        .object({
          letterOn: isoDate,
          due: instant.optional(),
          dueOn: isoDate.optional(),
          items: z.array(
            z.object({
              itemId: z.string(),
              description: z.string(),
              state: z.enum(['open', 'done']),
              doneAt: instant.optional(),
            }),
          ),
        })
        .optional(),
      escalationsRaised: z.array(escalation).describe('Escalations raised in this step'),
      deadlinesMissed: z.array(deadline).describe('Deadlines missed in this step'),
      openDeadlines: z.array(deadline).describe('Deadlines still pending after this step'),
      outstandingItems: z.array(z.string()).describe('Checklist items open or deferred'),
    }),
  })
  .describe('A case-transfer event, POSTed to WEBHOOK_URL');

export type WebhookEvent = z.infer<typeof webhookEventSchema>;

/** The JSON Schema (draft 2020-12) of the body, for docs/webhook.md and receivers. */
export const webhookEventJsonSchema = z.toJSONSchema(webhookEventSchema, {
  target: 'draft-2020-12',
  // Input mode leaves out additionalProperties: false: receivers must accept fields added later.
  io: 'input',
});

export function webhookEventId(message: Pick<TransferEventMessage, 'workflowId' | 'sequence'>): string {
  return `${message.workflowId}:${message.sequence}`;
}

export function webhookEventType(event: string): string {
  return `transfer.${event.split(':').join('.')}`;
}

function staffRef(p: Person): { id: string; role: string } {
  return { id: p.id, role: p.role };
}

function omitEmpty<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T;
}

export function toWebhookEvent(message: TransferEventMessage): WebhookEvent {
  const s = message.snapshot;
  const escalationOut = (e: Escalation) =>
    omitEmpty({
      escalationId: e.escalationId,
      reason: e.reason,
      deadlineId: e.deadlineId,
      side: e.side,
      level: e.level,
      to: staffRef(e.to),
      raisedAt: e.raisedAt,
      respondBy: e.respondBy,
      state: e.state,
    });
  const deadlineOut = (d: TransferEventMessage['snapshot']['missed'][number]) =>
    omitEmpty({
      id: d.id,
      what: d.what,
      due: d.due,
      dueOn: d.dueOn,
      practicalDueOn: d.practicalDueOn,
      rule: d.rule,
      source: d.source,
      state: d.state,
    });
  return {
    id: webhookEventId(message),
    type: webhookEventType(message.event),
    version: WEBHOOK_EVENT_VERSION,
    createdAt: message.at,
    transferId: message.transferId,
    workflowId: message.workflowId,
    sequence: message.sequence,
    audit: {
      actor: message.actor,
      event: message.event,
      outcome: message.outcome,
      statusBefore: message.statusBefore,
      statusAfter: message.statusAfter,
      at: message.at,
      detail: message.detail,
    },
    transfer: omitEmpty({
      authority: s.authority,
      kind: s.kind,
      status: s.status,
      childRefs: s.childRefs,
      from: { service: s.from.service, team: s.from.team },
      to: { service: s.to.service, team: s.to.team },
      people: omitEmpty({
        allocatedSocialWorker: staffRef(s.people.allocatedSocialWorker),
        lineManager: staffRef(s.people.lineManager),
        transferringManager: staffRef(s.people.transferringManager),
        receivingManager: staffRef(s.people.receivingManager),
        receivingSocialWorker: s.people.receivingSocialWorker && staffRef(s.people.receivingSocialWorker),
      }),
      window: s.window && { ...s.window },
      agreedTransferOn: s.agreedTransferOn,
      meeting: omitEmpty({ ...s.meeting }),
      completion:
        s.completion &&
        omitEmpty({
          at: s.completion.at,
          effectiveOn: s.completion.effectiveOn,
          how: s.completion.how,
          receiver: s.completion.receiver,
          receivingSocialWorker: s.completion.receivingSocialWorker && staffRef(s.completion.receivingSocialWorker),
          outstandingItems: s.completion.outstandingItems,
          remediationDue: s.completion.remediationDue,
        }),
      remediation:
        s.remediation &&
        omitEmpty({
          letterOn: s.remediation.letterOn,
          due: s.remediation.due,
          dueOn: s.remediation.dueOn,
          items: s.remediation.items.map((i) => omitEmpty({ itemId: i.itemId, description: i.description, state: i.state, doneAt: i.doneAt })),
        }),
      escalationsRaised: s.raised.map(escalationOut),
      deadlinesMissed: s.missed.map(deadlineOut),
      openDeadlines: s.pendingDeadlines.map(deadlineOut),
      outstandingItems: s.outstandingItems,
    }),
  };
}
