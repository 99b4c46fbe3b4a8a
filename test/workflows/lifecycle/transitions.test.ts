// Every row of DOMAIN §3.4 (T1-T18) through the pure lifecycle, with no Temporal: each scenario
// reaches its row's source state, takes the row and checks where it lands and what it changed.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TRANSITIONS } from '../../../workflows/lifecycle/transitions';
import { specFor, type TransferModel } from '../../../workflows/lifecycle/model';
import { nextTimer } from '../../../workflows/lifecycle/timers';
import { TODAY, actors, advance, apply, at, isl, islNotified, lbbd, plus, request, som, started, swk, unn } from './harness';

const worker = { receivingSocialWorker: { id: 'sw-jo', role: 'social-worker' } };
const timerAt = (m: TransferModel) => new Date(nextTimer(m)!.at).toISOString();

const ROWS: Record<string, () => Promise<void>> = {
  async T1() {
    const m = await started(isl());
    expect(m.transfer.status).toBe('identified');
    expect(m.transfer.history.map((h) => h.event)).toEqual(['started']);
  },
  async T2() {
    // The manager conversation (decidedOn) arms "written notification by the next day" (T-ISL-01).
    const m = await started(isl({ decidedOn: TODAY }));
    expect(m.transfer.status).toBe('identified');
    const due = m.transfer.deadlines.find((d) => specFor(m, d)?.metBy === 'notification' && d.rule === 'T-ISL-01');
    expect(due).toMatchObject({ state: 'pending', dueOn: plus(TODAY, 1) });
  },
  async T3() {
    const m = await apply(await started(isl()), 'notification', actors.transferringTm, { notifiedOn: TODAY, windowEnd: plus(TODAY, 30) });
    expect(m.transfer).toMatchObject({ status: 'notified', notifiedOn: TODAY, window: { opensOn: TODAY, endsOn: plus(TODAY, 30) } });
    expect(m.transfer.deadlines.find((d) => d.rule === 'T-ISL-01')?.state).toBe('met');
  },
  async 'T3.start'() {
    expect((await islNotified()).transfer.status).toBe('notified');
    expect((await started({ ...som(), decidedOn: TODAY })).transfer.status).toBe('notified');
  },
  async 'T3.decision'() {
    const m = await apply(await started(som()), 'decision', actors.receivingTm, { on: TODAY, agreedTasks: ['plan'] });
    expect(m.transfer).toMatchObject({ status: 'notified', decidedOn: TODAY, agreedTasks: ['plan'] });
    expect(m.schedule?.completionTimer).toBeDefined();
  },
  async 'T3.after-decision'() {
    // Southwark: the PGL's decision first, then the written notice, whose 10 working days now count.
    const decided = await apply(await started({ ...swk(), notifiedOn: undefined }), 'decision', actors.transferringTm, { on: TODAY, transferOn: plus(TODAY, 28) });
    expect(decided.transfer).toMatchObject({ status: 'notified', decidedOn: TODAY });
    expect(decided.transfer.notifiedOn).toBeUndefined();
    await expect(apply(decided, 'trigger', actors.integration, { event: 'cin-review', on: plus(TODAY, 28) }, at(plus(TODAY, 28)))).rejects.toMatchObject({ message: expect.stringMatching(/T-SWK-01.*written notification is not recorded/) });
    const m = await apply(decided, 'notification', actors.transferringTm, { notifiedOn: TODAY });
    expect(m.transfer).toMatchObject({ status: 'notified', notifiedOn: TODAY, agreedTransferOn: plus(TODAY, 28) });
    expect(m.transfer.history.map((h) => h.event)).toEqual(['started', 'decision', 'notification']);
    // And the trigger meeting, 10 working days or more after the notice, completes it (it was refused for want of a notice).
    const done = await apply(m, 'trigger', actors.integration, { event: 'cin-review', on: plus(TODAY, 28) }, at(plus(TODAY, 28)));
    expect(done.transfer.completion).toMatchObject({ how: 'trigger-event', effectiveOn: plus(TODAY, 28) });
  },
  async T4() {
    const before = await islNotified();
    const m = await apply(before, 'acknowledgement', actors.receivingTm, {});
    expect(m.transfer.status).toBe('acknowledged');
    expect(m.transfer.window).toEqual(before.transfer.window);
  },
  async T5() {
    const m = await apply(await apply(await islNotified(), 'acknowledgement', actors.receivingTm, {}), 'allocation', actors.receivingTm, worker);
    expect(m.transfer.status).toBe('preparing');
    expect(m.transfer.regions.allocation).toBe('worker-identified');
  },
  async 'T5.checklist'() {
    const n = await islNotified();
    const m = await apply(n, 'checklistItem', actors.allocatedSw, { itemId: n.transfer.checklist[0].itemId, state: 'done' });
    expect(m.transfer.status).toBe('preparing');
  },
  async 'T5.meeting'() {
    const m = await apply(await islNotified(), 'meeting', actors.transferringTm, { status: 'scheduled', on: plus(TODAY, 10) });
    expect(m.transfer).toMatchObject({ status: 'preparing', meeting: { scheduledOn: plus(TODAY, 10) } });
  },
  async T6() {
    const m0 = await apply(await islNotified(), 'allocation', actors.receivingTm, worker);
    const m = await apply(m0, 'meeting', actors.transferringTm, { status: 'held', on: plus(TODAY, 10), attendees: ['sw-anna'] }, at(plus(TODAY, 10)));
    expect(m.transfer.status).toBe('completed');
    expect(m.transfer.completion).toMatchObject({ how: 'meeting', effectiveOn: plus(TODAY, 10), receiver: 'worker' });
    // The window's auto-completion is no longer armed.
    expect(nextTimer(m)?.kind).not.toBe('completion');
  },
  async T7() {
    const m = await apply(await started(swk()), 'trigger', actors.integration, { event: 'cin-review', on: plus(TODAY, 14) }, at(plus(TODAY, 14)));
    expect(['completed', 'post-transfer']).toContain(m.transfer.status);
    expect(m.transfer.completion).toMatchObject({ how: 'trigger-event', effectiveOn: plus(TODAY, 14) });
  },
  async T8() {
    const n = await apply(await islNotified(plus(TODAY, 14)), 'allocation', actors.receivingTm, worker);
    const m = await advance(n, at(plus(TODAY, 15)));
    expect(m.transfer.status).toBe('completed');
    expect(m.transfer.completion).toMatchObject({ how: 'window-end', effectiveOn: plus(TODAY, 14), receiver: 'worker' });
  },
  async T9() {
    const u = await apply(await started(unn()), 'decision', actors.receivingTm, { on: TODAY, transferOn: plus(TODAY, 10) });
    const m = await advance(u, at(plus(TODAY, 11)));
    expect(m.transfer.completion).toMatchObject({ how: 'agreed-date', effectiveOn: plus(TODAY, 10) });
    // UNN: outstanding items do not delay it; they are deferred (T14).
    expect(m.transfer.status).toBe('post-transfer');
    // LBBD: without sign-off the agreed date passes and the transfer waits; the sign-off completes it.
    let l = await apply(await started(lbbd()), 'decision', actors.receivingTm, { on: TODAY, transferOn: plus(TODAY, 7) });
    l = await advance(l, at(plus(TODAY, 8)));
    expect(l.transfer.completion).toBeUndefined();
    expect(l.transfer.regions.signOff).toBe('overdue');
    for (const item of l.transfer.checklist.filter((i) => i.blocking)) {
      l = await apply(l, 'checklistItem', actors.allocatedSw, { itemId: item.itemId, state: 'done' }, at(plus(TODAY, 9)));
    }
    expect(l.transfer.completion).toMatchObject({ how: 'agreed-date', effectiveOn: plus(TODAY, 9) });
  },
  async 'T9.manual'() {
    // A kind whose transfer point is a manual step completes when a team manager records it.
    const m = await started(request('southwark', 'swk-hospital', { event: 'hospital-referral', date: TODAY }, { notifiedOn: plus(TODAY, -20) }));
    const done = await apply(m, 'completion', actors.receivingTm, { on: plus(TODAY, 2), note: 'residence settled' });
    expect(done.transfer.status).toMatch(/completed|post-transfer/);
    expect(done.transfer.completion).toMatchObject({ how: 'manual', effectiveOn: plus(TODAY, 2), note: 'residence settled' });
  },
  async T10() {
    const m = await apply(await islNotified(), 'trigger', actors.integration, { event: 'first-cla-review', on: TODAY, outcome: 'return-home-within-12-weeks' });
    expect(m.transfer.status).toBe('cancelled');
    expect(m.transfer.cancellation?.reason).toMatch(/RETURN_HOME/);
    expect(nextTimer(m)).toBeUndefined();
  },
  async T11() {
    const m = await apply(await islNotified(), 'cancellation', actors.transferringTm, { reason: 'CHILD_MOVED_AWAY' });
    expect(m.transfer).toMatchObject({ status: 'cancelled', cancellation: { reason: 'CHILD_MOVED_AWAY', by: 'tm-cy' } });
  },
  async T12() {
    const n = await islNotified();
    const reason = n.digest!.permittedRejectionReasons[0];
    const m = await apply(n, 'rejection', actors.receivingTm, { reason });
    expect(m.transfer).toMatchObject({ status: 'rejected', rejection: { reason } });
  },
  async 'T13.cancel'() {
    let m = await apply(await islNotified(), 'exceptionRequest', actors.transferringTm, { exceptionId: 'c', kind: 'cancel-transfer', reason: 'r' });
    m = await apply(m, 'exceptionDecision', actors.transferringSm, { exceptionId: 'c', decision: 'approve' });
    // One side only: the old state and timers stay.
    expect(m.transfer.status).toBe('notified');
    m = await apply(m, 'exceptionDecision', actors.receivingSm, { exceptionId: 'c', decision: 'approve' });
    expect(m.transfer.status).toBe('cancelled');
    // T13 otherwise moves no status: an extension re-arms the window end.
    let x = await apply(await islNotified(plus(TODAY, 20)), 'exceptionRequest', actors.transferringTm, { exceptionId: 'e', kind: 'extend-window', reason: 'r', newWindowEnd: plus(TODAY, 50) });
    x = await apply(await apply(x, 'exceptionDecision', actors.transferringSm, { exceptionId: 'e', decision: 'approve' }), 'exceptionDecision', actors.receivingSm, { exceptionId: 'e', decision: 'approve' });
    expect(x.transfer).toMatchObject({ status: 'notified', window: { endsOn: plus(TODAY, 50), originalEndsOn: plus(TODAY, 20) } });
    expect(x.schedule?.completionTimer?.effectiveOn).toBe(plus(TODAY, 50));
  },
  async T14() {
    const m = await advance(await islNotified(plus(TODAY, 14)), at(plus(TODAY, 15)));
    expect(m.transfer).toMatchObject({ status: 'post-transfer', completion: { how: 'window-end', receiver: 'team-queue' } });
  },
  async T15() {
    let m = await apply(await started(swk()), 'trigger', actors.integration, { event: 'cin-review', on: plus(TODAY, 14) }, at(plus(TODAY, 14)));
    if (m.transfer.status === 'post-transfer') m = await apply(m, 'allocation', actors.receivingTm, worker, at(plus(TODAY, 14)));
    expect(m.transfer.status).toBe('completed');
    m = await apply(m, 'remediation', actors.receivingTm, { letterOn: plus(TODAY, 15), items: [{ itemId: 'chronology', description: 'gaps' }] }, at(plus(TODAY, 15)));
    expect(m.transfer.status).toBe('post-transfer');
    expect(m.transfer.remediation).toMatchObject({ letterOn: plus(TODAY, 15), dueOn: plus(TODAY, 29) });
  },
  async T16() {
    const queued = await advance(await islNotified(plus(TODAY, 14)), at(plus(TODAY, 15)));
    const m = await apply(queued, 'allocation', actors.receivingTm, worker, at(plus(TODAY, 16)));
    expect(m.transfer.status).toBe('completed');
  },
  async 'T16.close'() {
    const queued = await advance(await islNotified(plus(TODAY, 14)), at(plus(TODAY, 15)));
    const m = await apply(queued, 'allocation', actors.receivingTm, worker, at(plus(TODAY, 16)));
    expect(await advance(m, at(plus(TODAY, 40)))).toMatchObject({ transfer: { status: 'completed' } });
    const closed = await advance(m, at(plus(TODAY, 46)));
    expect(closed.transfer.status).toBe('closed');
    expect(nextTimer(closed)).toBeUndefined();
  },
  async T17() {
    const decided = await apply(await started(som()), 'decision', actors.receivingTm, { on: TODAY, agreedTasks: ['assessment'] });
    const m = await advance(decided, timerAt(decided));
    expect(m.transfer.status).toBe('returned-to-meeting');
    const next = m.transfer.meeting.scheduledOn!;
    expect(next > TODAY).toBe(true);
    // The next TAM re-decides: notified again, with a new 14-day clock.
    const again = await apply(m, 'decision', actors.receivingTm, { on: next, agreedTasks: ['plan'] }, at(next));
    expect(again.transfer).toMatchObject({ status: 'notified', decidedOn: next });
  },
  async T18() {
    const m = await started(lbbd('lbbd-transfer-in-cin', 'transfer-in-request'));
    expect(m.transfer).toMatchObject({ status: 'blocked', blocked: { by: 'decision', rule: 'R-BLK-LBBD-TIN' } });
    expect(nextTimer(m)?.kind).not.toBe('completion');
  },
  async 'T18.leave'() {
    const m = await apply(await started(lbbd('lbbd-transfer-in-cin', 'transfer-in-request')), 'decision', actors.receivingTm, { on: TODAY, transferOn: plus(TODAY, 7) });
    expect(m.transfer.blocked).toBeUndefined();
    expect(m.transfer.status).toBe('notified');
    const cp = [{ ref: 'PF-1', dateOfBirth: '2012-05-05', legalStatus: 's47', lookedAfter: false, facts: { cpPlan: true } }];
    const pf = await started(request('barking-dagenham', 'lbbd-private-fostering', { event: 'private-fostering-identified', date: TODAY }, { children: cp }));
    expect(pf.transfer.status).toBe('blocked');
    const cleared = await apply(pf, 'checklistItem', actors.allocatedSw, { itemId: 'lbbd-pf-cp-issue-resolved', state: 'done' });
    expect(cleared.transfer.status).toBe('identified');
    expect(cleared.transfer.blocked).toBeUndefined();
  },
};

test.each(Object.keys(ROWS))('%s', async (row) => {
  await ROWS[row]();
});

test('every row of the table has a scenario, and every T1-T18 of DOMAIN §3.4 is in the table', () => {
  expect(Object.keys(ROWS).sort()).toEqual(TRANSITIONS.map((t) => t.id).sort());
  const domain = readFileSync(path.resolve(__dirname, '../../../../shared/DOMAIN.md'), 'utf8');
  const section = domain.slice(domain.indexOf('### 3.4 Transitions'), domain.indexOf('### 3.5'));
  const rows = [...section.matchAll(/^\| (T\d+) \|/gm)].map((m) => m[1]);
  expect(rows).toHaveLength(18);
  for (const id of rows) expect(TRANSITIONS.some((t) => t.id === id || t.id.startsWith(`${id}.`))).toBe(true);
});

test('the transitions table is the only place in workflows/ that assigns a status', () => {
  const root = path.resolve(__dirname, '../../../workflows');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const assigning = files.filter((f) => /\.status\s*=[^=]|\bsetStatus\b/.test(readFileSync(path.join(root, f), 'utf8')));
  expect(assigning).toEqual([path.join('lifecycle', 'transitions.ts')]);
});
