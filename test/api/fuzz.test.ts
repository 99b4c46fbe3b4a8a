// Generated bad input across every route that takes a body, and across paths, headers and the
// listing's query: each must be a 4xx problem+json naming what is wrong, never a 5xx. The app's
// Temporal client points at a closed port, so anything that slipped past validation into a Temporal
// call would come back as 503 and fail here: this also proves validation comes first.
import type { Server } from 'node:http';
import fc from 'fast-check';
import request from 'supertest';
import { zodPath } from '../../api/problem';
import { ROUTE_LIST, type RouteSpec } from '../../api/routes';
import { tokenFor } from '../support/fixtures';
import { applyOnly, BASE_BODIES, DISCRIMINATOR, footprint, keyOf, mutate, mutationArb, validStartBody } from './generators';
import { expectProblem, testApp, testPolicies, unreachableClient } from './helpers';

let server: Server;
let manager: string;
let runs = 0;

beforeAll(async () => {
  const app = testApp(await unreachableClient(), { temporalTimeoutMs: 2_000, rateLimit: { limit: 1_000_000 }, authFailureLimit: { limit: 1_000_000 } });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  // A director on both teams passes every role check, so only the input decides the answer.
  manager = await tokenFor('dir-1', ['director'], ['isl-cin-team-3', 'isl-cla-team-1']);
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  console.log(`fuzzing: ${runs} generated requests`);
});

const bodyRoutes = ROUTE_LIST.filter((r) => r.body);
const concrete = (r: RouteSpec) =>
  r.path.replace('{id}', 'fuzz-transfer-1').replace('{itemId}', 'isl-ppm').replace('{exceptionId}', 'exc-1').replace('{escalationId}', 'esc-1');

function send(r: RouteSpec, path = concrete(r)) {
  return request(server)[r.method](path).set('Authorization', `Bearer ${manager}`);
}

function check(res: request.Response, allowed: number[] = [400]): void {
  runs += 1;
  if (res.status >= 500 || !allowed.includes(res.status)) {
    throw new Error(`answered ${res.status}: ${res.text.slice(0, 300)}`);
  }
  expectProblem(res);
}

describe('invalid bodies on every route with a body', () => {
  test('there is a valid base body for every such route, and it is valid', () => {
    for (const r of bodyRoutes) {
      expect(BASE_BODIES[keyOf(r)]).toBeDefined();
      expect(r.body!.safeParse(BASE_BODIES[keyOf(r)]).error?.issues).toBeUndefined();
    }
  });

  test.each(bodyRoutes.map((r) => [keyOf(r), r] as const))('%s', async (_key, route) => {
    const base = BASE_BODIES[keyOf(route)];
    await fc.assert(
      fc.asyncProperty(mutationArb(base), async (mutations) => {
        const body = mutate(base, mutations);
        fc.pre(!route.body!.safeParse(body).success);
        const res = await send(route).send(body as object);
        check(res);
        const paths = (res.body.errors as { path: string; message: string }[]).map((e) => e.path);
        expect(paths.length).toBeGreaterThan(0);
        // Every change that broke the body is named, at its own path or at an enclosing one.
        for (const m of mutations) {
          const mutated = zodPath(footprint(m));
          if (route.body!.safeParse(applyOnly(base, m)).success) continue; // this change alone was harmless
          // Without a valid discriminator no alternative applies, so only the discriminator is named.
          if (paths.includes(DISCRIMINATOR[keyOf(route)] ?? '')) continue;
          expect(paths.some((p) => p === '(root)' || mutated.startsWith(p) || p.startsWith(mutated))).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  test('bodies that are not a JSON object, or not JSON at all', async () => {
    const raw = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 3 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => JSON.stringify(v)),
      fc.constantFrom('{', '{"a":', '[1,2', '{"notifiedOn": "2026-01-01",}', 'null', 'true', '"text"', '\u0000', '{}}'),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...bodyRoutes), raw, async (route, text) => {
        let parsed: unknown;
        try {
          parsed = text === '' ? {} : JSON.parse(text); // an empty JSON body reads as {}
        } catch {
          parsed = undefined;
        }
        fc.pre(!(parsed !== undefined && route.body!.safeParse(parsed).success));
        check(await send(route).set('Content-Type', 'application/json').send(text));
      }),
      { numRuns: 150 },
    );
  });
});

// ------------------------------------------------------------------ paths, headers, query

const eventRoutes = ROUTE_LIST.filter((r) => r.event);
const badId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/^[A-Za-z0-9._-]{1,64}$/.test(s)),
  fc.stringMatching(/^[A-Za-z0-9._-]{65,90}$/),
);

test('invalid ids in paths', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...eventRoutes), fc.constantFrom('id', 'itemId', 'exceptionId', 'escalationId'), badId, async (route, param, id) => {
      fc.pre(route.path.includes(`{${param}}`));
      const path = route.path.replace(`{${param}}`, encodeURIComponent(id));
      const res = await send(route, concrete({ ...route, path })).send(BASE_BODIES[keyOf(route)] as object);
      check(res);
      expect(res.body.errors.some((e: { path: string }) => e.path === `path.${param}`)).toBe(true);
    }),
    { numRuns: 200 },
  );
  for (const broken of ['/v1/transfers/%E0%A4%A/notification', '/v1/transfers/%/cancellation', '/v1/transfers/abc%ZZ']) {
    const res = await request(server).post(broken).set('Authorization', `Bearer ${manager}`).send({ reason: 'x' });
    check(res, [400]);
  }
});

test('bad or missing bearer tokens', async () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/);
  const tokenish = fc.oneof(
    fc.string({ unit: 'grapheme-ascii', maxLength: 120 }).map((s) => s.replace(/[\r\n]/g, '')),
    fc.tuple(segment, segment, segment).map(([a, b, c]) => `Bearer ${a}.${b}.${c}`),
    fc.string({ unit: 'grapheme-ascii', maxLength: 120 }).map((s) => `Bearer ${s.replace(/[\r\n]/g, '')}`),
    fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', `bearer ${'x'.repeat(5000)}`, 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'),
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ROUTE_LIST.filter((r) => r.auth)), tokenish, async (route, header) => {
      const res = await request(server)[route.method](concrete(route)).set('Authorization', header).send(BASE_BODIES[keyOf(route)] as object);
      check(res, [401]);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }),
    { numRuns: 150 },
  );
});

test('bad Idempotency-Key headers', async () => {
  const visible = fc.stringMatching(/^[\x21-\x7e]{1,20}$/);
  const key = fc.oneof(
    fc.tuple(visible, visible).map(([a, b]) => `${a} ${b}`),
    fc.stringMatching(/^[\x21-\x7e]{201,260}$/),
    fc.tuple(visible, fc.constantFrom('é', '£', '\u00a0', '\t')).map(([a, b]) => `${a}${b}${a}`),
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...eventRoutes), key, async (route, k) => {
      const res = await send(route).set('Idempotency-Key', k).send(BASE_BODIES[keyOf(route)] as object);
      check(res);
      expect(res.body.errors[0].path).toBe('header.Idempotency-Key');
    }),
    { numRuns: 80 },
  );
});

test('bodies that are not sent as JSON', async () => {
  const type = fc.oneof(
    fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream', 'text/json'),
    fc.tuple(fc.stringMatching(/^[a-z]{1,10}$/), fc.stringMatching(/^[a-z.-]{1,10}$/)).map(([a, b]) => `${a}/${b}`).filter((t) => !/json/.test(t)),
    fc.constantFrom('application/json; charset=ebcdic', 'application/json; charset=latin1'),
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...bodyRoutes), type, async (route, contentType) => {
      const res = await send(route).set('Content-Type', contentType).send(JSON.stringify(BASE_BODIES[keyOf(route)]));
      check(res, [400, 415]);
    }),
    { numRuns: 80 },
  );
});

test('invalid listing queries', async () => {
  const param = fc.oneof(
    fc.tuple(fc.constantFrom('authority', 'status'), fc.stringMatching(/^[a-z]{1,10}$/)),
    fc.tuple(fc.constantFrom('escalated', 'overdue'), fc.constantFrom('yes', '1', 'TRUE', '', 'no')),
    fc.tuple(fc.constant('windowEndsBefore'), fc.constantFrom('tomorrow', '2026-02-30', '2026-1-1', '20260101', '')),
    fc.tuple(fc.constant('pageSize'), fc.oneof(fc.constantFrom('0', '-1', '201', '1.5', 'ten', ''), fc.integer({ min: 201 }).map(String))),
    fc.tuple(fc.constant('team'), fc.constantFrom('', 'x'.repeat(201))),
    fc.tuple(fc.stringMatching(/^[a-zA-Z]{1,12}$/).filter((k) => !['authority', 'status', 'team', 'escalated', 'overdue', 'windowEndsBefore', 'pageSize', 'nextPageToken'].includes(k)), fc.string({ maxLength: 10 })),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(param, { minLength: 1, maxLength: 3 }), async (params) => {
      const valid = ['islington', 'somerset', 'barking-dagenham', 'southwark', 'internal-v11', 'identified', 'notified', 'acknowledged', 'preparing', 'blocked', 'completed', 'closed', 'rejected', 'cancelled', 'post-transfer'];
      fc.pre(!params.every(([k, v]) => (k === 'authority' || k === 'status') && valid.includes(v)));
      const qs = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
      const res = await request(server).get(`/v1/transfers?${qs}`).set('Authorization', `Bearer ${manager}`);
      check(res);
      expect(res.body.errors.every((e: { path: string }) => e.path.startsWith('query'))).toBe(true);
    }),
    { numRuns: 120 },
  );
  // Repeated parameters arrive as arrays: still a 400.
  check(await request(server).get('/v1/transfers?status=notified&status=blocked').set('Authorization', `Bearer ${manager}`));
});

test('valid start bodies with random kinds and dates: a preview or a 4xx, never a 5xx', async () => {
  const kinds = Object.fromEntries(
    (testPolicies().list() as { authority: string; kinds: { id: string }[] }[]).map((p) => [p.authority, p.kinds.map((k) => k.id)]),
  );
  let previews = 0;
  await fc.assert(
    fc.asyncProperty(validStartBody(kinds), async (body) => {
      const res = await request(server).post('/v1/transfers/preview').set('Authorization', `Bearer ${manager}`).send(body as object);
      if (res.status === 200) {
        previews += 1;
        expect(Array.isArray(res.body.deadlines)).toBe(true);
      } else {
        check(res, [400, 409]);
      }
    }),
    { numRuns: 300 },
  );
  expect(previews).toBeGreaterThan(0);
});

test('at least 1,000 generated requests were answered 4xx problem+json', () => {
  expect(runs).toBeGreaterThanOrEqual(1000);
});
