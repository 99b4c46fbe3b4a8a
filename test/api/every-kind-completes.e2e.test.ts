// Issue 9 part A through the API on a real Temporal dev server: every kind of every loaded policy
// reaches completed (by its meeting, or its manual step), a refused completion is a 409 naming the
// rule and the earliest or latest valid date, start and preview warn about a planned trigger date
// that breaks a rule, and an unknown trigger event is a 400 naming the allowed ones.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import request from 'supertest';
import type { createApp } from '../../api/app';
import { policiesFrom } from '../../activities/policy/registry';
import { londonToday, plusDays, protocolTransfer, tokenFor } from '../support/fixtures';
import { createLocalEnv, createTestWorker } from '../support/temporal';
import { testApp } from './helpers';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let app: ReturnType<typeof createApp>;
const today = londonToday();
const TEAMS = ['team-from', 'team-to'];
let tm: string;
let sw: string;
let hos: { transferring: string; receiving: string };

beforeAll(async () => {
  env = await createLocalEnv();
  worker = await createTestWorker(env);
  running = worker.run();
  app = testApp(env.client);
  tm = await tokenFor('tm-cy', ['team-manager'], TEAMS);
  sw = await tokenFor('sw-anna', ['social-worker'], ['team-from']);
  hos = { transferring: await tokenFor('hos-tx', ['head-of-service'], ['team-from']), receiving: await tokenFor('hos-ha', ['head-of-service'], ['team-to']) };
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

const post = (path: string, token: string, body: unknown) => request(app).post(path).set('Authorization', `Bearer ${token}`).send(body as object);

const KINDS = policiesFrom().allInForce(today).flatMap((p) =>
  p.kinds.filter((k) => !k.outOfScope).map((k) => [p.authority, k.id, k.trigger.events[0], k.completion.includes('manual') ? 'manual' : 'meeting'] as const),
);

test('the policies have kinds of every completion', () => {
  expect(KINDS.length).toBeGreaterThan(60);
  expect(new Set(KINDS.map((k) => k[3]))).toEqual(new Set(['manual', 'meeting']));
});

test.each(KINDS)('%s %s reaches completed through the API (%s, by %s)', async (authority, kind, event, by) => {
  // A young person about to turn 18, so that age rules (e.g. Leaving Care after 18) have a date inside the calendar.
  const children = [{ ref: 'C-1', dateOfBirth: plusDays(today, -(18 * 365 + 4)), legalStatus: 's20', lookedAfter: true }];
  const body = protocolTransfer(authority, kind, { event, date: today }, { children });
  const id = body.transferId;
  const started = await post('/v1/transfers', tm, body);
  expect(started.status).toBe(201);
  let state = started.body;
  if (state.status === 'blocked' && state.blocked.by === 'decision') state = (await post(`/v1/transfers/${id}/decision`, tm, { on: today })).body;
  if (state.status === 'blocked' && state.blocked.by === 'checklist-item') {
    state = (await post(`/v1/transfers/${id}/checklist/${state.blocked.itemId}`, tm, {})).body;
  }
  // A window opens at the notification; a notice rule (Southwark's 10 working days) counts from it.
  const policy = policiesFrom().inForce(authority, today);
  const noticeCounted = policy.bounds.some((b) => b.check.kind === 'at-least' && b.check.anchor === 'notifiedOn' && b.severity === 'refuse');
  if (((policy.window && !state.window && kind !== 'isl-rereferral' && by === 'meeting') || noticeCounted) && !state.notifiedOn) {
    const notified = await post(`/v1/transfers/${id}/notification`, tm, { notifiedOn: today });
    expect(notified.status).toBe(200);
    state = notified.body;
  }
  const blocking = (state.checklist as { itemId: string; blocking: boolean; state: string }[]).filter((i) => i.blocking && i.state === 'open').map((i) => i.itemId);
  if (blocking.length) {
    const asked = await post(`/v1/transfers/${id}/exceptions`, tm, { kind: 'waive-items', reason: 'test: items done outside the service', itemIds: blocking });
    expect(asked.status).toBe(200);
    const exceptionId = asked.body.exceptions.at(-1).exceptionId;
    for (const side of ['transferring', 'receiving'] as const) {
      const approved = await post(`/v1/transfers/${id}/exceptions/${exceptionId}/approval`, hos[side], { decision: 'approve' });
      expect(approved.status).toBe(200);
    }
  }
  // The first date tried may break a date rule: the 409 names the rule and the date it would accept.
  let on = today;
  let res = await complete(id, by, on);
  for (let attempt = 0; res.status === 409 && attempt < 3; attempt++) {
    const bound = (res.body.errors ?? []).find((e: { earliestOn?: string; latestOn?: string }) => e.earliestOn || e.latestOn);
    expect(bound).toEqual(expect.objectContaining({ rule: expect.any(String), path: 'on' }));
    on = bound.earliestOn ?? bound.latestOn;
    res = await complete(id, by, on);
  }
  if (res.status !== 200) throw new Error(`${kind}: ${res.status} ${res.text}`);
  expect(['completed', 'post-transfer']).toContain(res.body.status);
  expect(res.body.completion).toMatchObject({ how: by, effectiveOn: on });
}, 30_000);

function complete(id: string, by: 'manual' | 'meeting', on: string) {
  return by === 'manual' ? post(`/v1/transfers/${id}/completion`, tm, { on }) : post(`/v1/transfers/${id}/meeting`, tm, { status: 'held', on, attendees: ['sw-anna'] });
}

test('Southwark: a CIN review inside the notice period is a 409 naming the rule and the earliest valid date, and start and preview warn of it', async () => {
  const notifiedOn = '2026-12-18';
  const body = protocolTransfer('southwark', 'swk-ai-to-sfs-cin', { event: 'cin-review', date: '2026-12-29' }, { notifiedOn });
  const preview = await post('/v1/transfers/preview', tm, body);
  expect(preview.status).toBe(200);
  expect(preview.body.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'T-SWK-01', earliestOn: '2027-01-06' })]));
  const started = await post('/v1/transfers', tm, body);
  expect(started.body.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'T-SWK-01', earliestOn: '2027-01-06' })]));
  const refused = await post(`/v1/transfers/${body.transferId}/trigger`, tm, { event: 'cin-review', on: '2026-12-29' });
  expect(refused.status).toBe(409);
  expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'on', rule: 'T-SWK-01', earliestOn: '2027-01-06' })]);
  const unknown = await post(`/v1/transfers/${body.transferId}/trigger`, tm, { event: 'cin-reveiw', on: '2027-01-06' });
  expect(unknown.status).toBe(400);
  expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'event', allowed: expect.arrayContaining(['network-meeting', 'cin-review']) })]);
  const manual = await post(`/v1/transfers/${body.transferId}/completion`, tm, { on: '2027-01-06' });
  expect(manual.status).toBe(409);
  const done = await post(`/v1/transfers/${body.transferId}/trigger`, tm, { event: 'cin-review', on: '2027-01-06' });
  expect(done.status).toBe(200);
  expect(done.body.completion).toMatchObject({ how: 'trigger-event', effectiveOn: '2027-01-06' });
});

test('a manual completion by a social worker is a 403; a start with an event the kind does not know is a 400', async () => {
  const body = protocolTransfer('southwark', 'swk-hospital', { event: 'hospital-referral', date: today });
  expect((await post('/v1/transfers', tm, body)).status).toBe(201);
  expect((await post(`/v1/transfers/${body.transferId}/completion`, sw, { on: today })).status).toBe(403);
  const bad = await post('/v1/transfers', tm, protocolTransfer('southwark', 'swk-hospital', { event: 'hospital', date: today }));
  expect(bad.status).toBe(400);
  expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'trigger.event', allowed: ['hospital-referral'] })]);
});

test('a meeting held on a blocked transfer is a 409 whose error names the blocking rule', async () => {
  const children = [{ ref: 'PF-1', dateOfBirth: '2012-05-05', legalStatus: 's47', lookedAfter: false, facts: { cpPlan: true } }];
  const body = protocolTransfer('barking-dagenham', 'lbbd-private-fostering', { event: 'private-fostering-identified', date: today }, { children });
  const started = await post('/v1/transfers', tm, body);
  expect(started.body).toMatchObject({ status: 'blocked', blocked: { rule: 'R-BLK-LBBD-PF' } });
  const held = await post(`/v1/transfers/${body.transferId}/meeting`, tm, { status: 'held', on: today, attendees: ['tm-cy'] });
  expect(held.status).toBe(409);
  expect(held.body.rules).toEqual(['R-BLK-LBBD-PF']);
  expect(held.body.errors).toEqual([expect.objectContaining({ path: '(body)', rule: 'R-BLK-LBBD-PF' })]);
});
