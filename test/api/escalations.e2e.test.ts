// Escalations people raise, end to end on a real Temporal dev server through the API (issue 9's
// "done when": each escalation reason the seeds name can be raised, answered and climbed, per
// authority), plus the signal path an integration uses and the problem answers for bad input.
import request from 'supertest';
import { eventSignals, workflowIdFor, type TransferState } from '../../workflows/definitions';
import { londonToday, plusDays, protocolTransfer, tokenFor } from '../support/fixtures';
import { eventually, expectProblem, startE2E, type E2E } from './helpers';

let e2e: E2E;
let integration: string;
beforeAll(async () => {
  e2e = await startE2E();
  integration = await tokenFor('lcs', ['integration']);
}, 120_000);
afterAll(async () => {
  await e2e?.stop();
});

const today = londonToday();
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
/** The fixtures' people: team managers, service managers and heads of service on each side. */
const person = {
  'tm-cy': ['team-manager', 'team-from'],
  'sm-ed': ['service-manager', 'team-from'],
  'hos-tx': ['head-of-service', 'team-from'],
  'tm-di': ['team-manager', 'team-to'],
  'sm-gu': ['service-manager', 'team-to'],
  'hos-ha': ['head-of-service', 'team-to'],
} as const;
const as = (id: keyof typeof person) => tokenFor(id, [person[id][0]], [person[id][1]]);

type Esc = TransferState['escalations'][number];
const open = (s: TransferState) => s.escalations.filter((e) => e.state === 'open' && (e as Esc & { raised?: unknown }).raised);
const route = (es: Esc[]) => es.map((e) => `${e.to.id}@${e.level}`).sort();

async function start(authority: string, kind: string, event: string) {
  const body = protocolTransfer(authority, kind, { event, date: plusDays(today, 40) });
  const res = await request(e2e.app).post('/v1/transfers').set(auth(integration)).send(body);
  if (res.status !== 201) throw new Error(`start failed ${res.status}: ${res.text}`);
  return body.transferId;
}
async function raise(id: string, who: keyof typeof person, reason: string, extra: object = {}) {
  return request(e2e.app).post(`/v1/transfers/${id}/escalations`).set(auth(await as(who))).send({ reason, note: `raising ${reason}`, ...extra });
}
async function answer(id: string, e: Esc, who: keyof typeof person, decision: string) {
  const res = await request(e2e.app).post(`/v1/transfers/${id}/escalations/${e.escalationId}/response`).set(auth(await as(who))).send({ decision, note: 'for the record' });
  if (res.status !== 200) throw new Error(`answer failed ${res.status}: ${res.text}`);
  return res.body as TransferState;
}

// One row per reason the seeds name: who raises it, where it goes, who says "no agreement", where
// it climbs to (or [] where the policy makes that answer final), and who settles it there.
const CASES: { authority: string; kind: string; event: string; reason: string; by: keyof typeof person; first: string[]; refuser: keyof typeof person; climbed: string[]; settler?: keyof typeof person }[] = [
  { authority: 'islington', kind: 'isl-cin-to-cla', event: 'first-cla-review', reason: 'capacity', by: 'tm-di', first: ['sm-gu@1'], refuser: 'sm-gu', climbed: ['hos-ha@2'], settler: 'hos-ha' },
  { authority: 'islington', kind: 'isl-cin-to-cla', event: 'first-cla-review', reason: 'notice-shortfall', by: 'tm-di', first: ['sm-ed@1', 'sm-gu@1'], refuser: 'sm-ed', climbed: ['hos-ha@2', 'hos-tx@2'], settler: 'hos-tx' },
  { authority: 'islington', kind: 'isl-cin-to-cla', event: 'first-cla-review', reason: 'criteria-dispute', by: 'tm-cy', first: ['sm-ed@1', 'sm-gu@1'], refuser: 'sm-gu', climbed: ['hos-ha@2', 'hos-tx@2'], settler: 'hos-ha' },
  { authority: 'barking-dagenham', kind: 'lbbd-to-cic-longterm', event: 'final-hearing', reason: 'capacity', by: 'tm-cy', first: ['sm-ed@1', 'sm-gu@1'], refuser: 'sm-ed', climbed: ['hos-ha@2', 'hos-tx@2'], settler: 'hos-ha' },
  { authority: 'barking-dagenham', kind: 'lbbd-to-cic-longterm', event: 'final-hearing', reason: 'criteria-dispute', by: 'tm-di', first: ['hos-ha@1', 'hos-tx@1'], refuser: 'hos-tx', climbed: [] },
  { authority: 'somerset', kind: 'som-at-to-sg', event: 'icpc', reason: 'capacity', by: 'tm-di', first: ['sm-ed@1', 'sm-gu@1'], refuser: 'sm-gu', climbed: ['hos-ha@2', 'hos-tx@2'], settler: 'hos-tx' },
  { authority: 'somerset', kind: 'som-area-to-area', event: 'tam', reason: 'disagreement', by: 'tm-cy', first: ['sm-ed@1', 'sm-gu@1'], refuser: 'sm-ed', climbed: [] },
  { authority: 'somerset', kind: 'som-at-to-sg', event: 'icpc', reason: 'no-named-worker', by: 'tm-cy', first: ['sm-gu@1'], refuser: 'sm-gu', climbed: [] },
  { authority: 'internal-v11', kind: 'unn-ai-to-fsp-proceedings', event: 'cmh', reason: 'disagreement', by: 'tm-di', first: ['sm-ed@1', 'sm-gu@1'], refuser: 'sm-gu', climbed: [] },
  { authority: 'internal-v11', kind: 'unn-ai-to-fsp-cin', event: 'cin-six-months', reason: 'capacity', by: 'tm-cy', first: ['sm-gu@1'], refuser: 'sm-gu', climbed: [] },
  { authority: 'southwark', kind: 'swk-ai-to-sfs-cin', event: 'cin-review', reason: 'criteria-dispute', by: 'tm-di', first: ['tm-cy@1'], refuser: 'tm-cy', climbed: ['sm-ed@2'], settler: 'sm-ed' },
  { authority: 'southwark', kind: 'swk-ai-to-sfs-cin', event: 'cin-review', reason: 'no-named-worker', by: 'tm-cy', first: ['hos-ha@1'], refuser: 'hos-ha', climbed: [] },
  { authority: 'southwark', kind: 'swk-ai-to-sfs-cin', event: 'cin-review', reason: 'capacity', by: 'tm-cy', first: ['tm-di@1'], refuser: 'tm-di', climbed: ['sm-gu@2'], settler: 'sm-gu' },
];

describe.each(CASES)('$authority: $reason', (c) => {
  test(`raised by ${c.by}, answered, and climbed where the policy says so`, async () => {
    const id = await start(c.authority, c.kind, c.event);
    const raised = await raise(id, c.by, c.reason);
    expect(raised.status).toBe(200);
    const before = raised.body as TransferState;
    expect(route(open(before))).toEqual(c.first);
    for (const e of open(before)) {
      expect(e).toMatchObject({ reason: c.reason, state: 'open', level: 1 });
      expect(Date.parse(e.respondBy)).toBeGreaterThan(Date.parse(e.raisedAt));
    }
    // INV-2 and R-RESP-1: raising moves nothing; the case stays where it was.
    const listed = (await request(e2e.app).get(`/v1/transfers/${id}`).set(auth(integration))).body as TransferState;
    expect(listed.status).toBe(before.status);
    expect(listed.completion).toBeUndefined();

    const first = open(before).find((e) => e.to.id === c.refuser)!;
    const after = await answer(id, first, c.refuser, 'no agreement');
    expect(after.escalations.find((e) => e.escalationId === first.escalationId)).toMatchObject({ state: 'answered', answer: { by: c.refuser, decision: 'no agreement' } });
    expect(route(open(after).filter((e) => e.level > 1))).toEqual(c.climbed);
    if (c.settler) {
      const top = open(after).find((e) => e.to.id === c.settler)!;
      const settled = await answer(id, top, c.settler, 'agreed');
      expect(open(settled)).toEqual([]);
    }
  });
});

test('a reason the policy does not list is 409 naming the allowed ones; a bad body is 400 naming each field', async () => {
  const id = await start('somerset', 'som-at-to-sg', 'icpc');
  const unlisted = await raise(id, 'tm-di', 'criteria-dispute');
  expectProblem(unlisted, 409);
  expect(unlisted.body.errors).toEqual([expect.objectContaining({ path: 'reason', allowed: ['capacity', 'no-named-worker'] })]);
  const bad = await request(e2e.app).post(`/v1/transfers/${id}/escalations`).set(auth(await as('tm-di'))).send({ reason: 'Capacity!', side: 'middle' });
  expectProblem(bad, 400);
  expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['note', 'reason', 'side']);
  // Someone on neither side may not raise one.
  const stranger = await request(e2e.app).post(`/v1/transfers/${id}/escalations`).set(auth(await tokenFor('tm-xx', ['team-manager'], ['team-elsewhere']))).send({ reason: 'capacity', note: 'x' });
  expectProblem(stranger, 403);
  // Capacity is escalated, never a reason to reject (INV-2).
  const rejected = await request(e2e.app).post(`/v1/transfers/${id}/rejection`).set(auth(await as('tm-di'))).send({ reason: 'CAPACITY' });
  expectProblem(rejected, 409);
});

test('the raiseEscalation signal (for integrations on Temporal) records the same escalation', async () => {
  const id = await start('barking-dagenham', 'lbbd-to-cic-longterm', 'final-hearing');
  const handle = e2e.env.client.workflow.getHandle(workflowIdFor(id));
  await handle.signal(eventSignals.raiseEscalation, {
    actor: { id: 'tm-di', roles: ['team-manager'], sides: ['receiving'], kind: 'person' },
    payload: { reason: 'capacity', note: 'no worker free' },
    eventId: 'sig-1',
  });
  const state = await eventually(
    async () => (await request(e2e.app).get(`/v1/transfers/${id}`).set(auth(integration))).body as TransferState,
    (s) => open(s).length > 0,
  );
  expect(route(open(state))).toEqual(['sm-ed@1', 'sm-gu@1']);
  // Barking and Dagenham's Group Managers decide within 24 hours (T-LBBD-03).
  for (const e of open(state)) expect(Date.parse(e.respondBy) - Date.parse(e.raisedAt)).toBe(24 * 3600_000);
});
