// No personal data outside the encrypted payloads: lifecycles through the API that record every
// event, on a dev server that keeps its SQLite file, then a scan of everything that is stored or
// emitted in clear (each workflow's raw history through gRPC without the codec, the SQLite file,
// the API's logs, the audit records, /metrics) for the children's names, dates of birth and case
// references. Positive controls show each scan would have found them: the decoded history holds
// them, and what is plain by design (transfer ids, team ids) is found in the same bytes.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import request from 'supertest';
import { createLogger, createMetrics } from '../../api/observability';
import { apiConnectionOptions } from '../../api/temporal-connection';
import { EncryptionCodec } from '../../codec';
import type { Child } from '../../workflows/definitions';
import { londonToday, plusDays, protocolTransfer, TEAMS, tokenFor } from '../support/fixtures';
import { createLocalEnv, createTestWorker, TEST_KEY_RING, testDataConverter } from '../support/temporal';
import { eventually, overdueTransferBody, testApp, transferBody } from './helpers';

const CHILDREN: Child[] = [
  { ref: 'LCS-884213', displayName: 'Maisie Quartermaine', dateOfBirth: '2014-09-17', legalStatus: 's20', lookedAfter: true },
  { ref: 'LCS-884214', displayName: 'Barnaby Fitzwilliam-Oduya', dateOfBirth: '2011-03-28', legalStatus: 's20', lookedAfter: true, siblingOf: ['LCS-884213'] },
];
const NEEDLES = CHILDREN.flatMap((c) => [c.ref, c.displayName!, c.dateOfBirth]);

const dir = mkdtempSync(path.join(tmpdir(), 'ct-pii-'));
const dbFile = path.join(dir, 'temporal.db');
const logLines: string[] = [];
const auditLines: string[] = [];
const accepted = new Set<string>();
const transferIds: string[] = [];

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let connection: Connection;
let app: ReturnType<typeof testApp>;

const today = londonToday();
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

async function start(body: object, token: string): Promise<string> {
  const res = await request(app).post('/v1/transfers').set(auth(token)).send(body);
  if (res.status !== 201) throw new Error(`start: ${res.status} ${res.text}`);
  transferIds.push(res.body.transferId);
  return res.body.transferId as string;
}

/** Sends one event and requires it to be accepted. */
async function send(id: string, event: string, token: string, body: object, method: 'post' | 'delete' = 'post', suffix = event) {
  const res = await request(app)[method](`/v1/transfers/${id}/${suffix}`).set(auth(token)).set('Idempotency-Key', randomUUID()).send(body);
  if (res.status !== 200) throw new Error(`${method} ${suffix}: ${res.status} ${res.text}`);
  accepted.add(method === 'delete' ? `${event} reopened` : event);
  return res.body;
}

beforeAll(async () => {
  env = await createLocalEnv({ dbFilename: dbFile });
  // Audit records as the production worker writes them (a JSON line each).
  worker = await createTestWorker(env, { deps: { audit: (r) => void auditLines.push(JSON.stringify({ level: 'info', msg: 'transfer event', ...r })) } });
  running = worker.run();
  connection = await Connection.connect(apiConnectionOptions(env.address));
  const client = new Client({ connection, namespace: env.namespace ?? 'default', dataConverter: testDataConverter() });
  app = testApp(client, {
    logger: createLogger('debug', { write: (line: string) => void logLines.push(line) }),
    metrics: createMetrics({ defaultMetrics: false }),
    rateLimit: { limit: 1_000_000 },
  });
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await env?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

test('lifecycles through the API record every event, with the children\'s data read back decoded', async () => {
  const integration = await tokenFor('lcs', ['integration']);
  const tmFrom = await tokenFor('tm-cy', ['team-manager'], [TEAMS.cin]);
  const tmTo = await tokenFor('tm-di', ['team-manager'], [TEAMS.cla]);
  const smFrom = await tokenFor('sm-ed', ['service-manager'], [TEAMS.cin]);
  const smTo = await tokenFor('sm-gu', ['service-manager'], [TEAMS.cla]);
  const operator = await tokenFor('ops', ['operator']);

  // Islington, CIN to CLA, started without a transferId: the service generates a UUID.
  const { transferId: _none, ...withoutId } = transferBody({ overrides: { children: CHILDREN } });
  const a = await start(withoutId, integration);
  expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  await send(a, 'notification', tmFrom, { notifiedOn: today });
  await send(a, 'acknowledgement', tmTo, {});
  await send(a, 'allocation', tmTo, { receivingSocialWorker: { id: 'sw-jo', role: 'social-worker' } });
  const item = (await request(app).get(`/v1/transfers/${a}`).set(auth(operator))).body.checklist[0].itemId as string;
  await send(a, 'checklistItem', tmFrom, { note: `done for ${CHILDREN[0].ref}` }, 'post', `checklist/${item}`);
  await send(a, 'checklistItem', tmFrom, { reason: 'needs another look' }, 'delete', `checklist/${item}`);
  const requested = await send(a, 'exceptionRequest', tmFrom, { kind: 'hold', reason: 'court timetable' }, 'post', 'exceptions');
  const exceptionId = requested.exceptions.at(-1).exceptionId as string;
  await send(a, 'exceptionDecision', smFrom, { decision: 'reject', note: 'no need' }, 'post', `exceptions/${exceptionId}/approval`);
  await send(a, 'meeting', tmFrom, { status: 'scheduled', on: plusDays(today, 3) });
  await send(a, 'trigger', integration, { event: 'first-cla-review', on: today, outcome: 'return-home-within-12-weeks' });

  // Overdue: the acknowledgement clock has passed and escalated; the service manager answers, then it is cancelled.
  const b = await start({ ...overdueTransferBody(), transferId: randomUUID(), children: CHILDREN }, integration);
  const escalated = await eventually(
    async () => (await request(app).get(`/v1/transfers/${b}`).set(auth(operator))).body,
    (s) => s.escalations?.some((e: { state: string }) => e.state === 'open'),
  );
  const escalation = escalated.escalations.find((e: { state: string }) => e.state === 'open');
  await send(b, 'escalationResponse', smTo, { decision: 'chased', note: 'will acknowledge today' }, 'post', `escalations/${escalation.escalationId}/response`);
  await send(b, 'cancellation', integration, { reason: 'duplicate referral' });

  // Refused by the receiving side for a reason the policy permits.
  const c = await start({ ...transferBody({ overrides: { children: CHILDREN } }), transferId: randomUUID() }, integration);
  await send(c, 'rejection', tmTo, { reason: 'CRITERIA_NOT_MET', note: 'threshold not met' });

  // Somerset: the allocation forum's decision.
  const somerset = await tokenFor('tm-di', ['team-manager'], ['team-to']);
  const d = await start(protocolTransfer('somerset', 'som-at-to-sg', { event: 'icpc', date: today }, { children: CHILDREN }), integration);
  await send(d, 'decision', somerset, { on: today, agreedTasks: ['assessment'] });

  // Southwark: completed at the CIN review, then record defects listed and one fixed.
  const swkFrom = await tokenFor('tm-cy', ['team-manager'], ['team-from']);
  const swkTo = await tokenFor('tm-di', ['team-manager'], ['team-to']);
  const e = await start(protocolTransfer('southwark', 'swk-ai-to-sfs-cin', { event: 'cin-review', date: today }, { notifiedOn: today, children: CHILDREN }), integration);
  await send(e, 'allocation', swkTo, { receivingSocialWorker: { id: 'sw-new', role: 'social-worker' } });
  const done = await send(e, 'trigger', integration, { event: 'cin-review', on: today });
  expect(done.completion).toMatchObject({ how: 'trigger-event' });
  await send(e, 'remediation', swkTo, { letterOn: today, items: [{ itemId: 'chronology', description: `chronology for ${CHILDREN[1].ref} not up to date` }] });
  await send(e, 'remediation', swkFrom, { itemId: 'chronology' });

  const meetingHeld = await request(app).post(`/v1/transfers/${d}/meeting`).set(auth(somerset)).set('Idempotency-Key', randomUUID())
    .send({ status: 'held', on: today, attendees: ['sw-anna'] });
  if (meetingHeld.status === 200) accepted.add('meeting held');

  expect([...accepted].sort()).toEqual(
    expect.arrayContaining(['notification', 'acknowledgement', 'allocation', 'checklistItem', 'checklistItem reopened', 'meeting', 'exceptionRequest',
      'exceptionDecision', 'escalationResponse', 'decision', 'trigger', 'remediation', 'cancellation', 'rejection']),
  );
  // The operator reads the children back, decoded.
  const read = await request(app).get(`/v1/transfers/${e}`).set(auth(operator));
  expect(read.body.children).toEqual(CHILDREN);
}, 120_000);

describe('the scan finds none of the children\'s data', () => {
  const hits = (haystack: Buffer | string) => NEEDLES.filter((n) => (typeof haystack === 'string' ? haystack.includes(n) : haystack.includes(n)));

  async function rawHistory(workflowId: string, runId?: string) {
    const events: temporal.api.history.v1.IHistoryEvent[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await env.connection.workflowService.getWorkflowExecutionHistory({
        namespace: env.namespace ?? 'default',
        execution: { workflowId, runId },
        nextPageToken,
      });
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return temporal.api.history.v1.History.create({ events });
  }

  test('in every workflow\'s raw history, through gRPC without the codec', async () => {
    const listed = await env.connection.workflowService.listWorkflowExecutions({ namespace: env.namespace ?? 'default', pageSize: 100 });
    // Every run: a completed transfer continues as new, and the next run's input is the carried model.
    const runs = listed.executions.map((x) => ({ id: x.execution!.workflowId!, runId: x.execution!.runId! }));
    expect([...new Set(runs.map((r) => r.id))].sort()).toEqual(transferIds.map((t) => `transfer-${t}`).sort());
    const codec = new EncryptionCodec(TEST_KEY_RING);
    for (const { id, runId } of runs) {
      const history = await rawHistory(id, runId);
      const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
      expect({ id, hits: hits(bytes) }).toEqual({ id, hits: [] });
      // Control: the same history decoded holds the children, and its plain parts show in the same bytes.
      const started = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads!;
      const [input] = await codec.decode(started);
      expect(hits(Buffer.from(input.data!))).toEqual(NEEDLES);
      expect(bytes.includes('CtAuthority')).toBe(true);
    }
  });

  test('in the dev server\'s SQLite file', () => {
    const files = [dbFile, `${dbFile}-wal`].filter((f) => existsSync(f));
    const store = Buffer.concat(files.map((f) => readFileSync(f)));
    expect(store.length).toBeGreaterThan(0);
    expect(hits(store)).toEqual([]);
    // Control: ids are stored in clear (which is why a transferId must never be a name), and the scan sees them.
    for (const id of transferIds) expect(store.includes(id)).toBe(true);
  });

  test('in the API\'s logs and the audit records', () => {
    expect(logLines.length).toBeGreaterThan(10);
    expect(auditLines.length).toBeGreaterThan(5);
    expect(hits(logLines.join('\n'))).toEqual([]);
    expect(hits(auditLines.join('\n'))).toEqual([]);
    expect(auditLines.join('\n')).toContain(transferIds[0]);
  });

  test('in /metrics', async () => {
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('case_transfer_workflow_events_total');
    expect(hits(res.text)).toEqual([]);
  });
});
