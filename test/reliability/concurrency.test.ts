// Many requests on one transfer at once, with the worker up and with it down: every answer is a
// documented status (never a 500), every 503 carries Retry-After and says how to retry safely, and
// a retry after a 503 neither loses nor doubles anything. Changes sent together take turns (the
// workflow refuses one that arrives while another is applied; the API tries it again). Also
// /readyz with and without a worker.
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import request from 'supertest';
import { apiConnectionOptions } from '../../api/temporal-connection';
import { londonToday, plusDays, tokenFor } from '../support/fixtures';
import { createLocalEnv, createTestWorker, SHORT_LONG_POLL, TEST_TASK_QUEUE, testDataConverter } from '../support/temporal';
import { eventually, expectProblem, testApp, transferBody } from '../api/helpers';
import { DEFAULT_BUNDLE_PATH } from '../../worker/build-bundle';
import { workflowIdFor } from '../../workflows/definitions';
import { FailureTypes } from '../../workflows/contract';
import { actors, startTransfer as startRaw, updateResult } from '../support/workflow-driver';

let env: TestWorkflowEnvironment;
let connection: Connection;
let client: Client;
let app: ReturnType<typeof testApp>;
let impatientApp: ReturnType<typeof testApp>;
let worker: { instance: Worker; running: Promise<void> } | undefined;
let integration: string;
let operator: string;
/** What the API logged as unhandled (the cause of a 500), so that a failure shows it. */
const unhandled: string[] = [];
const logger = pino({ level: 'error' }, { write: (line: string) => void (/unhandled error/.test(line) && unhandled.push(line)) });

async function startWorker() {
  const instance = await createTestWorker(env);
  worker = { instance, running: instance.run() };
}
async function stopWorker() {
  if (!worker) return;
  worker.instance.shutdown();
  await worker.running;
  worker = undefined;
}

beforeAll(async () => {
  env = await createLocalEnv({ extraArgs: SHORT_LONG_POLL });
  connection = await Connection.connect(apiConnectionOptions(env.address));
  client = new Client({ connection, namespace: env.namespace ?? 'default', dataConverter: testDataConverter() });
  app = testApp(client, { rateLimit: { limit: 1_000_000 }, readyPollerMaxAgeMs: 8_000, logger });
  // Gives up on a missing worker within the test.
  impatientApp = testApp(client, { rateLimit: { limit: 1_000_000 }, temporalTimeoutMs: 4_000, readyPollerMaxAgeMs: 8_000, logger });
  integration = await tokenFor('lcs', ['integration']);
  operator = await tokenFor('ops-1', ['operator']);
  await startWorker();
}, 120_000);

afterAll(async () => {
  await stopWorker();
  await connection?.close();
  await env?.teardown();
});

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
/**
 * A storm's bound. On a loaded machine the dev server can abort a transfer's updates for a minute
 * or more (each is answered 503 and retried); the storm must then still end with its checks run,
 * not be cut off before them.
 */
const STORM_BOUND_MS = 240_000;
const ALLOWED = new Set([200, 201, 409, 503]);

function checkAnswers(answers: request.Response[]) {
  const statuses = answers.map((a) => a.status);
  expect({ unexpected: statuses.filter((s) => !ALLOWED.has(s)), unhandled }).toEqual({ unexpected: [], unhandled: [] });
  for (const a of answers) {
    if (a.status >= 400) expectProblem(a);
    if (a.status === 503) {
      expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
      // A write's 503 says that retrying it is safe; a read is always safe to retry.
      if ((a as unknown as { req: { method: string } }).req.method === 'POST') expect(a.body.retrySafe).toBe(true);
    }
  }
  return statuses;
}

async function startTransfer() {
  const body = { ...transferBody(), transferId: randomUUID() };
  const res = await request(app).post('/v1/transfers').set(auth(integration)).send(body);
  expect(res.status).toBe(201);
  return body;
}

/** A notification's payload sent straight to the workflow: today, with the window's end. */
function notified() {
  const today = londonToday();
  return { notifiedOn: today, windowEnd: plusDays(today, 28) };
}

/** 25 reads and 25 notifications (each with its own key) at once. */
function fifty(on: typeof app, transferId: string, manager: string) {
  const today = londonToday();
  return Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      i % 2 === 0
        ? request(on).get(`/v1/transfers/${transferId}`).set(auth(operator))
        : request(on)
            .post(`/v1/transfers/${transferId}/notification`)
            .set(auth(manager))
            .set('Idempotency-Key', `n-${i}`)
            .send({ notifiedOn: today, windowEnd: plusDays(today, 28) }),
    ),
  );
}

/**
 * The history a storm left replays on the bundle without a nondeterminism error: the worker is
 * evicted and replays during a storm, and every query on a finished transfer replays it again.
 */
async function expectReplays(transferId: string) {
  const handle = client.workflow.getHandle(workflowIdFor(transferId));
  await expect(
    Worker.runReplayHistory({ workflowBundle: { codePath: DEFAULT_BUNDLE_PATH }, dataConverter: testDataConverter() }, await handle.fetchHistory(), handle.workflowId),
  ).resolves.toBeUndefined();
}

/**
 * After the storm: every write answered 503 is retried with its key, as often as it is answered
 * 503 again (after its Retry-After, for up to half a storm's bound); each gets a real answer.
 */
async function retryUnanswered(answers: request.Response[], retry: (key: string) => Promise<request.Response>) {
  const keys = answers.filter((a) => a.status === 503 && a.body.idempotencyKey).map((a) => a.body.idempotencyKey as string);
  const giveUpAt = Date.now() + STORM_BOUND_MS / 2;
  const untilAnswered = async (key: string) => {
    for (;;) {
      const res = await retry(key);
      if (res.status !== 503 || Date.now() >= giveUpAt) return res;
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers['retry-after'] ?? 1)));
    }
  };
  const retried = await Promise.all(keys.map(untilAnswered));
  expect({ unexpected: retried.map((r) => r.status).filter((s) => s !== 200 && s !== 409), unhandled }).toEqual({ unexpected: [], unhandled: [] });
  return retried;
}

test('/readyz: ready with a worker polling; 503 naming the worker on a task queue nobody polls', async () => {
  // The worker has just started: ready once its first poll reaches the server.
  const ready = await eventually(() => request(app).get('/readyz'), (r) => r.status === 200, 30_000);
  expect({ status: ready.status, body: ready.body }).toMatchObject({ status: 200 });
  expect(ready.body).toMatchObject({ status: 'ready', temporal: 'reachable', worker: 'polling' });

  const client = new Client({ connection, namespace: env.namespace ?? 'default', dataConverter: testDataConverter() });
  const orphan = testApp(client, { taskQueue: `nobody-polls-${randomUUID()}` });
  const res = await request(orphan).get('/readyz');
  expectProblem(res, 503);
  expect(res.body.missing).toEqual(['worker']);
  expect(res.body.detail).toMatch(/No worker polls the task queue/);
  expect((await request(orphan).get('/healthz')).status).toBe(200);
});

test('50 requests at once on one transfer with the worker up: no 500, one notification recorded', async () => {
  const body = await startTransfer();
  const manager = await tokenFor('tm-cy', ['team-manager'], [body.from.team]);
  const today = londonToday();
  const answers = await fifty(app, body.transferId, manager);
  const statuses = checkAnswers(answers);
  // One of the notifications wins; the others meet a notified transfer (409) or a busy one (503).
  expect(statuses.filter((s, i) => i % 2 === 1 && s === 200).length).toBeLessThanOrEqual(1);
  await retryUnanswered(answers, (key) =>
    request(app)
      .post(`/v1/transfers/${body.transferId}/notification`)
      .set(auth(manager))
      .set('Idempotency-Key', key)
      .send({ notifiedOn: today, windowEnd: plusDays(today, 28) }),
  );
  const state = await eventually(
    () => request(app).get(`/v1/transfers/${body.transferId}`).set(auth(operator)),
    (r) => r.status === 200,
  );
  expect(state.body.status).toBe('notified');
  expect(state.body.history.filter((h: { event: string }) => h.event === 'notification')).toHaveLength(1);
  await expectReplays(body.transferId);
}, STORM_BOUND_MS);

test('25 cancellations at once and 25 reads: one cancels, the others are refused, and no answer is a 500', async () => {
  const body = await startTransfer();
  const manager = await tokenFor('tm-cy', ['team-manager'], [body.from.team]);
  const answers = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      i % 2 === 0
        ? request(app).get(`/v1/transfers/${body.transferId}`).set(auth(operator))
        : request(app)
            .post(`/v1/transfers/${body.transferId}/cancellation`)
            .set(auth(manager))
            .set('Idempotency-Key', `c-${i}`)
            .send({ reason: 'duplicate referral' }),
    ),
  );
  const statuses = checkAnswers(answers);
  expect(statuses.filter((s, i) => i % 2 === 1 && s === 200).length).toBeLessThanOrEqual(1);
  await retryUnanswered(answers, (key) =>
    request(app).post(`/v1/transfers/${body.transferId}/cancellation`).set(auth(manager)).set('Idempotency-Key', key).send({ reason: 'duplicate referral' }),
  );
  const state = await request(app).get(`/v1/transfers/${body.transferId}`).set(auth(operator));
  expect(state.body.status).toBe('cancelled');
  expect(state.body.history.filter((h: { event: string }) => h.event === 'cancellation')).toHaveLength(1);
  await expectReplays(body.transferId);
}, STORM_BOUND_MS);

test('ten checklist items sent at once: each takes its turn and is recorded, every answer a 200', async () => {
  const body = await startTransfer();
  const transferring = await tokenFor('tm-cy', ['team-manager'], [body.from.team]);
  const receiving = await tokenFor('tm-di', ['team-manager'], [body.to.team]);
  const id = body.transferId;
  expect((await request(app).post(`/v1/transfers/${id}/notification`).set(auth(transferring)).send({ notifiedOn: londonToday() })).status).toBe(200);
  expect((await request(app).post(`/v1/transfers/${id}/acknowledgement`).set(auth(receiving)).send({})).status).toBe(200);
  const allocated = await request(app)
    .post(`/v1/transfers/${id}/allocation`)
    .set(auth(receiving))
    .send({ receivingSocialWorker: { id: 'sw2', role: 'social-worker' } });
  expect(allocated.status).toBe(200);
  const items: string[] = allocated.body.checklist.map((i: { itemId: string }) => i.itemId).slice(0, 10);
  expect(items.length).toBeGreaterThan(3);
  const answers = await Promise.all(items.map((itemId) => request(app).post(`/v1/transfers/${id}/checklist/${itemId}`).set(auth(transferring)).send({})));
  expect({ statuses: answers.map((a) => a.status), unhandled }).toEqual({ statuses: items.map(() => 200), unhandled: [] });
  const state = await request(app).get(`/v1/transfers/${id}`).set(auth(operator));
  expect(state.body.checklist.filter((i: { itemId: string; state: string }) => items.includes(i.itemId) && i.state === 'done')).toHaveLength(items.length);
  await expectReplays(id);
}, STORM_BOUND_MS);

test('two changes in one workflow task: the first applies, the second is refused as busy and leaves no trace in history', async () => {
  const body = await startTransfer();
  const handle = client.workflow.getHandle(workflowIdFor(body.transferId));
  const notify = (eventId: string) => updateResult(handle, 'notification', actors.transferringTm, notified(), eventId);
  await stopWorker();
  let answers: PromiseSettledResult<unknown>[];
  try {
    // Both wait on the server with no worker to take them; the worker's next task carries both.
    const both = Promise.allSettled([notify('first'), new Promise((r) => setTimeout(r, 500)).then(() => notify('second'))]);
    await new Promise((r) => setTimeout(r, 1_500));
    await startWorker();
    answers = await both;
  } finally {
    if (!worker) await startWorker();
  }
  const refused = answers.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
  expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
  expect(refused).toHaveLength(1);
  expect(refused[0].reason).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((refused[0].reason as WorkflowUpdateFailedError).cause).toMatchObject({ type: FailureTypes.Busy });
  // A refused update is not in history: one accepted, one notification recorded.
  const events = (await handle.fetchHistory()).events ?? [];
  expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(2); // the start's and one notification
  const state = await request(app).get(`/v1/transfers/${body.transferId}`).set(auth(operator));
  expect(state.body.history.filter((h: { event: string }) => h.event === 'notification')).toHaveLength(1);
  await expectReplays(body.transferId);
});

test('an event that comes with the start, in the run\'s first workflow task, waits for the start step and applies', async () => {
  const request = { ...transferBody(), transferId: randomUUID() };
  await stopWorker();
  let answer: unknown;
  let handle: WorkflowHandle;
  try {
    handle = await startRaw(client, request, londonToday(), TEST_TASK_QUEUE);
    const sent = updateResult(handle, 'notification', actors.transferringTm, notified(), 'with-the-start');
    await new Promise((r) => setTimeout(r, 1_000));
    await startWorker();
    answer = await sent;
  } finally {
    if (!worker) await startWorker();
  }
  expect(answer).toMatchObject({ status: 'notified' });
  // It was accepted in the run's first workflow task, before a second one was scheduled.
  const types = ((await handle.fetchHistory()).events ?? []).map((e) => Object.keys(e).find((k) => k.endsWith('EventAttributes')));
  const accepted = types.indexOf('workflowExecutionUpdateAcceptedEventAttributes');
  const secondTask = types.indexOf('workflowTaskScheduledEventAttributes', types.indexOf('workflowTaskScheduledEventAttributes') + 1);
  expect(accepted).toBeGreaterThan(0);
  if (secondTask !== -1) expect(accepted).toBeLessThan(secondTask);
});

test('with the worker down: 503s that say how to retry, no 500; after it returns, the retries apply once', async () => {
  const existing = await startTransfer();
  const busy = await startTransfer();
  const manager = await tokenFor('tm-cy', ['team-manager'], [existing.from.team]);
  await stopWorker();
  try {
    // /readyz notices that no worker polls any more.
    const notReady = await eventually(() => request(impatientApp).get('/readyz'), (r) => r.status === 503, 20_000);
    expectProblem(notReady, 503);
    expect(notReady.body.missing).toEqual(['worker']);

    // A start without a transferId: the 503 names the id the API chose, in the body and Location.
    const { transferId: _none, ...unnamed } = transferBody();
    const started = await request(impatientApp).post('/v1/transfers').set(auth(integration)).send(unnamed);
    expectProblem(started, 503);
    expect(started.body.transferId).toMatch(/^[0-9a-f-]{36}$/);
    expect(started.headers.location).toBe(`/v1/transfers/${started.body.transferId}`);
    expect(started.body.retrySafe).toBe(true);

    // An event without a key: the 503 hands back the key to retry with.
    const event = await request(impatientApp)
      .post(`/v1/transfers/${existing.transferId}/notification`)
      .set(auth(manager))
      .send({ notifiedOn: londonToday() });
    expectProblem(event, 503);
    expect(event.body.idempotencyKey).toEqual(expect.any(String));
    expect(event.headers['idempotency-key']).toBe(event.body.idempotencyKey);

    const statuses = checkAnswers(await fifty(impatientApp, busy.transferId, manager));
    expect(statuses.every((s) => s === 503)).toBe(true);

    await startWorker();
    const retriedStart = await request(app)
      .post('/v1/transfers')
      .set(auth(integration))
      .send({ ...unnamed, transferId: started.body.transferId });
    expect([200, 201]).toContain(retriedStart.status);
    expect(retriedStart.body.transferId).toBe(started.body.transferId);
    expect(retriedStart.body.history.filter((h: { event: string }) => h.event === 'started')).toHaveLength(1);

    const retriedEvent = await request(app)
      .post(`/v1/transfers/${existing.transferId}/notification`)
      .set(auth(manager))
      .set('Idempotency-Key', event.body.idempotencyKey)
      .send({ notifiedOn: londonToday() });
    expect(retriedEvent.status).toBe(200);
    const notifications = retriedEvent.body.history.filter((h: { event: string }) => h.event === 'notification');
    // Whether the first attempt was applied when the worker came back or only the retry was: once.
    expect(notifications).toHaveLength(1);
  } finally {
    if (!worker) await startWorker();
  }
});
