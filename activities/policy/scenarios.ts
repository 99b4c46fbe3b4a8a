// Scenarios written beside a policy file as data ("given these facts and dates, expect these
// deadlines / refusals"), run through the same schedule engine the workflow and /preview use. This
// is how someone who changes a timescale proves the change without a developer.
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { Child, Schedule, ScheduleFacts, TransferRequest } from '../../workflows/definitions';
import type { Calendar } from './calendar/calendar';
import { triggerEvents } from './digest';
import { ScheduleEngine } from './schedule';
import type { Policy } from './schema';

const isoDate = z.iso.date();
const dateOrInstant = z.union([isoDate, z.iso.datetime({ offset: true })]);
const ruleId = z.string().min(1);

const childSchema = z.strictObject({
  ref: z.string().min(1),
  dateOfBirth: isoDate,
  legalStatus: z.string().min(1),
  lookedAfter: z.boolean(),
  disability: z.boolean().optional(),
  facts: z.record(z.string(), z.union([z.boolean(), isoDate])).optional(),
  siblingOf: z.array(z.string()).optional(),
  bestInterestExemption: z.string().optional(),
});
const teamSchema = z.strictObject({ service: z.string(), team: z.string() });

const factsSchema = z
  .strictObject({
    decidedOn: isoDate,
    notifiedOn: isoDate,
    windowEnd: isoDate,
    windowEndApprovedByException: z.boolean(),
    approvedThrough: isoDate,
    agreedTransferOn: isoDate,
    agreedTasks: z.array(z.string()),
    triggerOccurredOn: dateOrInstant,
    completedOn: isoDate,
    remediationLetterOn: isoDate,
    heldDays: z.number().int().min(0),
    bestInterestAgreed: z.boolean(),
    meetingScheduledOn: isoDate,
    meetingBookedAt: z.iso.datetime({ offset: true }),
    allocationPending: z.boolean(),
    awaitingDecision: z.boolean(),
    asOf: z.iso.datetime({ offset: true }),
  })
  .partial()
  .describe('What has happened so far in the transfer (the events the case-management system reports)');

const givenSchema = z
  .strictObject({
    kind: z.string().min(1),
    trigger: z.strictObject({ event: z.string().min(1), date: dateOrInstant }),
    children: z.array(childSchema).min(1),
    from: teamSchema,
    to: teamSchema,
    facts: factsSchema,
  })
  .partial();

const partialRecord = z.record(z.string(), z.unknown());
const expectSchema = z
  .strictObject({
    window: partialRecord.describe('The window: opensOn, endsOn, originalEndsOn'),
    completion: partialRecord.describe('The timed completion: at, effectiveOn, how'),
    returnToMeeting: partialRecord.describe('at, nextMeetingOn'),
    deadlines: z
      .record(ruleId, z.union([partialRecord, z.array(isoDate)]))
      .describe('By rule id: fields of its (first) deadline, or the due dates of every occurrence ([] for none)'),
    refusals: z
      .array(z.union([ruleId, partialRecord]))
      .describe('Every rule that refuses the request, in order, as rule ids or fields (rule, field, suggestion); [] for none'),
    warnings: z.strictObject({ includes: z.array(ruleId), excludes: z.array(ruleId) }).partial(),
    checklist: z.strictObject({
      includes: z.array(z.string()),
      excludes: z.array(z.string()),
      blocking: z.array(z.string()),
      notBlocking: z.array(z.string()),
    }).partial(),
    remediationDueOn: isoDate,
    rejection: z.strictObject({
      permitted: z.array(z.string()),
      notPermitted: z.array(z.string()),
      forbidden: z.array(z.string()),
    }).partial(),
  })
  .partial();

const checkSchema = z.strictObject({ given: givenSchema.optional(), expect: expectSchema });

export const scenarioFileSchema = z.strictObject({
  authority: z.string().min(1).describe('The authority of the policy file these scenarios are for'),
  scenarios: z
    .array(
      z
        .strictObject({
          id: z.string().min(1).describe('e.g. the DOMAIN §8 scenario id, ISL-01'),
          title: z.string().min(1),
          given: givenSchema.optional(),
          expect: expectSchema.optional(),
          checks: z.array(checkSchema).min(1).optional(),
        })
        .refine((s) => (s.expect === undefined) !== (s.checks === undefined), {
          message: 'give either expect (one check) or checks (several), not both',
        }),
    )
    .min(1),
});

export type ScenarioFile = z.infer<typeof scenarioFileSchema>;
type Given = z.infer<typeof givenSchema>;
type Expect = z.infer<typeof expectSchema>;

export interface ScenarioResult {
  id: string;
  title: string;
  /** One line per expectation that did not hold; empty when the scenario passes. */
  failures: string[];
}

export function readScenarioText(file: string, text: string): { scenarios?: ScenarioFile; problems: string[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    return { problems: doc.errors.map((e) => `${file}:${lines.linePos(e.pos[0]).line}: not valid YAML: ${e.message.split('\n')[0]}`) };
  }
  const parsed = scenarioFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((i) => {
        const node = doc.getIn(i.path as (string | number)[], true) as { range?: [number] } | undefined;
        const line = node?.range ? `:${lines.linePos(node.range[0]).line}` : '';
        return `${file}${line}: ${i.path.join('.') || '(file)'}: ${i.message}`;
      }),
    };
  }
  return { scenarios: parsed.data, problems: [] };
}

/** The scenario's kind, or the policy's first kind in scope. */
const kindOf = (policy: Policy, given: Given): string => given.kind ?? policy.kinds.find((k) => !k.outOfScope)!.id;

/** A request with neutral people and teams: scenarios say only what matters to the rule. */
function request(policy: Policy, given: Given): TransferRequest {
  const kind = kindOf(policy, given);
  return {
    transferId: 'scenario',
    authority: policy.authority,
    kind,
    children: (given.children as Child[] | undefined) ?? [{ ref: 'C-1', dateOfBirth: '2014-06-01', legalStatus: 's17', lookedAfter: false }],
    from: given.from ?? { service: 'Assessment', team: 'team-from' },
    to: given.to ?? { service: 'Safeguarding', team: 'team-to' },
    people: {
      allocatedSocialWorker: { id: 'sw-1', role: 'social-worker' },
      lineManager: { id: 'lm-1', role: 'line-manager' },
      transferringManager: { id: 'tm-1', role: 'team-manager' },
      receivingManager: { id: 'tm-2', role: 'team-manager' },
      chain: {
        transferring: [{ id: 'tm-1', role: 'team-manager' }, { id: 'sm-1', role: 'service-manager' }, { id: 'hos-1', role: 'head-of-service' }],
        receiving: [{ id: 'tm-2', role: 'team-manager' }, { id: 'sm-2', role: 'service-manager' }, { id: 'hos-2', role: 'head-of-service' }],
      },
    },
    trigger: given.trigger ?? { event: triggerEvents(policy, kind)[0] ?? 'trigger', date: '2027-01-04' },
  } as TransferRequest;
}

/** A scenario starts its transfer as the API would: with a trigger event the kind knows. */
function unknownTrigger(policy: Policy, given: Given): string | undefined {
  if (!given.trigger) return undefined;
  const kind = kindOf(policy, given);
  let events: string[];
  try {
    events = triggerEvents(policy, kind);
  } catch {
    return undefined; // an unknown kind: the schedule says so
  }
  if (events.includes(given.trigger.event)) return undefined;
  return `trigger.event ${given.trigger.event} is not a trigger event of a ${kind} transfer (one of ${events.join(', ') || 'none'}): the API would refuse this start`;
}

function merge(base: Given | undefined, over: Given | undefined): Given {
  return { ...base, ...over, facts: { ...base?.facts, ...over?.facts } };
}

/** Every key of `expected` equals the same key of `actual`, recursively. */
function differences(expected: unknown, actual: unknown, at: string): string[] {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object') return [`${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([k, v]) => differences(v, (actual as Record<string, unknown>)[k], `${at}.${k}`));
  }
  if (JSON.stringify(expected) === JSON.stringify(actual)) return [];
  return [`${at}: expected ${JSON.stringify(expected)}, got ${actual === undefined ? 'nothing' : JSON.stringify(actual)}`];
}

function judge(policy: Policy, s: Schedule | undefined, expect: Expect): string[] {
  const out: string[] = [];
  const need = (): Schedule => {
    if (!s) throw new Error('no schedule');
    return s;
  };
  if (expect.window) out.push(...differences(expect.window, need().window, 'window'));
  if (expect.completion) out.push(...differences(expect.completion, need().completionTimer, 'completion'));
  if (expect.returnToMeeting) out.push(...differences(expect.returnToMeeting, need().returnToMeetingAt, 'returnToMeeting'));
  for (const [rule, want] of Object.entries(expect.deadlines ?? {})) {
    const found = need().deadlines.filter((d) => d.rule === rule);
    if (Array.isArray(want)) {
      const dates = found.map((d) => d.dueOn);
      if (JSON.stringify(dates) !== JSON.stringify(want)) {
        out.push(`deadlines ${rule}: expected due dates ${JSON.stringify(want)}, got ${JSON.stringify(dates)}`);
      }
    } else if (!found.length) {
      out.push(`deadlines ${rule}: expected a deadline, but the rule sets none for these facts`);
    } else {
      out.push(...differences(want, found[0], `deadlines ${rule}`));
    }
  }
  if (expect.refusals) {
    const got = need().violations;
    const rules = got.map((v) => v.rule);
    if (got.length !== expect.refusals.length) {
      out.push(`refusals: expected ${JSON.stringify(expect.refusals.map((r) => (typeof r === 'string' ? r : r.rule)))}, got ${JSON.stringify(rules)}`);
    } else {
      expect.refusals.forEach((want, i) => {
        out.push(...differences(typeof want === 'string' ? { rule: want } : want, got[i], `refusals[${i}]`));
      });
    }
  }
  if (expect.warnings) {
    const rules = need().warnings.map((w) => w.rule);
    for (const r of expect.warnings.includes ?? []) if (!rules.includes(r)) out.push(`warnings: expected ${r}, got ${JSON.stringify(rules)}`);
    for (const r of expect.warnings.excludes ?? []) if (rules.includes(r)) out.push(`warnings: expected no ${r}, but it is there`);
  }
  if (expect.checklist) {
    const items = new Map(need().checklist.map((c) => [c.itemId, c]));
    const c = expect.checklist;
    for (const id of c.includes ?? []) if (!items.has(id)) out.push(`checklist: expected item ${id}, it is not there`);
    for (const id of c.excludes ?? []) if (items.has(id)) out.push(`checklist: expected no item ${id}, but it is there`);
    for (const id of c.blocking ?? []) if (!items.get(id)?.blocking) out.push(`checklist: expected ${id} to block completion`);
    for (const id of c.notBlocking ?? []) if (!items.has(id) || items.get(id)!.blocking) out.push(`checklist: expected ${id} present and not blocking`);
  }
  if (expect.remediationDueOn) out.push(...differences(expect.remediationDueOn, need().remediationDueOn, 'remediationDueOn'));
  if (expect.rejection) {
    const permitted = policy.rejection.permitted.map((r) => r.reason);
    const forbidden = policy.rejection.forbidden.map((r) => r.reason);
    for (const r of expect.rejection.permitted ?? []) if (!permitted.includes(r)) out.push(`rejection: expected ${r} to be a permitted reason`);
    for (const r of expect.rejection.notPermitted ?? []) if (permitted.includes(r)) out.push(`rejection: expected ${r} not to be permitted`);
    for (const r of expect.rejection.forbidden ?? []) if (!forbidden.includes(r)) out.push(`rejection: expected ${r} among the forbidden reasons`);
  }
  return out;
}

const SCHEDULE_KEYS: (keyof Expect)[] = ['window', 'completion', 'returnToMeeting', 'deadlines', 'refusals', 'warnings', 'checklist', 'remediationDueOn'];

export function runScenarios(policy: Policy, calendar: Calendar, file: ScenarioFile): ScenarioResult[] {
  const engine = new ScheduleEngine(policy, calendar);
  if (file.authority !== policy.authority) {
    return [{ id: '(file)', title: 'authority', failures: [`the scenarios are for ${file.authority}, the policy is ${policy.authority}`] }];
  }
  return file.scenarios.map((scenario) => {
    const checks = scenario.checks ?? [{ given: undefined, expect: scenario.expect! }];
    const failures = checks.flatMap((check, i) => {
      const label = checks.length > 1 ? `check ${i + 1}: ` : '';
      const given = merge(scenario.given, check.given);
      const refused = unknownTrigger(policy, given);
      if (refused) return [`${label}${refused}`];
      let schedule: Schedule | undefined;
      if (SCHEDULE_KEYS.some((k) => check.expect[k] !== undefined)) {
        try {
          const facts: ScheduleFacts = { heldDays: 0, ...(given.facts as Partial<ScheduleFacts>), request: request(policy, given) };
          schedule = engine.compute(facts);
        } catch (err) {
          return [`${label}the schedule could not be computed: ${(err as Error).message}`];
        }
      }
      return judge(policy, schedule, check.expect).map((f) => `${label}${f}`);
    });
    return { id: scenario.id, title: scenario.title, failures };
  });
}
