// DOMAIN §8 scenarios through the HTTP API on a real Temporal dev server (the engine side runs in
// test/activities/policy/scenarios.test.ts). Those whose dates need a clock to pass are moved
// relative to the server's clock (a window that ended yesterday, a deadline that fell due last
// week), keeping the scenario's spans; the scenario's own fixed dates are checked where the API
// takes them without a clock (preview). Also the two Islington meeting rules: the transfer meeting
// is not the trigger event's meeting (R-BLK-ISL-SAMEMEETING), and the TAM booking cut-off (T-ISL-26).
import { DateTime } from 'luxon';
import request from 'supertest';
import { loadCalendar } from '../../activities/policy/calendar/calendar';
import type { TransferRequest, TransferState } from '../../workflows/definitions';
import { londonToday, plusDays, protocolTransfer, tokenFor } from '../support/fixtures';
import { eventually, expectProblem, startE2E, type E2E } from './helpers';

let e2e: E2E;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  e2e = await startE2E();
  tokens.integration = await tokenFor('lcs', ['integration']);
  for (const [id, [role, team]] of Object.entries(PEOPLE)) tokens[id] = await tokenFor(id, [role], [team]);
}, 120_000);
afterAll(async () => {
  await e2e?.stop();
});

/** The fixtures' people (protocolTransfer's chains) and the social worker. */
const PEOPLE = {
  'sw-anna': ['social-worker', 'team-from'],
  'tm-cy': ['team-manager', 'team-from'],
  'hos-tx': ['head-of-service', 'team-from'],
  'tm-di': ['team-manager', 'team-to'],
  'hos-ha': ['head-of-service', 'team-to'],
} as const;
type Who = keyof typeof PEOPLE | 'integration';

const today = londonToday();
const calendar = loadCalendar();
const post = (path: string, who: Who, body: object) => request(e2e.app).post(path).set('Authorization', `Bearer ${tokens[who]}`).send(body);
const read = async (id: string) => (await request(e2e.app).get(`/v1/transfers/${id}`).set('Authorization', `Bearer ${tokens.integration}`)).body as TransferState;
const preview = (req: TransferRequest) => {
  const { transferId: _id, ...body } = req;
  return post('/v1/transfers/preview', 'integration', body);
};
/** 18:00 London on a date, as the instant the API shows. */
const at1800 = (date: string) => DateTime.fromISO(`${date}T18:00`, { zone: 'Europe/London' }).toUTC().toISO()!;

async function start(req: TransferRequest): Promise<string> {
  const res = await post('/v1/transfers', 'integration', req);
  if (res.status !== 201) throw new Error(`start failed ${res.status}: ${res.text}`);
  return req.transferId!;
}
async function ok(res: request.Test | request.Response): Promise<TransferState> {
  const r = await res;
  if (r.status !== 200) throw new Error(`expected 200, got ${r.status}: ${r.text.slice(0, 800)}`);
  return r.body as TransferState;
}
/** A 409 for a rule, with its error naming the field, the rule and the date it allows. */
async function refused(res: request.Test, error: Record<string, unknown>) {
  const r = await res;
  expectProblem(r, 409);
  expect(r.body.errors).toEqual(expect.arrayContaining([expect.objectContaining(error)]));
  return r;
}

describe('Islington', () => {
  test('ISL-02: the scenario window (2 Nov to Mon 14 Dec 2026) completes at 18:00 London on 14 Dec', async () => {
    const req = protocolTransfer('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: '2026-12-01' }, { notifiedOn: '2026-11-02', windowEnd: '2026-12-14' });
    const res = await ok(preview(req));
    expect(res.completion).toMatchObject({ at: '2026-12-14T18:00:00.000Z', effectiveOn: '2026-12-14', how: 'window-end' });
  });

  test.each([
    ['an identified receiving social worker', true],
    ['no receiving social worker: the receiving team manager’s queue', false],
  ])('ISL-02: with no meeting, a window that ended yesterday auto-completes at its end to %s', async (_label, identified) => {
    const notifiedOn = plusDays(today, -42);
    const windowEnd = plusDays(today, -1);
    const receivingSocialWorker = { id: 'sw-rae', role: 'social-worker' };
    const base = protocolTransfer('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: plusDays(notifiedOn, 29) }, { notifiedOn, windowEnd });
    const req = identified ? { ...base, people: { ...base.people, receivingSocialWorker } } : base;
    const id = await start(req);
    const state = await eventually(() => read(id), (s) => Boolean(s.completion));
    expect(state.completion).toMatchObject({ how: 'window-end', effectiveOn: windowEnd, receiver: identified ? 'worker' : 'team-queue' });
    // Started after its window ended, it completes as soon as it runs, effective on the window's last day.
    expect(Date.parse(state.completion!.at)).toBeGreaterThanOrEqual(Date.parse(at1800(windowEnd)));
    if (identified) {
      expect(state.completion?.receivingSocialWorker).toMatchObject({ id: 'sw-rae' });
      expect(state.status).toBe('completed');
    } else {
      expect(state.completion?.receivingSocialWorker).toBeUndefined();
      expect(state.status).toBe('post-transfer');
    }
    // The sending worker held the case up to that moment (R-RESP-1): nothing else moved it.
    expect(state.people.allocatedSocialWorker.id).toBe('sw-anna');
    const events = state.history.filter((h) => h.outcome === 'accepted').map((h) => h.event);
    expect(events.filter((e) => e !== 'started' && !e.startsWith('timer:'))).toEqual([]);
    expect(events.filter((e) => e === 'timer:completion')).toHaveLength(1);
  });

  test('ISL-05: the scenario dates: acknowledgement due Wed 3 Mar 2027, escalated from Thu 4 Mar; the window stays to Mon 12 Apr', async () => {
    const req = protocolTransfer('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: '2027-04-05' }, { notifiedOn: '2027-03-01', windowEnd: '2027-04-12' });
    const res = await ok(preview(req));
    expect(res.deadlines.find((d) => d.rule === 'T-ISL-07')).toMatchObject({ dueOn: '2027-03-03', due: '2027-03-04T00:00:00.000Z' });
    expect(res.window).toMatchObject({ opensOn: '2027-03-01', endsOn: '2027-04-12' });
    expect(res.completion).toMatchObject({ effectiveOn: '2027-04-12', how: 'window-end' });
  });

  test('ISL-05: a missed acknowledgement escalates to the receiving service manager; acknowledging late moves no window and resolves it', async () => {
    const notifiedOn = plusDays(today, -14);
    const windowEnd = plusDays(notifiedOn, 42);
    const id = await start(protocolTransfer('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: plusDays(notifiedOn, 35) }, { notifiedOn, windowEnd }));
    const escalated = await eventually(() => read(id), (s) => s.escalations.length > 0);
    const ack = escalated.deadlines.find((d) => d.rule === 'T-ISL-07')!;
    expect(ack).toMatchObject({ dueOn: calendar.addWorkingDays(notifiedOn, 2), state: 'missed' });
    expect(escalated.escalations).toEqual([expect.objectContaining({ deadlineId: ack.id, to: expect.objectContaining({ id: 'sm-gu', role: 'service-manager' }), state: 'open' })]);
    expect(Date.parse(escalated.escalations[0].raisedAt)).toBeGreaterThanOrEqual(Date.parse(ack.due));

    const acknowledged = await ok(post(`/v1/transfers/${id}/acknowledgement`, 'tm-di', {}));
    expect(acknowledged.window).toMatchObject({ opensOn: notifiedOn, endsOn: windowEnd, originalEndsOn: windowEnd });
    expect(acknowledged.escalations[0].state).toBe('answered');
    expect(acknowledged.deadlines.find((d) => d.id === ack.id)).toMatchObject({ state: 'met-late', lateByDays: expect.any(Number) });
    expect(acknowledged.completion).toBeUndefined();
    // Without a meeting the window end still completes it: nothing else is waited for.
    const preview2 = await ok(preview(protocolTransfer('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: plusDays(notifiedOn, 35) }, { notifiedOn, windowEnd })));
    expect(preview2.completion).toMatchObject({ effectiveOn: windowEnd, how: 'window-end', at: at1800(windowEnd) });
  });

  test('ISL-08: a first CLA review planning a return home within 12 weeks cancels the transfer; nothing completes at the window end', async () => {
    const notifiedOn = plusDays(today, -29);
    const windowEnd = plusDays(notifiedOn, 42);
    const id = await start(protocolTransfer('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: today }, { notifiedOn, windowEnd }));
    const cancelled = await ok(post(`/v1/transfers/${id}/trigger`, 'integration', { event: 'first-cla-review', on: today, outcome: 'return-home-within-12-weeks' }));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.cancellation).toMatchObject({ reason: 'RETURN_HOME_12W' });
    expect(cancelled.completion).toBeUndefined();
    expect(cancelled.deadlines.filter((d) => d.state === 'pending')).toEqual([]);
    const later = await read(id);
    expect(later.people.allocatedSocialWorker.id).toBe('sw-anna');
    expect(later.completion).toBeUndefined();
    // A meeting afterwards completes nothing: the transfer is over.
    expectProblem(await post(`/v1/transfers/${id}/meeting`, 'tm-cy', { status: 'held', on: today, attendees: ['sw-anna'] }), 409);
    expect((await read(id)).status).toBe('cancelled');
  });

  test('R-BLK-ISL-SAMEMEETING: the transfer meeting may be on the trigger date, not within the trigger event’s meeting', async () => {
    const trigger = plusDays(today, 35);
    const id = await start(protocolTransfer('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: trigger }, { notifiedOn: today, windowEnd: plusDays(today, 40) }));
    await refused(post(`/v1/transfers/${id}/meeting`, 'sw-anna', { status: 'scheduled', on: trigger, partOf: 'first-cla-review' }), { path: 'partOf', rule: 'R-BLK-ISL-SAMEMEETING' });
    const bad = await post(`/v1/transfers/${id}/meeting`, 'sw-anna', { status: 'scheduled', on: trigger, partOf: 'First CLA review!' });
    expectProblem(bad, 400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'partOf' })]);
    const sameDay = await ok(post(`/v1/transfers/${id}/meeting`, 'sw-anna', { status: 'scheduled', on: trigger }));
    expect(sameDay.meeting.scheduledOn).toBe(trigger);
    await refused(post(`/v1/transfers/${id}/meeting`, 'tm-cy', { status: 'held', on: trigger, attendees: ['sw-anna', 'tm-di'], partOf: 'first-cla-review' }), { rule: 'R-BLK-ISL-SAMEMEETING' });
    const held = await ok(post(`/v1/transfers/${id}/meeting`, 'tm-cy', { status: 'held', on: trigger, attendees: ['sw-anna', 'tm-di'] }));
    expect(held.completion).toMatchObject({ how: 'meeting', effectiveOn: trigger });
  });

  test('T-ISL-26: a TAM whose Friday 16:00 cut-off has passed is refused with the next TAM it can go to, which is accepted', async () => {
    const id = await start(protocolTransfer('islington', 'isl-statutory-to-targeted', { event: 'closure-decision', date: today }, { decidedOn: today }));
    // The latest Wednesday on or before today: its cut-off (the Friday before) has passed.
    const dt = DateTime.fromISO(today, { zone: 'Europe/London' });
    const lastWednesday = dt.minus({ days: (dt.weekday - 3 + 7) % 7 }).toISODate()!;
    const late = await refused(post(`/v1/transfers/${id}/meeting`, 'tm-cy', { status: 'scheduled', on: lastWednesday }), { path: 'on', rule: 'T-ISL-26' });
    const next = late.body.errors[0].earliestOn as string;
    expect(DateTime.fromISO(next).weekday).toBe(3);
    expect(next > today).toBe(true);
    expect(DateTime.fromISO(next).diff(DateTime.fromISO(lastWednesday), 'days').days % 7).toBe(0);
    const booked = await ok(post(`/v1/transfers/${id}/meeting`, 'tm-cy', { status: 'scheduled', on: next }));
    expect(booked.meeting.scheduledOn).toBe(next);
    const policy = await request(e2e.app).get('/v1/policies/islington').set('Authorization', `Bearer ${tokens.integration}`);
    expect(policy.body.rules).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'T-ISL-26', use: 'bound' })]));
  });
});

describe('Barking and Dagenham', () => {
  const cp = () => protocolTransfer('barking-dagenham', 'lbbd-assess-to-cm-cp', { event: 'icpc', date: plusDays(today, -2) });

  test('LBBD-01: the allocation date is at most two weeks after the Transfer Meeting unless both Heads of Service approve', async () => {
    const id = await start(cp());
    await refused(post(`/v1/transfers/${id}/decision`, 'tm-cy', { on: today, transferOn: plusDays(today, 19) }), { rule: 'T-LBBD-02', latestOn: plusDays(today, 14) });
    const agreed = await ok(post(`/v1/transfers/${id}/decision`, 'tm-cy', { on: today, transferOn: plusDays(today, 14) }));
    expect(agreed.agreedTransferOn).toBe(plusDays(today, 14));

    const other = await start(cp());
    const asked = await ok(post(`/v1/transfers/${other}/exceptions`, 'tm-cy', { kind: 'extend-window', reason: 'the family asked for the new year', newWindowEnd: plusDays(today, 19) }));
    const exceptionId = asked.exceptions.at(-1)!.exceptionId;
    const half = await ok(post(`/v1/transfers/${other}/exceptions/${exceptionId}/approval`, 'hos-tx', { decision: 'approve' }));
    expect(half.exceptions.at(-1)!.state).toBe('pending');
    await refused(post(`/v1/transfers/${other}/decision`, 'tm-cy', { on: today, transferOn: plusDays(today, 19) }), { rule: 'T-LBBD-02' });
    await ok(post(`/v1/transfers/${other}/exceptions/${exceptionId}/approval`, 'hos-ha', { decision: 'approve' }));
    const late = await ok(post(`/v1/transfers/${other}/decision`, 'tm-cy', { on: today, transferOn: plusDays(today, 19) }));
    expect(late.agreedTransferOn).toBe(plusDays(today, 19));
  });

  test('LBBD-05: the scenario dates: Learn2Live is told by Mon 15 Mar 2027 for a 16th birthday on Sat 15 May 2027', async () => {
    const req = protocolTransfer('barking-dagenham', 'lbbd-cic-to-l2l', { event: 'birthday-16', date: '2027-05-15' }, {
      children: [{ ref: 'Y', dateOfBirth: '2011-05-15', legalStatus: 's31 care order', lookedAfter: true, facts: { lastGcseExamOn: '2027-06-18', sitsGcsesThisYear: true } }],
    });
    const res = await ok(preview(req));
    expect(res.deadlines.find((d) => d.rule === 'T-LBBD-15')).toMatchObject({ dueOn: '2027-03-15' });
  });

  test('LBBD-05: a transfer date from 1 March to the last GCSE is refused with the first working day after it, until a best-interest agreement', async () => {
    const year = Number(today.slice(0, 4)) + 1;
    const lastExam = `${year}-06-18`;
    const id = await start(
      protocolTransfer('barking-dagenham', 'lbbd-cic-to-l2l', { event: 'birthday-16', date: `${year}-05-15` }, {
        children: [{ ref: 'Y', dateOfBirth: `${year - 16}-05-15`, legalStatus: 's31 care order', lookedAfter: true, facts: { lastGcseExamOn: lastExam, sitsGcsesThisYear: true } }],
      }),
    );
    const earliestOn = calendar.firstWorkingDayAfter(lastExam);
    for (const on of [`${year}-03-01`, `${year}-05-17`, lastExam]) {
      await refused(post(`/v1/transfers/${id}/decision`, 'tm-cy', { on: today, transferOn: on }), { rule: 'T-LBBD-17', earliestOn });
    }
    await ok(post(`/v1/transfers/${id}/trigger`, 'tm-cy', { event: 'best-interest-agreement', on: today }));
    const agreed = await ok(post(`/v1/transfers/${id}/decision`, 'tm-cy', { on: today, transferOn: `${year}-05-17` }));
    expect(agreed.agreedTransferOn).toBe(`${year}-05-17`);
  });

  test('LBBD-07: a CIN case first listed at the Transfer Meeting can only transfer exactly two weeks later', async () => {
    const id = await start(protocolTransfer('barking-dagenham', 'lbbd-assess-to-cm-cin', { event: 'transfer-meeting', date: today }));
    const day14 = plusDays(today, 14);
    await refused(post(`/v1/transfers/${id}/decision`, 'tm-cy', { on: today, transferOn: plusDays(today, 13) }), { rule: 'T-LBBD-11', earliestOn: day14 });
    await refused(post(`/v1/transfers/${id}/decision`, 'tm-cy', { on: today, transferOn: plusDays(today, 15) }), { rule: 'T-LBBD-02', latestOn: day14 });
    expect((await ok(post(`/v1/transfers/${id}/decision`, 'tm-cy', { on: today, transferOn: day14 }))).agreedTransferOn).toBe(day14);
  });

  test('LBBD-12: a birth certificate missing from before the current worker is a historic gap: sign-off succeeds and the agreed date completes', async () => {
    const children = [{ ref: 'C-7', dateOfBirth: '2012-02-02', legalStatus: 's31 care order', lookedAfter: true }];
    const run = async (birthCertificate: 'historic-gap' | 'open') => {
      const id = await start(protocolTransfer('barking-dagenham', 'lbbd-to-cic-longterm', { event: 'final-hearing', date: plusDays(today, -3) }, { children }));
      const items = (await read(id)).checklist;
      expect(items.map((i) => i.itemId)).toContain('lbbd-lt-birth-certificate');
      for (const item of items.filter((i) => i.itemId !== 'lbbd-lt-birth-certificate')) {
        await ok(post(`/v1/transfers/${id}/checklist/${item.itemId}`, 'sw-anna', {}));
      }
      if (birthCertificate === 'historic-gap') {
        const gap = await ok(post(`/v1/transfers/${id}/checklist/lbbd-lt-birth-certificate`, 'tm-cy', { state: 'historic-gap', note: 'missing since before the current allocation' }));
        expect(gap.checklist.filter((i) => i.blocking && i.state === 'open')).toEqual([]);
      }
      await ok(post(`/v1/transfers/${id}/decision`, 'tm-cy', { on: plusDays(today, -3), transferOn: plusDays(today, -1) }));
      return eventually(() => read(id), (s) => Boolean(s.completion) || s.regions.signOff === 'overdue');
    };
    const done = await run('historic-gap');
    expect(done.checklist.find((i) => i.itemId === 'lbbd-lt-birth-certificate')?.state).toBe('historic-gap');
    expect(done.completion).toMatchObject({ how: 'agreed-date', effectiveOn: plusDays(today, -1) });
    // The same transfer with the item simply left open is not signed off: it waits past its date.
    const waiting = await run('open');
    expect(waiting.completion).toBeUndefined();
    expect(waiting.regions.signOff).toBe('overdue');
  });
});

describe('Somerset', () => {
  test('SOM-01: the scenario dates: a TAM decision on Tue 15 Dec 2026 is due by Tue 29 Dec', async () => {
    const res = await ok(preview(protocolTransfer('somerset', 'som-at-to-sg', { event: 'icpc', date: '2026-12-10' }, { decidedOn: '2026-12-15' })));
    expect(res.deadlines.find((d) => d.rule === 'T-SOM-02')).toMatchObject({ dueOn: '2026-12-29', due: '2026-12-30T00:00:00.000Z' });
  });

  test('SOM-01: agreed tasks open when the two weeks end send the case back to the next TAM; a new decision starts a new 14-day clock', async () => {
    const decidedOn = plusDays(today, -15);
    const id = await start(protocolTransfer('somerset', 'som-at-to-sg', { event: 'icpc', date: plusDays(today, -20) }));
    await ok(post(`/v1/transfers/${id}/decision`, 'tm-cy', { on: decidedOn, agreedTasks: ['assessment', 'case-summary'] }));
    const returned = await eventually(() => read(id), (s) => s.status === 'returned-to-meeting');
    expect(returned.status).toBe('returned-to-meeting');
    const dueOn = plusDays(decidedOn, 14);
    const dt = DateTime.fromISO(dueOn);
    const nextTuesday = dt.plus({ days: ((2 - dt.weekday + 7) % 7) || 7 }).toISODate();
    expect(returned.meeting.scheduledOn).toBe(nextTuesday);
    expect(returned.completion).toBeUndefined();
    const again = await ok(post(`/v1/transfers/${id}/decision`, 'tm-cy', { on: today }));
    expect(again.status).not.toBe('returned-to-meeting');
    expect(again.deadlines.filter((d) => d.rule === 'T-SOM-02' && d.state === 'pending').map((d) => d.dueOn)).toEqual([plusDays(today, 14)]);
  });
});

describe('Southwark', () => {
  const cin = (trigger: string, notifiedOn: string) => protocolTransfer('southwark', 'swk-ai-to-sfs-cin', { event: 'cin-review', date: trigger }, { notifiedOn });

  test('SWK-04: a receiving PGL cannot refuse for record quality; the refusal offers the remediation route', async () => {
    const id = await start(cin(plusDays(today, 21), today));
    const r = await post(`/v1/transfers/${id}/rejection`, 'tm-di', { reason: 'RECORD_QUALITY', note: 'the Mosaic chronology is incomplete' });
    expectProblem(r, 409);
    expect(r.body.rules).toEqual(['INV-3']);
    expect(String(r.body.instead)).toMatch(/remediation/i);
    expect((await read(id)).status).not.toBe('rejected');
  });

  test('SWK-05: the remediation letter a day after the transfer sets fixes due 14 days on; the record stays received; overdue goes to the Head of Service', async () => {
    const transferOn = plusDays(today, -20);
    const id = await start(cin(transferOn, plusDays(transferOn, -20)));
    const done = await ok(post(`/v1/transfers/${id}/trigger`, 'integration', { event: 'cin-review', on: transferOn }));
    expect(done.completion).toMatchObject({ how: 'trigger-event', effectiveOn: transferOn });
    const letterOn = plusDays(transferOn, 1);
    const letter = await ok(post(`/v1/transfers/${id}/remediation`, 'tm-di', { letterOn, items: [{ itemId: 'chronology', description: 'chronology incomplete' }] }));
    expect(letter.remediation).toMatchObject({ letterOn, dueOn: plusDays(letterOn, 14) });
    expect(letter.completion).toMatchObject({ how: 'trigger-event', effectiveOn: transferOn });
    // Due 14 days after the letter, so already overdue now: the transferring Head of Service is asked.
    const overdue = await eventually(() => read(id), (s) => s.escalations.some((e) => e.state === 'open'));
    expect(overdue.escalations.filter((e) => e.state === 'open')).toEqual([expect.objectContaining({ to: expect.objectContaining({ id: 'hos-tx' }) })]);
    expect(['completed', 'post-transfer']).toContain(overdue.status);
    const fixed = await ok(post(`/v1/transfers/${id}/remediation`, 'tm-cy', { itemId: 'chronology' }));
    expect(fixed.deadlines.find((d) => d.rule === 'T-SWK-05')).toMatchObject({ state: 'met-late' });
    expect(fixed.escalations.filter((e) => e.state === 'open')).toEqual([]);
  });
});
