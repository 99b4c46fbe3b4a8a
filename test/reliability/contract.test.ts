// Contract details an outside checker trips over: date formats in the document, Allow answers that
// match the documented operations, and problem+json for requests Node refuses before Express.
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { serve, type Served } from '../../api/main';
import { buildOpenApi } from '../../api/openapi';
import { protocolTransfer, tokenFor } from '../support/fixtures';
import { expectProblem, testApp, unreachableClient } from '../api/helpers';

type Doc = { paths: Record<string, Record<string, { parameters: { schema: unknown }[]; requestBody?: { content: Record<string, { schema: unknown }> } }>> };

let app: ReturnType<typeof testApp>;
let token: string;
beforeAll(async () => {
  app = testApp(await unreachableClient());
  token = await tokenFor('dir', ['director'], ['t']);
});

/** Every JSON Schema node under a value. */
function* nodes(value: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(value)) for (const v of value) yield* nodes(v);
  else if (value && typeof value === 'object') {
    yield value as Record<string, unknown>;
    for (const v of Object.values(value)) yield* nodes(v);
  }
}

test('every date the API parses is documented as format date, every instant as date-time', () => {
  const doc = buildOpenApi() as Doc;
  const inputs = Object.values(doc.paths).flatMap((ops) =>
    Object.values(ops).flatMap((op) => [...op.parameters.map((p) => p.schema), ...Object.values(op.requestBody?.content ?? {}).map((c) => c.schema)]),
  );
  const all = inputs.flatMap((s) => [...nodes(s)]);
  const dates = all.filter((n) => n.pattern === '^\\d{4}-\\d{2}-\\d{2}$');
  expect(dates.length).toBeGreaterThan(10);
  expect(dates.filter((n) => n.format !== 'date')).toEqual([]);
  // trigger.date and trigger.on take a date or an instant.
  const either = all.filter((n) => Array.isArray(n.anyOf) && (n.anyOf as { format?: string }[]).some((a) => a.format === 'date-time'));
  expect(either.length).toBeGreaterThanOrEqual(2);
  for (const n of either) expect((n.anyOf as { format?: string }[]).map((a) => a.format).sort()).toEqual(['date', 'date-time']);
});

test('a real calendar date is still checked: 0000-00-00 and 2026-02-30 are refused by field', async () => {
  const res = await request(app).get('/v1/transfers?windowEndsBefore=0000-00-00').set('Authorization', `Bearer ${token}`);
  expectProblem(res, 400);
  expect(res.body.errors).toEqual([{ path: 'query.windowEndsBefore', message: 'is not a real calendar date' }]);
});

test('OPTIONS and 405 answer exactly the methods the document has for the path', async () => {
  const doc = buildOpenApi() as Doc;
  for (const [template, ops] of Object.entries(doc.paths)) {
    const concrete = template.replace(/\{(\w+)\}/g, 'x1');
    const methods = Object.keys(ops).map((m) => m.toUpperCase());
    const expected = [...new Set(methods.includes('GET') ? [...methods, 'HEAD'] : methods)].sort();
    const options = await request(app).options(concrete).set('Authorization', `Bearer ${token}`);
    expect({ template, status: options.status }).toEqual({ template, status: 204 });
    expect({ template, allow: options.headers.allow.split(', ').sort() }).toEqual({ template, allow: expected });
    const other = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH'].find((m) => !expected.includes(m))!;
    const refused = await request(app)[other.toLowerCase() as 'put'](concrete).set('Authorization', `Bearer ${token}`);
    expectProblem(refused, 405);
    expect(refused.headers.allow.split(', ').sort()).toEqual(expected);
  }
  // The literal path wins over the parameter: preview is not a transfer id.
  const preview = await request(app).get('/v1/transfers/preview').set('Authorization', `Bearer ${token}`);
  expectProblem(preview, 405);
  expect(preview.headers.allow).toBe('POST');
});

describe('requests Node itself refuses', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve(app, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await served.close();
  });

  const send = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: served.port, path, headers }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c)).on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
      });
      req.on('error', reject);
      req.end();
    });

  test.each([
    ['a URL over 16 kB', () => send(`/v1/transfers?team=${'x'.repeat(20_000)}`)],
    ['a header over 16 kB', () => send('/healthz', { 'X-Padding': 'y'.repeat(20_000) })],
  ])('%s: 431 problem+json', async (_what, go) => {
    const res = await go();
    expect(res.status).toBe(431);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ status: 431, title: 'Request header fields too large' });
  });
});

test('a double quote in a team id is a 400 naming the field, in the list filter and in a start', async () => {
  const listed = await request(app).get('/v1/transfers?team=a%22b').set('Authorization', `Bearer ${token}`);
  expectProblem(listed, 400);
  expect(listed.body.errors).toEqual([{ path: 'query.team', message: 'must not contain a double quote' }]);
  const started = await request(app).post('/v1/transfers').set('Authorization', `Bearer ${token}`).send({ from: { service: 's', team: 'q"team' } });
  expectProblem(started, 400);
  expect(started.body.errors).toEqual(expect.arrayContaining([{ path: 'from.team', message: 'must not contain a double quote' }]));
});

test('a window that ends before the notification opens it is a 400 naming windowEnd, at the start and at the notification', async () => {
  const body = protocolTransfer('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: '2027-03-01' }, { notifiedOn: '2027-02-01', windowEnd: '2027-01-31' });
  const started = await request(app).post('/v1/transfers').set('Authorization', `Bearer ${token}`).send(body);
  expectProblem(started, 400);
  expect(started.body.errors).toEqual([{ path: 'windowEnd', message: 'must not be before notifiedOn: the window opens on the notification date' }]);
  const id = '5d9c28ec-6894-44c8-8680-4192a5206b75';
  const notified = await request(app).post(`/v1/transfers/${id}/notification`).set('Authorization', `Bearer ${token}`).send({ notifiedOn: '2027-02-01', windowEnd: '2027-01-31' });
  expectProblem(notified, 400);
  expect(notified.body.errors).toEqual([{ path: 'windowEnd', message: 'must not be before notifiedOn: the window opens on the notification date' }]);
});

test.each([
  ['an extension without its new end', 'exceptions', { kind: 'extend-window', reason: 'r' }, 'newWindowEnd'],
  ['a waiver without its items', 'exceptions', { kind: 'waive-items', reason: 'r' }, 'itemIds'],
  ['a checklist item marked not applicable without a note', 'checklist/isl-pep', { state: 'na' }, 'note'],
])('%s is a 400 naming the field', async (_what, path, body, field) => {
  const res = await request(app).post(`/v1/transfers/5d9c28ec-6894-44c8-8680-4192a5206b75/${path}`).set('Authorization', `Bearer ${token}`).send(body);
  expectProblem(res, 400);
  expect(res.body.errors).toEqual([expect.objectContaining({ path: field })]);
});

test.each([
  ['exceptions', { kind: 'extend-window', reason: '' }, ['newWindowEnd', 'reason']],
  ['notification', { notifiedOn: '2026-02-01', windowEnd: '2026-01-20', importantDates: 'soon' }, ['importantDates', 'windowEnd']],
])('a rule between fields is named alongside another bad field (%s)', async (path, body, fields) => {
  const res = await request(app).post(`/v1/transfers/5d9c28ec-6894-44c8-8680-4192a5206b75/${path}`).set('Authorization', `Bearer ${token}`).send(body);
  expectProblem(res, 400);
  expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(fields);
});

test('a control character in a team id is a 400 naming the field, not a failed visibility query', async () => {
  const res = await request(app).get('/v1/transfers?team=a%00b').set('Authorization', `Bearer ${token}`);
  expectProblem(res, 400);
  expect(res.body.errors).toEqual([{ path: 'query.team', message: 'must not contain control characters' }]);
});
