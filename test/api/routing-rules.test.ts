// GET /v1/policies/{authority} shows no routing rule as if it were enforced when it is not (issue 9
// item 6): every routing rule says automated true or false with how (or why not), and the ones
// marked automated are exactly those a mechanism of the engine cites. Also the escalations people
// may raise, with their routes, are shown.
import request from 'supertest';
import { tokenFor } from '../support/fixtures';
import { testApp, unreachableClient } from './helpers';

const AUTHORITIES = ['islington', 'barking-dagenham', 'somerset', 'internal-v11', 'southwark'];
// Completion into the receiving team's queue (completion.receiver team-queue) is the engine's own
// routing, not cited by a rule id in the policy data, so these are named here.
const TEAM_QUEUE_RULES = ['R-RESP-ISL-AUTO', 'T-SOM-03', 'R-RESP-SOM-TRAY', 'R-RESP-SWK-AP'];
// The same rule under its DOMAIN §7.4 id, where the policy data cites its §4 id.
const SAME_RULE: Record<string, string> = { 'R-CAN-ISL-RETURN': 'T-ISL-12', 'R-BLK-UNN-CMH': 'T-UNN-07' };

interface Rule {
  id: string;
  use: string;
  automated?: boolean;
  how?: string;
}
interface PolicyAnswer {
  rules: Rule[];
  kinds: { cancellingOutcomes?: { rule: string }[]; blockedUntil?: { rule: string } }[];
  bounds?: { rule: string; check: { kind: string } }[];
  raisedEscalations: { reason: string; rule: string; to: string[]; fromRank: string; noAgreement: string; automatic?: object }[];
}

let app: ReturnType<typeof testApp>;
let token: string;
beforeAll(async () => {
  app = testApp(await unreachableClient());
  token = await tokenFor('anyone', ['social-worker']);
});

describe.each(AUTHORITIES)('%s', (authority) => {
  let policy: PolicyAnswer;
  beforeAll(async () => {
    const res = await request(app).get(`/v1/policies/${authority}`).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    policy = res.body as PolicyAnswer;
  });

  test('every routing rule says whether it is enforced, and how or why not', () => {
    const routing = policy.rules.filter((r) => r.use === 'routing');
    expect(routing.length).toBeGreaterThan(0);
    for (const r of routing) {
      expect([r.id, typeof r.automated]).toEqual([r.id, 'boolean']);
      expect(r.how?.length ?? 0).toBeGreaterThan(20);
    }
  });

  test('the rules marked automated are exactly those an engine mechanism enforces', () => {
    const cited = new Set<string>([
      ...policy.kinds.flatMap((k) => (k.cancellingOutcomes ?? []).map((c) => c.rule)),
      ...policy.kinds.flatMap((k) => (k.blockedUntil ? [k.blockedUntil.rule] : [])),
      ...TEAM_QUEUE_RULES,
      // The completion guard's early-transfer bound holds a case with its team until a named event.
      ...(policy.bounds ?? []).filter((b) => b.check.kind === 'early-transfer').map((b) => b.rule),
      // Escalations the workflow raises itself (Southwark's Head of QA notice).
      ...policy.raisedEscalations.filter((e) => e.automatic).map((e) => e.rule),
    ]);
    // The schedule engine checks the first R-SIB routing rule (siblings in the transfer or exempted).
    const sibling = policy.rules.find((r) => r.id.startsWith('R-SIB-') && r.use === 'routing');
    if (sibling) cited.add(sibling.id);
    for (const [alias, id] of Object.entries(SAME_RULE)) if (cited.has(id)) cited.add(alias);
    const routing = policy.rules.filter((r) => r.use === 'routing');
    expect(routing.filter((r) => r.automated).map((r) => r.id)).toEqual(routing.filter((r) => cited.has(r.id)).map((r) => r.id));
  });

  test('the escalations people raise are listed with their route', () => {
    expect(policy.raisedEscalations.length).toBeGreaterThan(0);
    expect(policy.raisedEscalations.map((e) => e.reason)).toContain(authority === 'barking-dagenham' || authority === 'islington' ? 'criteria-dispute' : authority === 'internal-v11' || authority === 'somerset' ? 'disagreement' : 'no-named-worker');
    for (const e of policy.raisedEscalations) {
      expect(policy.rules.map((r) => r.id)).toContain(e.rule);
      expect(e.to.length).toBeGreaterThan(0);
    }
  });
});

test('capacity is raisable wherever the policy forbids it as a rejection (INV-2: escalated instead)', async () => {
  for (const authority of AUTHORITIES) {
    const res = await request(app).get(`/v1/policies/${authority}`).set('Authorization', `Bearer ${token}`);
    const forbidsCapacity = (res.body.rejection.forbidden as { reason: string }[]).some((f) => f.reason === 'CAPACITY');
    expect([authority, forbidsCapacity, (res.body.raisedEscalations as { reason: string }[]).some((e) => e.reason === 'capacity')]).toEqual([authority, true, true]);
  }
});
