// The shape of an authority's transfer protocol as data, derived from the policy file schema
// (schema.ts). The workflow never branches on an authority: it reads what the schedule engine
// (schedule.ts) derives from one of these.
import type { z } from 'zod';
import type {
  anchorSchema,
  boundCheckSchema,
  boundRuleSchema,
  checklistItemSchema,
  deadlineRuleSchema,
  durationSchema,
  Policy,
  transferKindSchema,
} from './schema';

export type { Condition, Fact, Policy } from './schema';
export type { Blocker } from '../../workflows/definitions';

export type Duration = z.infer<typeof durationSchema>;
export type Anchor = z.infer<typeof anchorSchema>;
export type DeadlineRule = z.infer<typeof deadlineRuleSchema>;
export type BoundCheck = z.infer<typeof boundCheckSchema>;
export type BoundSubject = BoundCheck['subject'];
export type BoundRule = z.infer<typeof boundRuleSchema>;
export type ChecklistItemDef = z.infer<typeof checklistItemSchema>;
export type TransferKind = z.infer<typeof transferKindSchema>;
export type EscalationRung = Policy['escalationLadder'][number];
