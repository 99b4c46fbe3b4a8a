// Generators shared by the fuzzing suites: a valid body for every route that takes one, changes
// that break it (with where each change is, to check the 400 names it), and valid random payloads.
import fc from 'fast-check';
import type { RouteSpec } from '../../api/routes';
import { policiesFrom } from '../../activities/policy/registry';
import { eventBodySchemas } from '../../api/schemas';
import { transferBody } from './helpers';

/** Each kind's trigger events: a start names one of them (the API refuses others with a 400). */
const KIND_EVENTS: Record<string, string[]> = Object.fromEntries(
  policiesFrom()
    .authorities()
    .flatMap((a) => policiesFrom().versions(a))
    .flatMap((p) => p.kinds.map((k) => [k.id, k.trigger.events])),
);

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Path = (string | number)[];

export const keyOf = (r: RouteSpec) => `${r.method} ${r.path}`;

const D = '2026-01-05';
export const BASE_BODIES: Record<string, Json> = {
  'post /v1/transfers': transferBody() as unknown as Json,
  'post /v1/transfers/preview': transferBody() as unknown as Json,
  'post /v1/transfers/{id}/notification': { notifiedOn: D, windowEnd: '2026-02-01', importantDates: [{ what: 'PLO review', on: '2026-01-20' }] },
  'post /v1/transfers/{id}/acknowledgement': { receivingSocialWorker: { id: 'sw-1', role: 'social-worker', email: 'sw@example.org' }, acknowledgedOn: D },
  'post /v1/transfers/{id}/allocation': { receivingSocialWorker: { id: 'sw-1', role: 'social-worker' } },
  'post /v1/transfers/{id}/checklist/{itemId}': { note: 'done', evidenceRef: 'doc-1', state: 'done' },
  'delete /v1/transfers/{id}/checklist/{itemId}': { reason: 'needs another look' },
  'post /v1/transfers/{id}/meeting': { status: 'held', on: D, attendees: ['sw-anna', 'tm-di'] },
  'post /v1/transfers/{id}/exceptions': { kind: 'extend-window', reason: 'court delay', newWindowEnd: '2026-03-01', itemIds: ['isl-ppm'] },
  'post /v1/transfers/{id}/exceptions/{exceptionId}/approval': { decision: 'approve', note: 'agreed' },
  'post /v1/transfers/{id}/escalations/{escalationId}/response': { decision: 'agreed', note: 'chased' },
  'post /v1/transfers/{id}/escalations': { reason: 'capacity', note: 'no worker free this month' },
  'post /v1/transfers/{id}/decision': { on: D, transferOn: '2026-02-01', agreedTasks: ['chronology'] },
  'post /v1/transfers/{id}/trigger': { event: 'first-hearing', on: '2026-01-05T09:00:00Z', outcome: 'adjourned' },
  'post /v1/transfers/{id}/remediation': { letterOn: D, items: [{ itemId: 'd1', description: 'chronology missing' }] },
  'post /v1/transfers/{id}/cancellation': { reason: 'duplicate referral' },
  'post /v1/transfers/{id}/rejection': { reason: 'CRITERIA_NOT_MET', note: 'threshold not met' },
  'post /v1/transfers/{id}/completion': { on: D, note: 'recorded on the case system' },
};

/** Routes where one field decides what the others must be: with it bad, only it is named. */
export const DISCRIMINATOR: Record<string, string> = {
  'post /v1/transfers/{id}/meeting': 'status',
  // The exception's kind decides which of newWindowEnd and itemIds it needs.
  'post /v1/transfers/{id}/exceptions': 'kind',
};

function leaves(value: Json, at: Path = []): Path[] {
  const out: Path[] = at.length ? [at] : [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...leaves(v, [...at, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...leaves(v, [...at, k]));
  return out;
}

const get = (value: Json, path: Path): Json => path.reduce<Json>((v, k) => (v as Record<string, Json>)[k as string], value);

export type Mutation = { kind: 'delete' | 'replace' | 'unknown'; path: Path; value?: Json };

function apply(body: Json, m: Mutation): void {
  if (m.kind === 'unknown') {
    const target = get(body, m.path);
    if (target && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, Json>)[`x_${String(m.value)}`] = 1;
    return;
  }
  const parent = get(body, m.path.slice(0, -1)) as Record<string, Json> | Json[];
  const key = m.path.at(-1)!;
  if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  } else {
    (parent as Record<string | number, Json>)[key] = m.value!;
  }
}

const wrongValue = (current: Json): fc.Arbitrary<Json> => {
  const scalars = [fc.constant(null), fc.integer(), fc.double({ noNaN: true }), fc.boolean()];
  const badStrings = fc.constantFrom('', '   ', 'x'.repeat(5001), 'not-a-date', '2026-02-30', '2026-13-01', '12/01/2026', '<script>', 'a b c');
  if (typeof current === 'string') return fc.oneof(...scalars, badStrings, fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }));
  if (typeof current === 'boolean') return fc.oneof(fc.constant(null), fc.integer(), fc.constantFrom('true', 'yes', ''), fc.array(fc.boolean(), { maxLength: 2 }));
  if (Array.isArray(current)) return fc.oneof(...scalars, fc.string(), fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }), fc.constant(Array.from({ length: 300 }, () => current[0] ?? 'x')));
  return fc.oneof(...scalars, fc.string(), fc.array(fc.integer(), { maxLength: 3 }));
};

export function mutationArb(base: Json): fc.Arbitrary<Mutation[]> {
  const paths = leaves(base);
  const objects: Path[] = [[], ...paths.filter((p) => { const v = get(base, p); return v !== null && typeof v === 'object' && !Array.isArray(v); })];
  const one: fc.Arbitrary<Mutation> = fc.oneof(
    fc.constantFrom(...paths).map((path): Mutation => ({ kind: 'delete', path })),
    fc.constantFrom(...paths).chain((path) => wrongValue(get(base, path)).map((value): Mutation => ({ kind: 'replace', path, value }))),
    fc.tuple(fc.constantFrom(...objects), fc.stringMatching(/^[a-zA-Z]{1,12}$/)).map(([path, name]): Mutation => ({ kind: 'unknown', path, value: name })),
  );
  // Two changes in one body, unless one would hide or move the other (the same field, one inside
  // the other, or anything in an array an element is deleted from).
  const reach = (m: Mutation): Path => (m.kind === 'delete' && typeof m.path.at(-1) === 'number' ? m.path.slice(0, -1) : footprint(m));
  return fc.tuple(one, fc.option(one, { nil: undefined })).map(([a, b]) =>
    b && !isPrefix(reach(a), reach(b)) && !isPrefix(reach(b), reach(a)) ? [a, b] : [a],
  );
}

export const footprint = (m: Mutation): Path => (m.kind === 'unknown' ? [...m.path, `x_${String(m.value)}`] : m.path);
const isPrefix = (a: Path, b: Path) => a.length <= b.length && a.every((k, i) => b[i] === k);


export function mutate(base: Json, mutations: Mutation[]): Json {
  const body = structuredClone(base);
  for (const m of mutations) apply(body, m);
  return body;
}

export function applyOnly(base: Json, m: Mutation): Json {
  const body = structuredClone(base);
  apply(body, m);
  return body;
}

// ------------------------------------------------------------------ valid random payloads

const day = fc
  .integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 11, 31) })
  .map((ms) => new Date(ms).toISOString().slice(0, 10));
const instant = fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 11, 31) }).map((ms) => new Date(ms).toISOString());
const text = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0);
const id = fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/);
const person = fc.record({ id, role: fc.constantFrom('social-worker', 'team-manager', 'line-manager') }, { requiredKeys: ['id', 'role'] });

/** A schema-valid body for each event route (by route key): any of these may be refused only by the state. */
export const VALID_EVENT_BODIES: Record<string, fc.Arbitrary<Json>> = {
  'post /v1/transfers/{id}/notification': fc.record(
    { notifiedOn: day, windowEnd: day, importantDates: fc.array(fc.record({ what: text, on: day }), { maxLength: 2 }) },
    { requiredKeys: ['notifiedOn'] },
  ),
  'post /v1/transfers/{id}/acknowledgement': fc.record({ receivingSocialWorker: person, acknowledgedOn: day }, { requiredKeys: [] }),
  'post /v1/transfers/{id}/allocation': fc.record({ receivingSocialWorker: person }),
  'post /v1/transfers/{id}/checklist/{itemId}': fc.record(
    { note: text, evidenceRef: text, state: fc.constantFrom('done', 'na', 'historic-gap') },
    { requiredKeys: [] },
  ).filter((b) => eventBodySchemas.checklistItem.safeParse(b).success),
  'delete /v1/transfers/{id}/checklist/{itemId}': fc.record({ reason: text }),
  'post /v1/transfers/{id}/meeting': fc.oneof(
    fc.record({ status: fc.constant('scheduled'), on: day }),
    fc.record({ status: fc.constant('held'), on: day, attendees: fc.array(text, { minLength: 1, maxLength: 3 }) }),
  ),
  'post /v1/transfers/{id}/exceptions': fc.record(
    {
      kind: fc.constantFrom('extend-window', 'waive-items', 'hold', 'resume', 'cancel-transfer'),
      reason: text,
      newWindowEnd: day,
      itemIds: fc.array(fc.constantFrom('isl-ppm', 'isl-genogram', 'no-such-item'), { minLength: 1, maxLength: 2 }),
    },
    { requiredKeys: ['kind', 'reason'] },
  ).filter((b) => eventBodySchemas.exceptionRequest.safeParse(b).success),
  'post /v1/transfers/{id}/exceptions/{exceptionId}/approval': fc.record({ decision: fc.constantFrom('approve', 'reject'), note: text }, { requiredKeys: ['decision'] }),
  'post /v1/transfers/{id}/escalations/{escalationId}/response': fc.record({ decision: text, note: text }),
  'post /v1/transfers/{id}/escalations': fc.record(
    { reason: fc.oneof(fc.constantFrom('capacity', 'criteria-dispute', 'notice-shortfall', 'no-named-worker'), fc.stringMatching(/^[a-z]{1,12}$/)), note: text, side: fc.constantFrom('transferring', 'receiving') },
    { requiredKeys: ['reason', 'note'] },
  ),
  'post /v1/transfers/{id}/decision': fc.record(
    { on: day, transferOn: day, agreedTasks: fc.array(fc.stringMatching(/^[a-z0-9-]{1,20}$/), { maxLength: 3 }) },
    { requiredKeys: ['on'] },
  ),
  'post /v1/transfers/{id}/trigger': fc.record(
    {
      event: fc.oneof(fc.constantFrom('first-hearing', 'first-cla-review', 'best-interest-agreement'), text),
      on: fc.oneof(day, instant),
      outcome: fc.oneof(fc.constant('return-home-within-12-weeks'), text),
    },
    { requiredKeys: ['event', 'on'] },
  ),
  'post /v1/transfers/{id}/remediation': fc.oneof(
    fc.record({ letterOn: day, items: fc.array(fc.record({ itemId: id, description: text }), { minLength: 1, maxLength: 3 }) }, { requiredKeys: ['items'] }),
    fc.record({ itemId: id }),
  ),
  'post /v1/transfers/{id}/cancellation': fc.record({ reason: text }),
  'post /v1/transfers/{id}/rejection': fc.record(
    { reason: fc.oneof(fc.constantFrom('CRITERIA_NOT_MET', 'FORUM_DECISION', 'CAPACITY', 'RECORD_QUALITY'), text.map((t) => t.slice(0, 80))), note: text },
    { requiredKeys: ['reason'] },
  ),
  'post /v1/transfers/{id}/completion': fc.record({ on: day, note: text }, { requiredKeys: ['on'] }),
};

const anyDay = fc
  .integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2200, 11, 31) })
  .map((ms) => new Date(ms).toISOString().slice(0, 10));
const nearDay = fc.integer({ min: -400, max: 400 }).map((d) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10));

/** Schema-valid start bodies with random authority, kind, dates and children. */
export function validStartBody(kinds: Record<string, string[]>): fc.Arbitrary<Json> {
  const authority = fc.constantFrom(...Object.keys(kinds));
  return authority.chain((a) =>
    fc
      .record(
        {
          kind: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...kinds[a]) }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z-]{1,20}$/) }),
          children: fc.uniqueArray(
            fc.record(
              { ref: id, dateOfBirth: fc.oneof(anyDay, nearDay), legalStatus: text, lookedAfter: fc.boolean(), disability: fc.boolean() },
              { requiredKeys: ['ref', 'dateOfBirth', 'legalStatus', 'lookedAfter'] },
            ),
            { minLength: 1, maxLength: 12, selector: (c) => c.ref },
          ),
          trigger: fc.record({ event: fc.oneof(fc.constantFrom('first-cla-review', 'first-hearing', 'icpc', 'tam'), text), date: fc.oneof(nearDay, anyDay, instant) }),
          decidedOn: fc.oneof(nearDay, anyDay),
          notifiedOn: fc.oneof(nearDay, anyDay),
          windowEnd: fc.oneof(nearDay, anyDay),
          importantDates: fc.array(fc.record({ what: text, on: nearDay }), { maxLength: 3 }),
        },
        { requiredKeys: ['kind', 'children', 'trigger'] },
      )
      // Mostly one of the kind's own trigger events, sometimes anything (a 400 naming the allowed ones).
      .chain((r) =>
        fc
          .oneof({ weight: 4, arbitrary: fc.constantFrom(...(Object.hasOwn(KIND_EVENTS, r.kind) ? KIND_EVENTS[r.kind] : ['first-cla-review'])) }, { weight: 1, arbitrary: fc.constant(r.trigger.event) })
          .map((event) => ({ ...r, trigger: { ...r.trigger, event } })),
      )
      .map((r) => ({ ...(transferBody() as unknown as Record<string, Json>), authority: a, ...r }) as Json),
  );
}
