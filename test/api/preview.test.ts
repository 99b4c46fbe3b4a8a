// POST /v1/transfers/preview answers DOMAIN §8 date scenarios over HTTP, starting nothing: the
// client points at a closed port, so a preview that touched Temporal would fail.
import request from 'supertest';
import type { Child, TransferRequest } from '../../workflows/definitions';
import { protocolTransfer, tokenFor } from '../support/fixtures';
import { expectProblem, testApp, unreachableClient } from './helpers';

let app: ReturnType<typeof testApp>;
let token: string;

beforeAll(async () => {
  app = testApp(await unreachableClient(), { temporalTimeoutMs: 1_000 });
  token = await tokenFor('reader', ['social-worker'], []);
});

function body(req: TransferRequest, extra: Record<string, unknown> = {}) {
  const { transferId: _id, ...rest } = req;
  return { ...rest, ...extra };
}

const preview = (b: object) => request(app).post('/v1/transfers/preview').set('Authorization', `Bearer ${token}`).send(b);
const dueOn = (res: request.Response, rule: string) =>
  (res.body.deadlines as { rule: string; dueOn: string }[]).filter((d) => d.rule === rule).map((d) => d.dueOn);

test('ISL-01: window proposed to Thu 24 Dec 2026 with auto-completion at 18:00 London', async () => {
  const req = protocolTransfer('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: '2026-12-17' });
  const res = await preview(body(req, { notifiedOn: '2026-11-16' }));
  expect(res.status).toBe(200);
  expect(res.body.window).toMatchObject({ opensOn: '2026-11-16', endsOn: '2026-12-24' });
  expect(res.body.completion).toMatchObject({ at: '2026-12-24T18:00:00.000Z', how: 'window-end' });
  expect(res.body.checklist.length).toBeGreaterThan(10);
  expect(res.body.checklist[0]).toMatchObject({ state: 'open', appliesBecause: expect.any(String) });
});

test('ISL-03: a 43-day window is refused naming T-ISL-04 and the field', async () => {
  const req = protocolTransfer('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: '2026-12-01' });
  const res = await preview(body(req, { notifiedOn: '2026-11-02', windowEnd: '2026-12-15' }));
  expectProblem(res, 409);
  expect(res.body.errors).toEqual([expect.objectContaining({ path: 'windowEnd', rule: 'T-ISL-04' })]);
  expect((await preview(body(req, { notifiedOn: '2026-11-02', windowEnd: '2026-12-14' }))).status).toBe(200);
});

test('LBBD-03: placement order at 14:00 on 18 Dec 2026: notify by 14:00 next day, transfer by 1 Jan 2027', async () => {
  const req = protocolTransfer('barking-dagenham', 'lbbd-cm-to-adoption', { event: 'placement-order', date: '2026-12-18T14:00:00Z' });
  const res = await preview(body(req));
  expect(res.status).toBe(200);
  expect(dueOn(res, 'T-LBBD-19')).toEqual(['2026-12-19']);
  const transfer = (res.body.deadlines as { rule: string; practicalDueOn: string; due: string }[]).find((d) => d.rule === 'T-LBBD-20');
  expect(transfer).toMatchObject({ dueOn: '2027-01-01', practicalDueOn: '2026-12-31' });
});

test('UNN-01 and UNN-04: working days across Christmas and Easter', async () => {
  const cp = await preview(body(protocolTransfer('internal-v11', 'unn-ai-to-fsp-cp', { event: 'icpc', date: '2026-12-21' })));
  expect(dueOn(cp, 'T-UNN-04')).toEqual(['2027-01-07']);
  const orders = await preview(body(protocolTransfer('internal-v11', 'unn-fsp-to-cla-orders', { event: 'final-hearing', date: '2027-03-24' })));
  expect(dueOn(orders, 'T-UNN-08')).toEqual(['2027-04-09']);
});

test('SWK-01: the CIN review falls 10 working days after the notification email', async () => {
  const req = protocolTransfer('southwark', 'swk-ai-to-sfs-cin', { event: 'cin-review', date: '2026-12-30' });
  expect(dueOn(await preview(body(req, { notifiedOn: '2026-12-14' })), 'T-SWK-02')).toEqual(['2026-12-30']);
});

test('ISL-15: a sibling left out without an exemption is refused', async () => {
  const a: Child = { ref: 'A', dateOfBirth: '2016-01-01', legalStatus: 's20', lookedAfter: true, siblingOf: ['B'] };
  const req = protocolTransfer('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: '2027-01-20' }, { children: [a] });
  const res = await preview(body(req));
  expectProblem(res, 409);
  expect(res.body.rules).toEqual(['R-SIB-ISL-1']);
});

test('a kind the authority does not have is a 400 naming kind', async () => {
  const res = await preview(body(protocolTransfer('somerset', 'isl-cin-to-cla', { event: 'x', date: '2027-01-20' })));
  expectProblem(res, 400);
  expect(res.body.errors).toEqual([expect.objectContaining({ path: 'kind' })]);
});
