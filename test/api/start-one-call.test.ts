// POST /v1/transfers is one round trip to Temporal (update-with-start): the start and an update
// that answers the state once the start has committed, with no query polling. An event is one
// update, the workflow deciding the team and side check and answering the whole state, with no
// query first. Counted on the API's own gRPC connection, against a real dev server.
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import request from 'supertest';
import { transferStateSchema } from '../../api/schemas';
import { apiConnectionOptions } from '../../api/temporal-connection';
import { createLocalEnv, createTestWorker, testDataConverter, testTemporalSettings } from '../support/temporal';
import { londonToday, plusDays, tokenFor } from '../support/fixtures';
import { eventually, testApp, transferBody } from './helpers';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let connection: Connection;
let app: ReturnType<typeof testApp>;
let integration: string;
const calls: string[] = [];

beforeAll(async () => {
  env = await createLocalEnv();
  worker = await createTestWorker(env);
  running = worker.run();
  const counting: Interceptor = (options, next) => {
    calls.push(options.method_definition.path.split('/').pop() ?? '?');
    return new InterceptingCall(next(options));
  };
  const options = apiConnectionOptions(testTemporalSettings(env));
  connection = await Connection.connect({ ...options, interceptors: [...(options.interceptors ?? []), counting] });
  const client = new Client({ connection, namespace: env.namespace ?? 'default', dataConverter: testDataConverter() });
  app = testApp(client, { rateLimit: { limit: 1_000_000 } });
  integration = await tokenFor('lcs', ['integration']);
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await env?.teardown();
});

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

async function counted<T>(fn: () => Promise<T>): Promise<{ value: T; calls: string[] }> {
  calls.length = 0;
  const value = await fn();
  return { value, calls: [...calls] };
}

test('a start is one call, and answers the settled state', async () => {
  const body = transferBody();
  const { value: res, calls: made } = await counted(() => request(app).post('/v1/transfers').set(auth(integration)).send(body));
  expect(res.status).toBe(201);
  expect(made).toEqual(['ExecuteMultiOperation']);
  expect(transferStateSchema.safeParse(res.body).success).toBe(true);
  // The start step has run: the schedule's deadlines and the first history entry are there.
  expect(res.body.history.map((h: { event: string }) => h.event)).toEqual(['started']);
  expect(res.body.deadlines.length).toBeGreaterThan(0);
  expect(res.body.checklist.length).toBeGreaterThan(0);
});

test('the same body again is one call and 200 with the same transfer; another body is 409', async () => {
  const body = transferBody();
  const first = await request(app).post('/v1/transfers').set(auth(integration)).send(body);
  expect(first.status).toBe(201);
  const { value: again, calls: made } = await counted(() => request(app).post('/v1/transfers').set(auth(integration)).send(body));
  expect(again.status).toBe(200);
  expect(made).toEqual(['ExecuteMultiOperation']);
  expect(again.body.transferId).toBe(first.body.transferId);
  expect(again.body.history).toEqual(first.body.history);

  const other = await request(app).post('/v1/transfers').set(auth(integration)).send({ ...body, from: { ...body.from, service: 'Another service' } });
  expect(other.status).toBe(409);
  expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
  const read = await request(app).get(`/v1/transfers/${body.transferId}`).set(auth(integration));
  expect(read.body.history).toHaveLength(1);
});

test('a finished transfer: the same body is 200 with its final state, another body 409', async () => {
  const body = transferBody();
  expect((await request(app).post('/v1/transfers').set(auth(integration)).send(body)).status).toBe(201);
  const cancelled = await request(app).post(`/v1/transfers/${body.transferId}/cancellation`).set(auth(integration)).send({ reason: 'duplicate referral' });
  expect(cancelled.status).toBe(200);
  await eventually(() => env.client.workflow.getHandle(`transfer-${body.transferId}`).describe(), (d) => d.status.name !== 'RUNNING');

  const again = await request(app).post('/v1/transfers').set(auth(integration)).send(body);
  expect(again.status).toBe(200);
  expect(again.body.status).toBe('cancelled');
  const other = await request(app).post('/v1/transfers').set(auth(integration)).send({ ...body, from: { ...body.from, service: 'Another service' } });
  expect(other.status).toBe(409);
});

test('an event is one call and answers the whole state; a retry with its key gets the same answer', async () => {
  const body = transferBody();
  expect((await request(app).post('/v1/transfers').set(auth(integration)).send(body)).status).toBe(201);
  const manager = await tokenFor('tm-one-call', ['team-manager'], [body.from.team]);
  const send = () =>
    request(app)
      .post(`/v1/transfers/${body.transferId}/notification`)
      .set({ ...auth(manager), 'Idempotency-Key': 'one-call-notification' })
      .send({ notifiedOn: londonToday(), windowEnd: plusDays(londonToday(), 28) });
  const { value: res, calls: made } = await counted(send);
  expect(res.status).toBe(200);
  expect(made).toEqual(['UpdateWorkflowExecution']);
  expect(transferStateSchema.safeParse(res.body).success).toBe(true);
  expect(res.body.history.map((h: { event: string }) => h.event)).toEqual(['started', 'notification']);
  const read = await request(app).get(`/v1/transfers/${body.transferId}`).set(auth(integration));
  expect(res.body).toEqual(read.body);

  const { value: again, calls: retried } = await counted(send);
  expect(again.status).toBe(200);
  expect(retried).toEqual(['UpdateWorkflowExecution']);
  expect(again.body).toEqual(res.body);
});

test('someone not on the transfer\'s teams is refused by the workflow, in the one call, and nothing is recorded', async () => {
  const body = transferBody();
  expect((await request(app).post('/v1/transfers').set(auth(integration)).send(body)).status).toBe(201);
  const outsider = await tokenFor('tm-elsewhere', ['team-manager'], ['team-nowhere']);
  const { value: res, calls: made } = await counted(() =>
    request(app).post(`/v1/transfers/${body.transferId}/acknowledgement`).set(auth(outsider)).send({}),
  );
  expect(res.status).toBe(403);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.detail).toBe("Only people on the transfer's teams may act on it");
  expect(made).toEqual(['UpdateWorkflowExecution']);
  const read = await request(app).get(`/v1/transfers/${body.transferId}`).set(auth(integration));
  expect(read.body.history).toHaveLength(1);
});
