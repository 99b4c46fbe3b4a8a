// Operations without a Temporal server: 503 with Retry-After when Temporal is unreachable,
// metrics, structured logs with request ids and no personal data, security headers, body limits,
// method and path errors, rate limiting per token subject, and graceful shutdown.
import { get as httpGet } from 'node:http';
import { randomUUID } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { createLogger } from '../../api/observability';
import { serve, startApi } from '../../api/main';
import { newKeyEntry } from '../../codec';
import { loadConfig } from '../../config';
import { TEST_SECRET, tokenFor } from '../support/fixtures';
import { closedPort, expectProblem, testApp, transferBody, unreachableClient } from './helpers';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('Temporal unreachable', () => {
  let app: ReturnType<typeof testApp>;
  beforeAll(async () => {
    app = testApp(await unreachableClient());
  });

  const within = async (ms: number, fn: () => Promise<request.Response>) => {
    const started = Date.now();
    const res = await fn();
    expect(Date.now() - started).toBeLessThan(ms);
    return res;
  };
  const expect503 = (res: request.Response) => {
    expectProblem(res, 503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.detail).toMatch(/Temporal/);
  };

  test('GET of a transfer and of the list: 503 with Retry-After, quickly', async () => {
    const operator = await tokenFor('ops', ['operator']);
    expect503(await within(5_000, () => request(app).get('/v1/transfers/t-1').set(auth(operator))));
    expect503(await within(5_000, () => request(app).get('/v1/transfers?status=notified').set(auth(operator))));
  });

  test('POST of a start and of an event: 503 with Retry-After', async () => {
    const integration = await tokenFor('lcs', ['integration']);
    expect503(await within(5_000, () => request(app).post('/v1/transfers').set(auth(integration)).send(transferBody())));
    const manager = await tokenFor('tm', ['team-manager'], ['isl-cin-team-3']);
    expect503(
      await within(5_000, () =>
        request(app).post('/v1/transfers/t-1/cancellation').set(auth(manager)).set('Idempotency-Key', 'c-1').send({ reason: 'x' }),
      ),
    );
  });

  test('/readyz is 503, /healthz stays 200, and what needs no Temporal still works', async () => {
    const ready = await request(app).get('/readyz');
    expectProblem(ready, 503);
    expect(ready.headers['retry-after']).toBe('5');
    expect((await request(app).get('/healthz')).status).toBe(200);
    const anyone = await tokenFor('sw', ['social-worker']);
    expect((await request(app).post('/v1/transfers/preview').set(auth(anyone)).send(transferBody())).status).toBe(200);
  });
});

describe('HTTP errors as problem+json', () => {
  let app: ReturnType<typeof testApp>;
  let token: string;
  beforeAll(async () => {
    app = testApp(await unreachableClient());
    token = await tokenFor('dir', ['director'], ['isl-cin-team-3']);
  });

  test('a body over 256 kB is 413', async () => {
    const big = { ...transferBody(), importantDates: [{ what: 'x'.repeat(300_000), on: '2026-01-01' }] };
    expectProblem(await request(app).post('/v1/transfers/preview').set(auth(token)).send(big), 413);
  });

  test('malformed JSON is 400, a body that is not JSON is 415', async () => {
    const bad = await request(app).post('/v1/transfers/preview').set(auth(token)).set('Content-Type', 'application/json').send('{"authority":');
    expectProblem(bad, 400);
    expect(bad.body.errors).toEqual([{ path: '(body)', message: 'malformed JSON' }]);
    expectProblem(await request(app).post('/v1/transfers/preview').set(auth(token)).set('Content-Type', 'text/plain').send('hello'), 415);
    for (const json of ['null', '"text"', '42']) {
      const notObject = await request(app).post('/v1/transfers/preview').set(auth(token)).set('Content-Type', 'application/json').send(json);
      expectProblem(notObject, 400);
      expect([json, notObject.body.errors]).toEqual([json, [{ path: '(body)', message: 'must be a JSON object' }]]);
    }
  });

  test('a body of the wrong shape for a union is reported against the shape that knows its fields', async () => {
    const res = await request(app).post(`/v1/transfers/${randomUUID()}/remediation`).set(auth(token)).send({ items: [{ what: 'x' }] });
    expectProblem(res, 400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['items[0].description', 'items[0].itemId', 'items[0].what']);
  });

  test('every invalid field is listed with its path', async () => {
    const body = transferBody();
    const res = await request(app)
      .post('/v1/transfers/preview')
      .set(auth(token))
      .send({
        ...body,
        authority: 'atlantis',
        children: [{ ...body.children[0], dateOfBirth: '2015-02-30', nickname: 'x' }],
        people: { ...body.people, lineManager: { id: '', role: 'line-manager' } },
        colour: 'blue',
      });
    expectProblem(res, 400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(
      ['authority', 'children[0].dateOfBirth', 'children[0].nickname', 'colour', 'people.lineManager.id'].sort(),
    );
  });

  test('a child listed twice is named at its second entry', async () => {
    const body = transferBody();
    const res = await request(app).post('/v1/transfers/preview').set(auth(token)).send({ ...body, children: [body.children[0], { ...body.children[0] }] });
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([{ path: 'children[1].ref', message: 'appears twice: each child once' }]);
  });

  test('unknown paths are 404; a known path with another method is 405 with Allow', async () => {
    expectProblem(await request(app).get('/nowhere'), 404);
    expectProblem(await request(app).get('/v1/nowhere').set(auth(token)), 404);
    const res = await request(app).put('/v1/transfers').set(auth(token)).send({});
    expectProblem(res, 405);
    expect(res.headers.allow).toBe('POST, GET, HEAD');
    expectProblem(await request(app).get('/v1/transfers/t-1/notification').set(auth(token)), 405);
  });

  test('unknown query parameters are refused on /v1 routes', async () => {
    const res = await request(app).get('/v1/policies?verbose=1').set(auth(token));
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([{ path: 'query.verbose', message: 'unknown field' }]);
  });

  test('an unknown authority\'s policy is 404', async () => {
    expectProblem(await request(app).get('/v1/policies/atlantis').set(auth(token)), 404);
    expect((await request(app).get('/v1/policies/somerset').set(auth(token))).status).toBe(200);
  });
});

describe('security headers', () => {
  test('helmet\'s headers are set and the framework is not advertised', async () => {
    const app = testApp(await unreachableClient());
    const res = await request(app).get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('metrics', () => {
  test('requests by route template and status, a latency histogram, and no ids or people in labels', async () => {
    const app = testApp(await unreachableClient());
    const person = await tokenFor('person-secret-42', ['operator']);
    await request(app).get('/v1/transfers/secret-transfer-id-123'); // 401, before any route ran
    await request(app).get('/v1/policies').set(auth(person));
    await request(app).get('/v1/policies/somerset').set(auth(person));
    await request(app).get('/no/such/thing');
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('http_requests_total{method="GET",route="/v1/transfers/{id}",status="401"} 1');
    expect(res.text).toContain('http_requests_total{method="GET",route="/v1/policies",status="200"} 1');
    expect(res.text).toContain('http_requests_total{method="GET",route="/v1/policies/{authority}",status="200"} 1');
    expect(res.text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(res.text).toMatch(/http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/v1\/policies",status="200"\} \d/);
    expect(res.text).toContain('# TYPE case_transfer_workflow_starts_total counter');
    expect(res.text).toContain('# TYPE case_transfer_workflow_events_total counter');
    expect(res.text).not.toMatch(/secret-transfer-id-123|person-secret-42|somerset/);
  });
});

describe('request ids and logs', () => {
  test('JSON lines with the request id, route template and status, and nothing personal', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    const app = testApp(await unreachableClient(), { logger });
    const token = await tokenFor('sw-private-person', ['social-worker']);
    const body = transferBody();
    body.children = [{ ...body.children[0], ref: 'LCS-SECRET-77', displayName: 'Zebedee Testchild' }];

    const ok = await request(app).post('/v1/transfers/preview').set(auth(token)).set('X-Request-Id', 'req-abc-123').send(body);
    expect(ok.status).toBe(200);
    expect(ok.headers['x-request-id']).toBe('req-abc-123');
    const bad = await request(app).post('/v1/transfers/preview').set(auth(token)).set('X-Request-Id', 'not a valid id').send({ ...body, extra: 'Zebedee' });
    expect(bad.status).toBe(400);
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const none = await request(app).get('/healthz');
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);

    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const first = entries.find((e) => (e.req as { id?: string })?.id === 'req-abc-123');
    expect(first).toMatchObject({
      level: 'info',
      service: 'case-transfers-api',
      msg: 'request completed',
      req: { id: 'req-abc-123', method: 'POST', route: '/v1/transfers/preview' },
      res: { statusCode: 200 },
    });
    expect(typeof first!.responseTime).toBe('number');
    expect(entries.find((e) => (e.req as { id?: string })?.id === bad.headers['x-request-id'])).toMatchObject({ level: 'warn', res: { statusCode: 400 } });
    const all = lines.join('\n');
    for (const secret of [token, 'Bearer', 'LCS-SECRET-77', 'Zebedee', 'children', 'sw-private-person', 'authorization']) {
      expect(all).not.toContain(secret);
    }
  });
});

describe('rate limiting per token subject', () => {
  test('past the limit: 429 problem+json with Retry-After; other subjects are unaffected', async () => {
    const app = testApp(await unreachableClient(), { rateLimit: { limit: 3, windowMs: 60_000 } });
    const a = await tokenFor('busy-system', ['integration']);
    const b = await tokenFor('quiet-person', ['operator']);
    for (let i = 0; i < 3; i++) expect((await request(app).get('/v1/policies').set(auth(a))).status).toBe(200);
    const limited = await request(app).get('/v1/policies').set(auth(a));
    expectProblem(limited, 429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // A fresh token for the same subject is the same client.
    expectProblem(await request(app).get('/v1/policies').set(auth(await tokenFor('busy-system', ['integration']))), 429);
    expect((await request(app).get('/v1/policies').set(auth(b))).status).toBe(200);
    expect((await request(app).get('/healthz')).status).toBe(200);
  });
});

describe('graceful shutdown', () => {
  test('stops accepting, finishes the request in flight, then resolves', async () => {
    const app = express();
    app.get('/slow', (_req, res) => void setTimeout(() => res.json({ done: true }), 400));
    const served = await serve(app, { port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${served.port}`;
    const inFlight = new Promise<{ status?: number; body: string }>((resolve, reject) => {
      httpGet(`${url}/slow`, (res) => {
        let body = '';
        res.on('data', (c) => (body += c)).on('end', () => resolve({ status: res.statusCode, body }));
      }).on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 100));
    const closing = served.close();
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`${url}/slow`)).rejects.toThrow();
    await expect(inFlight).resolves.toEqual({ status: 200, body: '{"done":true}' });
    await closing;
  });

  test('the API process: ready reports shutdown, close() resolves and the port is released', async () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}`,
      AUTH_JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'silent',
      PAYLOAD_KEYS: newKeyEntry('ops-test'),
    });
    const api = await startApi(config);
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${api.url}/readyz`)).status).toBe(503); // Temporal is not there
    const started = Date.now();
    await api.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(fetch(`${api.url}/healthz`)).rejects.toThrow();
  });

  test('while shutting down /readyz is 503 and connections are not kept alive', async () => {
    const app = testApp(await unreachableClient(), { isShuttingDown: () => true, checkReady: async () => undefined });
    const res = await request(app).get('/readyz');
    expectProblem(res, 503);
    expect(res.body.detail).toMatch(/shutting down/);
    expect(res.headers.connection).toBe('close');
  });
});
