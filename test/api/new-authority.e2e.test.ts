// Adding an authority is adding one file: a generated sixth policy in a temporary folder beside the
// shipped five, the API and a worker started on that folder (POLICY_DIR), and a transfer under the
// new policy driven through HTTP to completion on a real Temporal dev server.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import YAML from 'yaml';
import { startApi, type RunningApi } from '../../api/main';
import { loadConfig } from '../../config';
import { isPolicyFile, shippedPolicyDir } from '../../activities/policy/registry';
import type { Policy } from '../../activities/policy/types';
import { londonToday, plusDays, protocolTransfer, TEST_SECRET, tokenFor } from '../support/fixtures';
import { createLocalEnv, createTestWorker, TEST_PAYLOAD_KEYS, testTemporalSettings } from '../support/temporal';

/** A small protocol of an invented authority: notify within 5 working days, hand over within 10 days. */
function generatedPolicy(): Policy {
  const src = 'generated for a test';
  return {
    authority: 'north-shire',
    code: 'NSH',
    name: 'North Shire',
    document: 'Case transfer protocol',
    seed: src,
    protocolVersion: '1.0',
    policyVersion: '2026-11-01.1',
    effectiveFrom: '2026-11-01',
    jobTitles: [
      { title: 'Social Worker', rank: 'social-worker', source: src },
      { title: 'Team Manager', rank: 'team-manager', source: src },
      { title: 'Service Manager', rank: 'service-manager', source: src },
      { title: 'Head of Service', rank: 'head-of-service', source: src },
    ],
    escalationLadder: [
      { rank: 'team-manager', titles: ['Team Manager'] },
      { rank: 'service-manager', titles: ['Service Manager'] },
      { rank: 'head-of-service', titles: ['Head of Service'] },
    ],
    escalationResponse: { within: { unit: 'working-days', n: 2 }, rule: 'T-NSH-03', source: src },
    exceptionApproval: {
      sides: ['transferring', 'receiving'],
      minRank: 'service-manager',
      decision: 'every-side',
      source: src,
      // A short hold is the receiving team manager's call alone.
      exceptions: { hold: { sides: ['receiving'], minRank: 'team-manager', decision: 'any-side', source: src } },
    },
    rejection: {
      permitted: [{ reason: 'CRITERIA_NOT_MET', source: src }],
      forbidden: [
        { reason: 'CAPACITY', rule: 'T-NSH-04', source: src, instead: 'escalate to the Service Manager' },
        { reason: 'RECORD_QUALITY', rule: 'T-NSH-04', source: src, instead: 'record the gaps after transfer' },
      ],
    },
    checklistGate: { source: src },
    kinds: [
      {
        id: 'nsh-assessment-to-long-term',
        title: 'Assessment to the long-term team',
        from: 'Assessment',
        to: 'Long-term team',
        trigger: { events: ['assessment-completed'], description: 'the assessment recommends ongoing work' },
        timing: 'at the handover meeting',
        responsibility: 'Y',
        source: src,
        completion: ['meeting', 'agreed-date'],
      },
    ],
    deadlines: [
      {
        id: 'written-notification',
        rule: 'T-NSH-01',
        source: src,
        what: 'Written notification to the receiving team',
        anchor: 'decidedOn',
        offset: { unit: 'working-days', n: 5 },
        metBy: 'notification',
        onMissed: { kind: 'flag' },
      },
      {
        id: 'handover-meeting',
        rule: 'T-NSH-02',
        source: src,
        what: 'Handover meeting held',
        anchor: 'notifiedOn',
        offset: { unit: 'days', n: 10 },
        metBy: 'meeting-held',
        onMissed: { kind: 'escalate', side: 'receiving', fromRank: 'service-manager', reason: 'handover meeting not held within 10 days' },
      },
    ],
    bounds: [],
    checklist: [
      { itemId: 'nsh-case-summary', title: 'Case summary up to date', section: 'checklist', source: src, appliesWhen: 'all' },
    ],
    rules: [
      { id: 'T-NSH-01', text: 'Written notification within 5 working days of the decision', source: src, use: 'deadline' },
      { id: 'T-NSH-02', text: 'Handover meeting within 10 days of the notification', source: src, use: 'deadline' },
      { id: 'T-NSH-03', text: 'An escalated manager answers within 2 working days', source: src, use: 'information' },
      { id: 'T-NSH-04', text: 'Capacity and record quality are never reasons to refuse', source: src, use: 'information' },
    ],
    settings: {},
  };
}

let env: TestWorkflowEnvironment;
let api: RunningApi;
let worker: Worker;
let running: Promise<void>;
let dir: string;
const previousPolicyDir = process.env.POLICY_DIR;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'policies-'));
  const shipped = shippedPolicyDir();
  for (const name of readdirSync(shipped).filter(isPolicyFile)) copyFileSync(path.join(shipped, name), path.join(dir, name));
  writeFileSync(path.join(dir, 'north-shire.yaml'), YAML.stringify(generatedPolicy()));

  env = await createLocalEnv();
  // The worker reads POLICY_DIR like production does (defaultDeps → loadConfig).
  process.env.POLICY_DIR = dir;
  worker = await createTestWorker(env);
  running = worker.run();
  api = await startApi(
    loadConfig({ TEMPORAL_ADDRESS: env.address, PORT: '0', HOST: '127.0.0.1', AUTH_JWT_SECRET: TEST_SECRET, POLICY_DIR: dir, LOG_LEVEL: 'silent', PAYLOAD_KEYS: TEST_PAYLOAD_KEYS }),
    {},
    // The environment's server as the worker reaches it (the PostgreSQL suite's needs mTLS).
    testTemporalSettings(env),
  );
}, 120_000);

afterAll(async () => {
  if (previousPolicyDir === undefined) delete process.env.POLICY_DIR;
  else process.env.POLICY_DIR = previousPolicyDir;
  await api?.close();
  worker?.shutdown();
  await running;
  await env?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

test('a sixth authority from one new file: listed, previewed, started and completed', async () => {
  const integration = await tokenFor('lcs', ['integration']);
  const transferringTm = await tokenFor('tm-cy', ['team-manager'], ['team-from']);
  const today = londonToday();
  const http = request(api.url);

  const listed = await http.get('/v1/policies').set('Authorization', `Bearer ${integration}`);
  expect(listed.status).toBe(200);
  expect(listed.body.policies.map((p: { authority: string }) => p.authority).sort()).toEqual(
    ['barking-dagenham', 'internal-v11', 'islington', 'north-shire', 'somerset', 'southwark'],
  );
  const policy = await http.get('/v1/policies/north-shire').set('Authorization', `Bearer ${integration}`);
  expect(policy.body).toMatchObject({ code: 'NSH', policyVersion: '2026-11-01.1', versions: [{ policyVersion: '2026-11-01.1', status: 'in-force' }] });

  const body = {
    ...protocolTransfer('north-shire', 'nsh-assessment-to-long-term', { event: 'assessment-completed', date: plusDays(today, 20) }),
    transferId: randomUUID(),
  };
  const preview = await http.post('/v1/transfers/preview').set('Authorization', `Bearer ${integration}`).send(body);
  expect(preview.status).toBe(200);
  expect(preview.body.policyVersion).toBe('2026-11-01.1');
  expect(preview.body.deadlines.map((d: { rule: string }) => d.rule)).toEqual(['T-NSH-01']);

  const started = await http.post('/v1/transfers').set('Authorization', `Bearer ${integration}`).send(body);
  expect(started.status).toBe(201);
  expect(started.body).toMatchObject({ authority: 'north-shire', status: 'identified' });
  expect(started.body.deadlines.map((d: { rule: string }) => d.rule)).toContain('T-NSH-01');

  const notified = await http
    .post(`/v1/transfers/${body.transferId}/notification`)
    .set('Authorization', `Bearer ${transferringTm}`)
    .send({ notifiedOn: today });
  expect(notified.status).toBe(200);
  const handover = notified.body.deadlines.find((d: { rule: string }) => d.rule === 'T-NSH-02');
  expect(handover).toMatchObject({ dueOn: plusDays(today, 10), state: 'pending' });

  const held = await http
    .post(`/v1/transfers/${body.transferId}/meeting`)
    .set('Authorization', `Bearer ${transferringTm}`)
    .send({ status: 'held', on: today, attendees: ['sw-anna', 'tm-di'] });
  expect(held.status).toBe(200);
  expect(held.body.completion).toMatchObject({ how: 'meeting', effectiveOn: today });
  expect(['completed', 'post-transfer']).toContain(held.body.status);
  expect(held.body.deadlines.find((d: { rule: string }) => d.rule === 'T-NSH-02')).toMatchObject({ state: 'met' });
});

test('approvers per kind of exception: a two-sided waiver needs both service managers, a hold the receiving team manager alone', async () => {
  const integration = await tokenFor('lcs', ['integration']);
  const tmFrom = await tokenFor('tm-cy', ['team-manager'], ['team-from']);
  const tmTo = await tokenFor('tm-di', ['team-manager'], ['team-to']);
  const smFrom = await tokenFor('sm-ed', ['service-manager'], ['team-from']);
  const smTo = await tokenFor('sm-gu', ['service-manager'], ['team-to']);
  const today = londonToday();
  const http = request(api.url);
  const body = {
    ...protocolTransfer('north-shire', 'nsh-assessment-to-long-term', { event: 'assessment-completed', date: plusDays(today, 20) }),
    transferId: randomUUID(),
  };
  expect((await http.post('/v1/transfers').set('Authorization', `Bearer ${integration}`).send(body)).status).toBe(201);
  const exceptions = `/v1/transfers/${body.transferId}/exceptions`;
  const approve = (id: string, token: string) => http.post(`${exceptions}/${id}/approval`).set('Authorization', `Bearer ${token}`).send({ decision: 'approve' });

  const waiver = await http.post(exceptions).set('Authorization', `Bearer ${tmFrom}`).send({ kind: 'waive-items', reason: 'on file elsewhere', itemIds: ['nsh-case-summary'] });
  expect(waiver.status).toBe(200);
  const w = waiver.body.exceptions.at(-1);
  expect(w).toMatchObject({ requiredSides: ['transferring', 'receiving'], minRank: 'service-manager', state: 'pending' });
  expect((await approve(w.exceptionId, tmTo)).status).toBe(403);
  const half = await approve(w.exceptionId, smFrom);
  expect(half.status).toBe(200);
  expect(half.body.exceptions.at(-1).state).toBe('pending');
  expect(half.body.regions.exception).toBe('partially-approved');
  const both = await approve(w.exceptionId, smTo);
  expect(both.body.exceptions.at(-1).state).toBe('approved');
  expect(both.body.checklist.find((i: { itemId: string }) => i.itemId === 'nsh-case-summary').state).toBe('waived');

  const hold = await http.post(exceptions).set('Authorization', `Bearer ${tmFrom}`).send({ kind: 'hold', reason: 'the family is abroad for a month' });
  const h = hold.body.exceptions.at(-1);
  expect(h).toMatchObject({ requiredSides: ['receiving'], minRank: 'team-manager', decision: 'any-side', state: 'pending' });
  // The transferring side is not asked.
  expect((await approve(h.exceptionId, tmFrom)).status).toBe(403);
  const held = await approve(h.exceptionId, tmTo);
  expect(held.status).toBe(200);
  expect(held.body.exceptions.at(-1).state).toBe('approved');
  expect(held.body.onHold).toBe(true);
});

test('an authority with no loaded policy is still a 400 naming the field', async () => {
  const integration = await tokenFor('lcs', ['integration']);
  const body = { ...protocolTransfer('south-shire', 'nsh-assessment-to-long-term', { event: 'x', date: londonToday() }), transferId: randomUUID() };
  const res = await request(api.url).post('/v1/transfers/preview').set('Authorization', `Bearer ${integration}`).send(body);
  expect(res.status).toBe(400);
  expect(res.body.errors).toEqual([{ path: 'authority', message: expect.stringMatching(/no policy is loaded for authority 'south-shire'/) }]);
});
