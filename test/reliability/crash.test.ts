// Crash suite: the worker killed with SIGKILL at every step of a lifecycle, after the step and with
// the step's request still in flight, must end in the same state as an undisturbed run, with no
// event lost or doubled; and the dev server killed with SIGKILL and restarted on its database must
// lose no transfer, and fire the timers that fell due while nothing could run them.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import request from 'supertest';
import { apiConnectionOptions } from '../../api/temporal-connection';
import { londonToday, plusDays, tokenFor } from '../support/fixtures';
import { quietRuntime, testDataConverter } from '../support/temporal';
import { closedPort, eventually, overdueTransferBody, testApp, transferBody } from '../api/helpers';
import { startDevServer, startWorkerProcess, type Proc } from './processes';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

let dir: string;
let address: string;
let dbFile: string;
let port: number;
let server: Proc | undefined;
let worker: Proc | undefined;
let connection: Connection;
let app: ReturnType<typeof testApp>;
let impatient: ReturnType<typeof testApp>;
let integration: string;
let operator: string;

beforeAll(async () => {
  quietRuntime();
  dir = mkdtempSync(path.join(tmpdir(), 'ct-crash-'));
  dbFile = path.join(dir, 'temporal.db');
  port = await closedPort();
  address = `127.0.0.1:${port}`;
  server = await startDevServer(port, dbFile);
  worker = await startWorkerProcess(address);
  connection = await Connection.lazy(apiConnectionOptions(address));
  const client = new Client({ connection, dataConverter: testDataConverter() });
  // A step's request waits out a worker restart (a few seconds, more on a busy machine).
  app = testApp(client, { rateLimit: { limit: 1_000_000 }, temporalTimeoutMs: 60_000 });
  impatient = testApp(client, { rateLimit: { limit: 1_000_000 }, temporalTimeoutMs: 2_000 });
  integration = await tokenFor('lcs', ['integration']);
  operator = await tokenFor('ops-1', ['operator']);
}, 180_000);

afterAll(async () => {
  await worker?.kill9();
  await connection?.close();
  await server?.kill9();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function restartWorker() {
  await worker?.kill9();
  worker = await startWorkerProcess(address);
}

type Step = { name: string; send: (transferId: string) => PromiseLike<request.Response> };

async function lifecycle(body: ReturnType<typeof transferBody>): Promise<Step[]> {
  const today = londonToday();
  const transferring = await tokenFor('tm-cy', ['team-manager'], [body.from.team]);
  const receiving = await tokenFor('tm-di', ['team-manager'], [body.to.team]);
  const worker = await tokenFor(body.people.allocatedSocialWorker.id, ['social-worker'], [body.from.team]);
  const post = (token: string, route: string, key: string, payload: object) => (id: string) =>
    request(app).post(`/v1/transfers/${id}/${route}`).set(auth(token)).set('Idempotency-Key', key).send(payload);
  return [
    { name: 'notification', send: post(transferring, 'notification', 'k-notify', { notifiedOn: today, windowEnd: plusDays(today, 28) }) },
    { name: 'acknowledgement', send: post(receiving, 'acknowledgement', 'k-ack', {}) },
    { name: 'allocation', send: post(receiving, 'allocation', 'k-alloc', { receivingSocialWorker: { id: 'sw-jo', role: 'social-worker' } }) },
    {
      name: 'checklist',
      send: async (id) => {
        const read = await request(app).get(`/v1/transfers/${id}`).set(auth(operator));
        if (read.status !== 200) return read; // a 503 while the new worker comes up: answered() retries
        const item = read.body.checklist[0].itemId;
        return request(app).post(`/v1/transfers/${id}/checklist/${item}`).set(auth(worker)).set('Idempotency-Key', 'k-item').send({ note: 'done' });
      },
    },
    { name: 'meeting scheduled', send: post(transferring, 'meeting', 'k-meet', { status: 'scheduled', on: today }) },
    { name: 'meeting held', send: post(transferring, 'meeting', 'k-held', { status: 'held', on: today, attendees: ['sw-anna', 'sw-jo'] }) },
  ];
}

/** A step as a careful client sends it: a 503 says retrying with the same key is safe, so it does. */
async function answered(step: Step, transferId: string): Promise<request.Response> {
  for (let attempt = 1; ; attempt++) {
    const res = await step.send(transferId);
    if (res.status !== 503 || attempt >= 20) return res;
    await new Promise((r) => setTimeout(r, 1000 * Number(res.headers['retry-after'] ?? 1)));
  }
}

/** The state without what differs between any two runs: ids, instants, generated keys. */
function comparable(state: unknown): unknown {
  const drop = /^(transferId|eventId|requestHash|at|phaseSince|doneAt|raisedAt|respondBy|sequence)$|At$/;
  const walk = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(walk)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).filter(([k]) => !drop.test(k)).map(([k, x]) => [k, walk(x)]))
        : v;
  return walk(state);
}

async function start(body: object) {
  const res = await request(app).post('/v1/transfers').set(auth(integration)).send(body);
  if (res.status !== 201) throw new Error(`start ${res.status}: ${res.text}`);
}

/** The state as a careful reader gets it: a 503 (a worker still coming up) is waited out, within a bound. */
async function finalState(transferId: string) {
  const res = await answered({ name: 'read', send: (id) => request(app).get(`/v1/transfers/${id}`).set(auth(operator)) }, transferId);
  expect(res.status).toBe(200);
  return res.body as { status: string; history: { event: string }[] };
}

let undisturbed: unknown;
let undisturbedEvents: string[];

test('undisturbed run: the lifecycle reaches completion', async () => {
  const body = { ...transferBody(), transferId: randomUUID() };
  await start(body);
  for (const step of await lifecycle(body)) {
    const res = await step.send(body.transferId);
    expect({ step: step.name, status: res.status }).toEqual({ step: step.name, status: 200 });
  }
  const state = await finalState(body.transferId);
  expect(['completed', 'post-transfer']).toContain(state.status);
  undisturbed = comparable(state);
  undisturbedEvents = state.history.map((h) => h.event);
}, 120_000);

test('the worker killed with SIGKILL after every step: the same final state, every event once', async () => {
  const body = { ...transferBody(), transferId: randomUUID() };
  await start(body);
  await restartWorker();
  for (const step of await lifecycle(body)) {
    const res = await answered(step, body.transferId);
    expect({ step: step.name, status: res.status }).toEqual({ step: step.name, status: 200 });
    await restartWorker();
  }
  const state = await finalState(body.transferId);
  expect(state.history.map((h) => h.event)).toEqual(undisturbedEvents);
  expect(comparable(state)).toEqual(undisturbed);
}, 600_000);

test('the worker killed with SIGKILL while each step\'s request is in flight: retried with its key, the same final state', async () => {
  const body = { ...transferBody(), transferId: randomUUID() };
  await start(body);
  for (const step of await lifecycle(body)) {
    // The request goes out, the worker dies under it, a new one starts; the caller retries with the
    // same Idempotency-Key, as a 503 tells it to.
    const first = Promise.resolve(step.send(body.transferId)).then((r) => r, (e: Error) => e);
    await new Promise((r) => setTimeout(r, 50));
    await restartWorker();
    const firstAnswer = await first;
    const retry = await answered(step, body.transferId);
    expect({ step: step.name, status: retry.status }).toEqual({ step: step.name, status: 200 });
    // The same answer; its keys may come in another order when one of the two was rebuilt from a read.
    if (!(firstAnswer instanceof Error) && firstAnswer.status === 200) expect(JSON.parse(retry.text)).toEqual(JSON.parse(firstAnswer.text));
  }
  const state = await finalState(body.transferId);
  expect(state.history.map((h) => h.event)).toEqual(undisturbedEvents);
  expect(comparable(state)).toEqual(undisturbed);
}, 600_000);

test('the dev server killed with SIGKILL and restarted: no transfer lost, the timers due in the outage fire', async () => {
  const steady = Array.from({ length: 6 }, () => ({ ...transferBody(), transferId: randomUUID() }));
  for (const body of steady) await start(body);
  const before = new Map<string, unknown>();
  for (const body of steady) before.set(body.transferId, comparable(await finalState(body.transferId)));

  // Overdue transfers accepted while no worker runs: their first task and their missed
  // acknowledgement clock (T-ISL-07) wait through the outage.
  await worker!.kill9();
  worker = undefined;
  const overdue = Array.from({ length: 6 }, () => ({ ...overdueTransferBody(), transferId: randomUUID() }));
  const answers = await Promise.all(overdue.map((body) => request(impatient).post('/v1/transfers').set(auth(integration)).send(body)));
  for (const a of answers) expect(a.status).toBe(503); // accepted, but no worker to settle it

  await server!.kill9();
  server = await startDevServer(port, dbFile);
  worker = await startWorkerProcess(address);

  for (const body of steady) expect(comparable(await finalState(body.transferId))).toEqual(before.get(body.transferId));
  type Overdue = { deadlines: { rule: string; state: string }[]; escalations: { state: string }[]; history: { event: string }[] };
  for (const body of overdue) {
    // The missed clock and its escalation are one timer's work, but a read can fall between them.
    const state = await eventually(
      async () => (await finalState(body.transferId)) as unknown as Overdue,
      (s) => s.escalations.some((e) => e.state === 'open'),
      30_000,
    );
    expect(state.history.filter((h) => h.event === 'started')).toHaveLength(1);
    expect(state.deadlines.find((d) => d.rule === 'T-ISL-07')?.state).toBe('missed');
    expect(state.escalations.some((e) => e.state === 'open')).toBe(true);
  }
}, 600_000);
