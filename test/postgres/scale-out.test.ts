// Scale-out on the PostgreSQL-backed server: two API processes and two worker processes share one
// task queue. Transfers are driven through both APIs in turn; mid-way one worker is SIGKILLed and
// one API process is killed with requests in flight, which the caller retries on the other API with
// the same Idempotency-Key. Every transfer must end exactly as an undisturbed one does, each event
// recorded once.
import { randomUUID } from 'node:crypto';
import { transferBody } from '../api/helpers';
import { londonToday, plusDays, TEAMS, tokenFor } from '../support/fixtures';
import { TEST_TASK_QUEUE } from '../support/temporal';
import { startApiProcess, startWorkerProcess, waitForReadiness, type ServiceProcess } from './processes';

jest.setTimeout(240_000);

const TRANSFERS = 8;
const env = { TEMPORAL_TASK_QUEUE: TEST_TASK_QUEUE };

let apis: ServiceProcess[] = [];
let workers: ServiceProcess[] = [];

beforeAll(async () => {
  workers = [startWorkerProcess('worker-1', env), startWorkerProcess('worker-2', env)];
  apis = [await startApiProcess('api-1', env), await startApiProcess('api-2', env)];
  await Promise.all(apis.map((a) => waitForReadiness(a)));
});

afterAll(async () => {
  await Promise.all([...apis, ...workers].map((p) => p.stop()));
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  servedBy: string;
}

/**
 * One HTTP call as a careful integration makes it: aimed at `preferred`, and on a dropped
 * connection or a 503 retried (same Idempotency-Key, same body) on the other API.
 */
async function call(preferred: number, method: string, path: string, token: string, body: unknown, key?: string): Promise<Answer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 8; attempt++) {
    const api = apis[(preferred + attempt) % apis.length];
    try {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status === 503) {
        lastError = new Error(`${api.name} answered 503`);
        continue;
      }
      return { status: res.status, body: (await res.json()) as Record<string, unknown>, servedBy: api.name };
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${method} ${path} failed on every API: ${String(lastError)}`);
}

/** The parts of a transfer's state that do not depend on when or where it ran. */
function outcome(state: Record<string, unknown>) {
  const s = state as {
    status: string;
    window: unknown;
    completion?: { how: string; effectiveOn: string; receiver: string; outstandingItems: unknown };
    history: { event: string; by: string; outcome?: string }[];
    checklist: { itemId: string; state: string }[];
    deadlines: { id: string; state: string; dueOn: string }[];
    meeting: unknown;
    escalations: unknown[];
  };
  return {
    status: s.status,
    window: s.window,
    completion: s.completion && { how: s.completion.how, effectiveOn: s.completion.effectiveOn, receiver: s.completion.receiver, outstanding: s.completion.outstandingItems },
    history: s.history.map((h) => `${h.event} by ${h.by}${h.outcome && h.outcome !== 'accepted' ? ` (${h.outcome})` : ''}`),
    checklist: s.checklist.map((c) => `${c.itemId}:${c.state}`),
    deadlines: s.deadlines.map((d) => `${d.id}:${d.state}:${d.dueOn}`),
    meeting: s.meeting,
    escalations: s.escalations.length,
  };
}

test('two APIs and two workers: a SIGKILLed worker and a killed API change no transfer\'s outcome', async () => {
  const today = londonToday();
  const integration = await tokenFor('lcs', ['integration']);
  const transferring = await tokenFor('tm-cy', ['team-manager'], [TEAMS.cin]);
  const receiving = await tokenFor('tm-di', ['team-manager'], [TEAMS.cla]);
  const steps = [
    { path: 'notification', token: transferring, body: { notifiedOn: today, windowEnd: plusDays(today, 28) } },
    { path: 'acknowledgement', token: receiving, body: {} },
    { path: 'meeting', token: transferring, body: { status: 'scheduled', on: today } },
    { path: 'meeting', token: transferring, body: { status: 'held', on: today, attendees: ['sw-anna', 'tm-di'] } },
  ];
  const newBody = () => transferBody({ overrides: { transferId: randomUUID() } });
  let turn = 0;
  const next = () => turn++ % apis.length;
  const start = async (body: ReturnType<typeof newBody>) => {
    const res = await call(next(), 'POST', '/v1/transfers', integration, body);
    expect([200, 201]).toContain(res.status);
    return body.transferId;
  };
  const step = async (id: string, i: number) => {
    const s = steps[i];
    const res = await call(next(), 'POST', `/v1/transfers/${id}/${s.path}`, s.token, s.body, `${id}-step-${i}`);
    if (res.status !== 200) throw new Error(`${s.path} on ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };
  const read = async (id: string) => (await call(next(), 'GET', `/v1/transfers/${id}`, integration, undefined)).body;

  // The undisturbed run everything is compared with.
  const control = await start(newBody());
  for (let i = 0; i < steps.length; i++) await step(control, i);
  const expected = outcome(await read(control));
  expect(expected.status).toMatch(/^(completed|post-transfer)$/);
  expect(expected.history).toEqual(['started by lcs', 'notification by tm-cy', 'acknowledgement by tm-di', 'meeting by tm-cy', 'meeting by tm-cy']);

  const ids: string[] = [];
  for (let n = 0; n < TRANSFERS; n++) ids.push(await start(newBody()));
  await Promise.all(ids.map((id) => step(id, 0)));

  // Mid-way: one worker dies without draining; its cached workflows move to the other.
  await workers[0].stop('SIGKILL');
  expect(workers[0].child.signalCode).toBe('SIGKILL');
  await Promise.all(ids.map((id) => step(id, 1)));

  // One API process dies while requests aimed at it are in flight; its callers retry on the other.
  const inFlight = ids.map((id) => step(id, 2));
  await new Promise((r) => setTimeout(r, 30));
  await apis[1].stop('SIGKILL');
  expect(apis[1].child.signalCode).toBe('SIGKILL');
  const served = await Promise.all(inFlight);
  const by = served.reduce<Record<string, number>>((n, a) => ({ ...n, [a.servedBy]: (n[a.servedBy] ?? 0) + 1 }), {});
  console.log(`scale-out: ${TRANSFERS} transfers; the batch in flight when api-2 died was answered by ${JSON.stringify(by)}`);
  expect(served.map((a) => (a.body.meeting as { scheduledOn?: string }).scheduledOn)).toEqual(ids.map(() => today));

  // Each event once, even when asked for again through the survivor with the same key.
  await Promise.all(ids.map((id) => step(id, 2)));
  await Promise.all(ids.map((id) => step(id, 3)));
  const retried = await step(ids[0], 3);
  expect(outcome(retried.body).history).toEqual(expected.history);

  for (const id of ids) {
    expect(outcome(await read(id))).toEqual(expected);
  }
  // The survivors are still serving.
  await waitForReadiness(apis[0]);
  expect(workers[1].child.exitCode).toBeNull();
});
