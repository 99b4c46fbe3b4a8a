// Checklist conditions (DOMAIN §6.0) evaluated against a transfer's facts on its reference date.
import type { ScheduleFacts } from '../../workflows/definitions';
import type { Calendar, IsoDate } from './calendar/calendar';
import type { Condition, Fact } from './types';

export interface FactContext {
  kind: string;
  facts: Set<Fact>;
  /** Youngest age among the children on the reference date. */
  age?: number;
  /** Events reported so far (the start trigger among them). */
  reported: Set<string>;
}

const LEGAL_STATUS_FACTS: [RegExp, Fact[]][] = [
  [/\bs17\b|child[- ]in[- ]need|\bcin\b/i, ['s17']],
  [/\bs47\b/i, ['s47']],
  [/\bcp(-| )?plan\b|\bcpp\b|child[- ]protection/i, ['cpPlan']],
  [/\bs20\b/i, ['s20', 'LAC']],
  [/\bs31\b|care[- ]order/i, ['careOrder', 'LAC']],
  [/\bico\b|interim[- ]care/i, ['careOrder', 'LAC', 'inProceedings']],
  [/\bs21\b|remand/i, ['LAC']],
  [/placement[- ]order|\bpo\b/i, ['po', 'LAC']],
  [/supervision[- ]order|\bso\b/i, ['so']],
  [/\bsgo\b|special[- ]guardianship/i, ['sgo']],
];

function ageOn(calendar: Calendar, dob: IsoDate, on: IsoDate): number {
  let age = Number(on.slice(0, 4)) - Number(dob.slice(0, 4));
  if (calendar.addYears(dob, age) > on) age -= 1;
  return age;
}

/** The date conditions are judged on: the transfer date if known, else the trigger date. */
function referenceDate(facts: ScheduleFacts): IsoDate {
  return (facts.agreedTransferOn ?? facts.windowEnd ?? facts.request.trigger.date).slice(0, 10);
}

export function factContext(calendar: Calendar, facts: ScheduleFacts, kind: string): FactContext {
  const out = new Set<Fact>();
  const on = referenceDate(facts);
  const req = facts.request;
  let youngest: number | undefined;
  for (const child of req.children) {
    for (const [re, fs] of LEGAL_STATUS_FACTS) if (re.test(child.legalStatus)) fs.forEach((f) => out.add(f));
    if (child.lookedAfter) out.add('LAC');
    if (child.disability) out.add('disability');
    const f = child.facts ?? {};
    for (const key of ['cpPlan', 'inPLO', 'inProceedings', 'uasc', 'neglect', 'dva', 'cseHighRisk', 'adoptionPlan',
      'permanenceOutsideFamily', 'qualifyingChild', 'posesRiskClient'] as const) {
      if (f[key]) out.add(key);
    }
    const age = ageOn(calendar, child.dateOfBirth, on);
    youngest = youngest === undefined ? age : Math.min(youngest, age);
    if (calendar.addYears(child.dateOfBirth, 18) <= (facts.windowEnd ?? on)) out.add('turning18');
    if (f.enteredCareOn && ageOn(calendar, child.dateOfBirth, f.enteredCareOn) >= 16) out.add('enteredCareAtAge16');
    if (f.involvementStartedOn && calendar.addMonthsAndDays(f.involvementStartedOn, 5, 15) < on) {
      out.add('involvementOver5HalfMonths');
    }
  }
  if (facts.allocationPending) out.add('allocationPending');
  if (req.children.length > 1 || req.children.some((c) => (c.siblingOf ?? []).length > 0)) out.add('siblings');
  if (/early help|targeted|bright (start|futures)|\btys\b|supporting families/i.test(`${req.to.service} ${req.to.team}`)) {
    out.add('receivingEarlyHelp');
  }
  const reported = new Set([req.trigger.event, ...Object.keys(facts.eventsOn ?? {})]);
  return { kind, facts: out, age: youngest, reported };
}

export function evaluate(c: Condition, ctx: FactContext): boolean {
  if (c === 'all' || c === 'ifApplicable') return true;
  if ('fact' in c) return ctx.facts.has(c.fact);
  if ('ageAtLeast' in c) return ctx.age !== undefined && ctx.age >= c.ageAtLeast;
  if ('kind' in c) return c.kind.some((k) => (k.endsWith('*') ? ctx.kind.startsWith(k.slice(0, -1)) : ctx.kind === k));
  if ('reported' in c) return ctx.reported.has(c.reported);
  if ('allOf' in c) return c.allOf.every((x) => evaluate(x, ctx));
  if ('anyOf' in c) return c.anyOf.some((x) => evaluate(x, ctx));
  return !evaluate(c.not, ctx);
}

export function describe(c: Condition): string {
  if (c === 'all') return 'every transfer';
  if (c === 'ifApplicable') return 'where applicable (mark n/a with a reason otherwise)';
  if ('fact' in c) return c.fact;
  if ('ageAtLeast' in c) return `aged ${c.ageAtLeast} or over`;
  if ('kind' in c) return `transfer kind ${c.kind.join(' or ')}`;
  if ('reported' in c) return `once ${c.reported} is reported`;
  if ('allOf' in c) return c.allOf.map(describe).join(' and ');
  if ('anyOf' in c) return `(${c.anyOf.map(describe).join(' or ')})`;
  return `not ${describe(c.not)}`;
}

export function appliesBecause(c: Condition, source: string): string {
  return `${describe(c)} (${source})`;
}
