// GET /v1/policies/{authority} from a policy folder with several versions of one authority: the
// version in force today, with the earlier ones (running transfers may still use them) and any
// that take effect later.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import YAML from 'yaml';
import { createPolicyService } from '../../api/policy-service';
import { loadCalendar } from '../../activities/policy/calendar/calendar';
import { loadPolicyFolder, shippedPolicyDir } from '../../activities/policy/registry';
import { londonToday, plusDays, protocolTransfer, tokenFor } from '../support/fixtures';
import { testApp, unreachableClient } from './helpers';

const today = londonToday();
let dir: string;
let app: ReturnType<typeof testApp>;

function version(policyVersion: string, effectiveFrom: string, decisionClockDays: number): string {
  const p = YAML.parse(readFileSync(path.join(shippedPolicyDir(), 'somerset.yaml'), 'utf8'));
  p.policyVersion = policyVersion;
  p.effectiveFrom = effectiveFrom;
  for (const d of p.deadlines) if (d.rule === 'T-SOM-02') d.offset.n = decisionClockDays;
  return YAML.stringify(p);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'policies-'));
  const v = (d: number) => plusDays(today, d);
  writeFileSync(path.join(dir, 'somerset-1.yaml'), version(`${v(-60)}.1`, v(-60), 14));
  writeFileSync(path.join(dir, 'somerset-2.yaml'), version(`${v(-10)}.1`, v(-10), 12));
  writeFileSync(path.join(dir, 'somerset-3.yaml'), version(`${v(30)}.1`, v(30), 10));
  app = testApp(await unreachableClient(), { policies: createPolicyService(loadCalendar(), loadPolicyFolder(dir)) });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('shows the version in force, the earlier one and the one to come', async () => {
  const token = await tokenFor('anyone', ['social-worker']);
  const res = await request(app).get('/v1/policies/somerset').set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(200);
  expect(res.body.policyVersion).toBe(`${plusDays(today, -10)}.1`);
  expect(res.body.versions).toEqual([
    { policyVersion: `${plusDays(today, -60)}.1`, effectiveFrom: plusDays(today, -60), supersededOn: plusDays(today, -10), status: 'earlier' },
    { policyVersion: `${plusDays(today, -10)}.1`, effectiveFrom: plusDays(today, -10), supersededOn: plusDays(today, 30), status: 'in-force' },
    { policyVersion: `${plusDays(today, 30)}.1`, effectiveFrom: plusDays(today, 30), status: 'scheduled' },
  ]);
  const list = await request(app).get('/v1/policies').set('Authorization', `Bearer ${token}`);
  expect(list.body.policies).toEqual([expect.objectContaining({ authority: 'somerset', policyVersion: `${plusDays(today, -10)}.1` })]);
});

test('a preview uses the version in force today', async () => {
  const token = await tokenFor('lcs', ['integration']);
  const body = { ...protocolTransfer('somerset', 'som-at-to-sg', { event: 'icpc', date: plusDays(today, 5) }), decidedOn: today };
  const res = await request(app).post('/v1/transfers/preview').set('Authorization', `Bearer ${token}`).send(body);
  expect(res.status).toBe(200);
  expect(res.body.policyVersion).toBe(`${plusDays(today, -10)}.1`);
  expect(res.body.deadlines.find((d: { rule: string }) => d.rule === 'T-SOM-02').dueOn).toBe(plusDays(today, 12));
});

test('an authority that is not loaded is 400 in a body or a query, and 404 as a policy', async () => {
  const token = await tokenFor('lcs', ['integration']);
  const body = { ...protocolTransfer('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: today }), children: [] };
  const res = await request(app).post('/v1/transfers/preview').set('Authorization', `Bearer ${token}`).send(body);
  expect(res.status).toBe(400);
  expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['authority', 'children']);
  const list = await request(app).get('/v1/transfers?authority=islington').set('Authorization', `Bearer ${token}`);
  expect(list.status).toBe(400);
  expect(list.body.errors).toEqual([{ path: 'query.authority', message: expect.stringMatching(/no policy is loaded/) }]);
  expect((await request(app).get('/v1/policies/islington').set('Authorization', `Bearer ${token}`)).status).toBe(404);
});
