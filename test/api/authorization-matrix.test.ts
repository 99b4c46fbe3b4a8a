// The authorisation matrix: every /v1 endpoint × role × the caller's side of the transfer, on a
// real Temporal dev server. Expectations are written here from shared/API.md's "who" column, not
// derived from EVENT_PERMISSIONS, so a wrong entry there (or a wrong check in the API or the
// workflow) shows up as a mismatch. "Allowed" means neither 401 nor 403 (the state may still say
// 409 or 404); "denied" means 403 problem+json.
import request from 'supertest';
import { ROUTE_LIST } from '../../api/routes';
import { londonToday, tokenFor, uniqueId } from '../support/fixtures';
import { eventually, overdueTransferBody, startE2E, transferBody, type E2E } from './helpers';

// API.md: "Management rank rises in that order from line-manager".
const RANKS = ['line-manager', 'team-manager', 'service-manager', 'head-of-service', 'assistant-director', 'director'] as const;
const ROLES = ['integration', 'operator', 'allocated-social-worker', 'social-worker', ...RANKS] as const;
const SIDES = ['transferring', 'receiving', 'other', 'none'] as const;
type Role = (typeof ROLES)[number];
type Side = (typeof SIDES)[number];

const rank = (role: Role) => (RANKS as readonly string[]).indexOf(role);
const manager = (role: Role) => rank(role) >= 0;
const onTeam = (side: Side) => side === 'transferring' || side === 'receiving';
const ALLOCATED_SW = 'sw-anna'; // the allocated social worker in the fixtures' start body

const run = uniqueId('mx');
const TEAM: Record<Side, string[]> = {
  transferring: [`${run}-from`],
  receiving: [`${run}-to`],
  other: [`${run}-elsewhere`],
  none: [],
};
const subOf = (role: Role, side: Side) => (role === 'allocated-social-worker' ? ALLOCATED_SW : `${role}-${side}`);
const token = (role: Role, side: Side) =>
  tokenFor(subOf(role, side), [role === 'allocated-social-worker' ? 'social-worker' : role], TEAM[side]);

/** Set once from GET /v1/policies/islington: the rank and sides exception approval needs. */
let approval: { minRank: Role; sides: Side[] };
/** The escalation open on the escalation fixture (the person escalated to, and their side). */
let escalation: { to: { id: string; role: Role }; side: Side };

interface Row {
  name: string;
  method: 'get' | 'post' | 'delete';
  /** The route template this row exercises (must be a /v1 route of the table). */
  template: string;
  allowed: (role: Role, side: Side, sub: string) => boolean;
  /** Before each cell: the concrete path (creating whatever the cell needs). */
  path: () => Promise<string>;
  body?: () => object;
}

let e2e: E2E;
const today = londonToday();
const fixtures = new Map<string, string>();
const startedBy = () => tokenFor('lcs', ['integration']);

async function startTransfer(body = transferBody({ from: TEAM.transferring[0], to: TEAM.receiving[0] })): Promise<string> {
  const res = await request(e2e.app).post('/v1/transfers').set('Authorization', `Bearer ${await startedBy()}`).send(body);
  if (res.status !== 201) throw new Error(`fixture start failed: ${res.status} ${res.text}`);
  return res.body.transferId as string;
}

/** One transfer per row, so a cell that cancels or rejects cannot change another row's answers. */
async function transferFor(row: string): Promise<string> {
  if (!fixtures.has(row)) fixtures.set(row, await startTransfer());
  return fixtures.get(row)!;
}

async function state(id: string) {
  const res = await request(e2e.app).get(`/v1/transfers/${id}`).set('Authorization', `Bearer ${await startedBy()}`);
  return res.body as {
    checklist: { itemId: string }[];
    exceptions: { exceptionId: string; state: string }[];
    escalations: { escalationId: string; state: string; side: Side; to: { id: string; role: Role } }[];
  };
}

/** A fresh pending exception for every cell: an allowed approval decides the one before. */
async function pendingException(): Promise<string> {
  const id = await transferFor('approval');
  const res = await request(e2e.app)
    .post(`/v1/transfers/${id}/exceptions`)
    .set('Authorization', `Bearer ${await tokenFor('tm-cy', ['team-manager'], TEAM.transferring)}`)
    .send({ kind: 'hold', reason: 'court timetable' });
  if (res.status !== 200) throw new Error(`exception fixture failed: ${res.status} ${res.text}`);
  return `/v1/transfers/${id}/exceptions/${res.body.exceptions.at(-1).exceptionId}/approval`;
}

/** An open escalation for every cell: an allowed answer closes it, so a new overdue transfer is started. */
let escalationTransfer: string | undefined;
async function openEscalation(): Promise<string> {
  const open = async (id: string) => (await state(id)).escalations.find((e) => e.state === 'open');
  let found = escalationTransfer ? await open(escalationTransfer) : undefined;
  if (!found) {
    // The receiving ladder's service manager (sm-gu) is not the matrix's receiving service
    // manager: that one is a peer at the same rank, who may not answer for sm-gu.
    escalationTransfer = await startTransfer(overdueTransferBody({ from: TEAM.transferring[0], to: TEAM.receiving[0] }));
    const id = escalationTransfer;
    found = (await eventually(() => open(id), (e) => e !== undefined)) ?? undefined;
    if (!found) throw new Error('the overdue fixture raised no escalation');
  }
  escalation = { to: found.to, side: found.side };
  return `/v1/transfers/${escalationTransfer}/escalations/${found.escalationId}/response`;
}

const byTeamManagerEitherSide = (role: Role, side: Side) => manager(role) && onTeam(side);
const rows: Row[] = [
  {
    name: 'start',
    method: 'post',
    template: '/v1/transfers',
    allowed: (role, side) => role === 'integration' || byTeamManagerEitherSide(role, side),
    path: async () => '/v1/transfers',
    body: () => transferBody({ from: TEAM.transferring[0], to: TEAM.receiving[0] }),
  },
  {
    name: 'preview',
    method: 'post',
    template: '/v1/transfers/preview',
    allowed: () => true,
    path: async () => '/v1/transfers/preview',
    body: () => transferBody(),
  },
  {
    name: 'read',
    method: 'get',
    template: '/v1/transfers/{id}',
    allowed: (role, side) => role === 'operator' || role === 'integration' || onTeam(side),
    path: async () => `/v1/transfers/${await transferFor('read')}`,
  },
  {
    name: 'list',
    method: 'get',
    template: '/v1/transfers',
    allowed: (role) => role === 'operator' || role === 'integration' || manager(role),
    path: async () => `/v1/transfers?team=${TEAM.transferring[0]}`,
  },
  { name: 'policies', method: 'get', template: '/v1/policies', allowed: () => true, path: async () => '/v1/policies' },
  { name: 'policy', method: 'get', template: '/v1/policies/{authority}', allowed: () => true, path: async () => '/v1/policies/southwark' },
  {
    name: 'notification',
    method: 'post',
    template: '/v1/transfers/{id}/notification',
    allowed: (role, side) => manager(role) && side === 'transferring',
    path: async () => `/v1/transfers/${await transferFor('notification')}/notification`,
    body: () => ({ notifiedOn: today }),
  },
  {
    name: 'acknowledgement',
    method: 'post',
    template: '/v1/transfers/{id}/acknowledgement',
    allowed: (role, side) => manager(role) && side === 'receiving',
    path: async () => `/v1/transfers/${await transferFor('acknowledgement')}/acknowledgement`,
    body: () => ({}),
  },
  {
    name: 'allocation',
    method: 'post',
    template: '/v1/transfers/{id}/allocation',
    allowed: (role, side) => manager(role) && side === 'receiving',
    path: async () => `/v1/transfers/${await transferFor('allocation')}/allocation`,
    body: () => ({ receivingSocialWorker: { id: 'sw-new', role: 'social-worker' } }),
  },
  ...(['post', 'delete'] as const).map(
    (method): Row => ({
      name: `checklist ${method}`,
      method,
      template: '/v1/transfers/{id}/checklist/{itemId}',
      allowed: (role, side) => onTeam(side) && (manager(role) || role === 'allocated-social-worker'),
      path: async () => {
        const id = await transferFor(`checklist ${method}`);
        return `/v1/transfers/${id}/checklist/${(await state(id)).checklist[0].itemId}`;
      },
      body: () => (method === 'post' ? { note: 'chronology updated' } : { reason: 'needs another look' }),
    }),
  ),
  {
    name: 'meeting',
    method: 'post',
    template: '/v1/transfers/{id}/meeting',
    allowed: (role, side) => onTeam(side) && (manager(role) || role === 'allocated-social-worker'),
    path: async () => `/v1/transfers/${await transferFor('meeting')}/meeting`,
    body: () => ({ status: 'scheduled', on: today }),
  },
  {
    name: 'exception request',
    method: 'post',
    template: '/v1/transfers/{id}/exceptions',
    allowed: byTeamManagerEitherSide,
    path: async () => `/v1/transfers/${await transferFor('exception request')}/exceptions`,
    body: () => ({ kind: 'hold', reason: 'court timetable' }),
  },
  {
    name: 'exception approval',
    method: 'post',
    template: '/v1/transfers/{id}/exceptions/{exceptionId}/approval',
    allowed: (role, side) =>
      manager(role) && onTeam(side) && approval.sides.includes(side) && rank(role) >= rank(approval.minRank),
    path: pendingException,
    body: () => ({ decision: 'reject', note: 'not this time' }),
  },
  {
    name: 'escalation response',
    method: 'post',
    template: '/v1/transfers/{id}/escalations/{escalationId}/response',
    // "the person escalated to, or anyone above them": above on the same side's ladder.
    allowed: (role, side, sub) =>
      manager(role) && side === escalation.side && (sub === escalation.to.id || rank(role) > rank(escalation.to.role)),
    path: openEscalation,
    body: () => ({ decision: 'agreed', note: 'acknowledgement chased' }),
  },
  {
    // A reason Islington lets either side raise; a repeat while one is open is 409, not 403.
    name: 'raise escalation',
    method: 'post',
    template: '/v1/transfers/{id}/escalations',
    allowed: (role, side) => onTeam(side) && (manager(role) || role === 'allocated-social-worker'),
    path: async () => `/v1/transfers/${await transferFor('raise escalation')}/escalations`,
    body: () => ({ reason: 'criteria-dispute', note: 'the threshold is disputed' }),
  },
  {
    name: 'decision',
    method: 'post',
    template: '/v1/transfers/{id}/decision',
    allowed: byTeamManagerEitherSide,
    path: async () => `/v1/transfers/${await transferFor('decision')}/decision`,
    body: () => ({ on: today }),
  },
  {
    name: 'trigger',
    method: 'post',
    template: '/v1/transfers/{id}/trigger',
    allowed: (role, side) => role === 'integration' || byTeamManagerEitherSide(role, side),
    path: async () => `/v1/transfers/${await transferFor('trigger')}/trigger`,
    body: () => ({ event: 'first-hearing', on: today }),
  },
  {
    name: 'remediation items',
    method: 'post',
    template: '/v1/transfers/{id}/remediation',
    allowed: (role, side) => manager(role) && side === 'receiving',
    path: async () => `/v1/transfers/${await transferFor('remediation items')}/remediation`,
    body: () => ({ items: [{ itemId: 'defect-1', description: 'chronology missing 2024' }] }),
  },
  {
    name: 'remediation fix',
    method: 'post',
    template: '/v1/transfers/{id}/remediation',
    allowed: (role, side) => manager(role) && side === 'transferring',
    path: async () => `/v1/transfers/${await transferFor('remediation fix')}/remediation`,
    body: () => ({ itemId: 'defect-1' }),
  },
  {
    name: 'cancellation',
    method: 'post',
    template: '/v1/transfers/{id}/cancellation',
    allowed: (role, side) => role === 'integration' || byTeamManagerEitherSide(role, side),
    path: async () => `/v1/transfers/${await transferFor('cancellation')}/cancellation`,
    body: () => ({ reason: 'duplicate referral' }),
  },
  {
    // Not in API.md's table; the route table documents it as the receiving manager side's.
    name: 'rejection',
    method: 'post',
    template: '/v1/transfers/{id}/rejection',
    allowed: (role, side) => manager(role) && side === 'receiving',
    path: async () => `/v1/transfers/${await transferFor('rejection')}/rejection`,
    body: () => ({ reason: 'CRITERIA_NOT_MET' }),
  },
  {
    // Managers of either side reach the workflow; the rank and side the policy names are checked there
    // (this fixture's kind has no manual step, so an allowed cell is a 409, never a 403).
    name: 'completion',
    method: 'post',
    template: '/v1/transfers/{id}/completion',
    allowed: byTeamManagerEitherSide,
    path: async () => `/v1/transfers/${await transferFor('completion')}/completion`,
    body: () => ({ on: '2026-12-01' }),
  },
];

let cells = 0;

beforeAll(async () => {
  e2e = await startE2E();
  const policy = await request(e2e.app).get('/v1/policies/islington').set('Authorization', `Bearer ${await startedBy()}`);
  approval = policy.body.exceptionApproval;
  expect(RANKS).toContain(approval.minRank);
}, 120_000);

afterAll(async () => {
  await e2e?.stop();
  // Printed so the matrix size is visible in the run's output.
  console.log(`authorisation matrix: ${rows.length} endpoints × ${ROLES.length} roles × ${SIDES.length} sides = ${cells} cells`);
});

test('the matrix covers every authenticated route', () => {
  const routes = ROUTE_LIST.filter((r) => r.auth).map((r) => `${r.method} ${r.path}`);
  expect([...new Set(rows.map((r) => `${r.method} ${r.template}`))].sort()).toEqual([...routes].sort());
});

test('the person escalated to may answer; the same person off the transfer\'s teams may not', async () => {
  const path = await openEscalation();
  expect(escalation.to).toMatchObject({ id: 'sm-gu', role: 'service-manager' });
  const outsider = await tokenFor('sm-gu', ['service-manager'], TEAM.other);
  expect((await request(e2e.app).post(path).set('Authorization', `Bearer ${outsider}`).send({ decision: 'agreed', note: 'x' })).status).toBe(403);
  const person = await tokenFor('sm-gu', ['service-manager'], TEAM.receiving);
  const res = await request(e2e.app).post(path).set('Authorization', `Bearer ${person}`).send({ decision: 'agreed', note: 'on it' });
  expect(res.status).toBe(200);
  expect(res.body.escalations.find((e: { to: { id: string } }) => e.to.id === 'sm-gu')).toMatchObject({
    state: 'answered',
    answer: { by: 'sm-gu', decision: 'agreed' },
  });
});

test.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
  const mismatches: string[] = [];
  for (const role of ROLES) {
    for (const side of SIDES) {
      const path = await row.path();
      const expectAllowed = row.allowed(role, side, subOf(role, side));
      let req = request(e2e.app)[row.method](path).set('Authorization', `Bearer ${await token(role, side)}`);
      if (row.body) req = req.send(row.body());
      const res = await req;
      cells += 1;
      const denied = res.status === 403 && /^application\/problem\+json/.test(res.headers['content-type'] ?? '');
      const ok = expectAllowed ? res.status !== 401 && res.status !== 403 && res.status < 500 : denied;
      if (!ok) mismatches.push(`${role} × ${side}: expected ${expectAllowed ? 'allowed' : '403'}, got ${res.status} ${res.text.slice(0, 160)}`);
    }
  }
  expect(mismatches).toEqual([]);
}, 120_000);
