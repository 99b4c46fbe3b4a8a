// Regressions found in review: each case failed before the lifecycle fixes.
import type { Child } from '../../workflows/definitions';
import { islingtonCinToCla, plusDays, startableTransfer as transfer } from '../support/fixtures';
import { calendar, timeSkippingSuite } from '../support/time-skipping';
import { actors, eventually, signal, startTransfer, state, update } from '../support/workflow-driver';

const suite = timeSkippingSuite();

function isl(today: string, end: string) {
  return islingtonCinToCla({ notifiedOn: today, windowEnd: end, trigger: { event: 'first-cla-review', date: plusDays(today, 35) } });
}

test('a resume does not re-open clocks that were already met', async () => {
  const today = await suite.today();
  const h = await startTransfer(suite.env.client, isl(today, plusDays(today, 30)), today);
  await update(h, 'acknowledgement', actors.receivingTm, {});
  await update(h, 'exceptionRequest', actors.transferringTm, { exceptionId: 'h', kind: 'hold', reason: 'r' });
  await update(h, 'exceptionDecision', actors.transferringSm, { exceptionId: 'h', decision: 'approve' });
  await update(h, 'exceptionDecision', actors.receivingSm, { exceptionId: 'h', decision: 'approve' });
  await suite.env.sleep('3 days');
  const resumed = await update(h, 'exceptionRequest', actors.receivingTm, { exceptionId: 'r', kind: 'resume', reason: 'r' });
  expect(resumed.deadlines.filter((d) => d.id.includes('#'))).toEqual([]);
  expect(resumed.deadlines.find((d) => d.rule === 'T-ISL-07')?.state).toBe('met');
  await suite.sleepUntil(calendar.breachInstant(calendar.addDays(today, 10)));
  expect((await state(h)).escalations).toEqual([]);
});

test('an exception cannot be approved into effect after completion', async () => {
  const today = await suite.today();
  const h = await startTransfer(suite.env.client, isl(today, plusDays(today, 30)), today);
  await update(h, 'exceptionRequest', actors.transferringTm, { exceptionId: 'c', kind: 'cancel-transfer', reason: 'r' });
  await update(h, 'exceptionDecision', actors.transferringSm, { exceptionId: 'c', decision: 'approve' });
  await update(h, 'meeting', actors.transferringTm, { status: 'held', on: today, attendees: ['sw-anna'] });
  await expect(update(h, 'exceptionDecision', actors.receivingSm, { exceptionId: 'c', decision: 'approve' })).rejects.toMatchObject({
    cause: { type: 'InvalidState' },
  });
  expect((await state(h)).status).not.toBe('cancelled');
});

test('a held meeting does not bypass Barking and Dagenham sign-off', async () => {
  const today = await suite.today();
  const lookedAfter: Child[] = [{ ref: 'C-7', dateOfBirth: '2012-02-02', legalStatus: 's31 care order', lookedAfter: true }];
  const h = await startTransfer(
    suite.env.client,
    transfer('barking-dagenham', 'lbbd-to-cic-longterm', { event: 'final-hearing', date: today }, { children: lookedAfter }),
    today,
  );
  await expect(update(h, 'meeting', actors.transferringTm, { status: 'held', on: today, attendees: ['sw-anna'] })).rejects.toMatchObject({
    cause: { type: 'InvalidState', message: expect.stringMatching(/sign-off/) },
  });
  expect((await state(h)).completion).toBeUndefined();
});

test('Somerset: an overview recorded early keeps the next one armed, and allocation settles the tray escalation', async () => {
  const today = await suite.today();
  const h = await startTransfer(suite.env.client, transfer('somerset', 'som-at-to-sg', { event: 'icpc', date: today }), today);
  await update(h, 'decision', actors.receivingTm, { on: today, agreedTasks: ['plan'] });
  await update(h, 'checklistItem', actors.allocatedSw, { itemId: 'som-agreed-task-plan', state: 'done' });
  await suite.sleepUntil(calendar.breachInstant(calendar.addDays(today, 14)));
  const trayOn = (await state(h)).completion!.effectiveOn;
  await update(h, 'trigger', actors.receivingTm, { event: 'weekly-overview', on: trayOn });
  const allocated = await update(h, 'allocation', actors.receivingTm, { receivingSocialWorker: { id: 'sw-new', role: 'social-worker' } });
  expect(allocated.deadlines.filter((d) => d.rule === 'T-SOM-04' && d.state === 'pending').map((d) => d.dueOn)).toEqual([
    calendar.addDays(trayOn, 14),
  ]);
  expect(allocated.escalations.filter((e) => e.state === 'open')).toEqual([]);
});

test('a signal with a malformed actor is recorded as rejected and the transfer carries on', async () => {
  const today = await suite.today();
  const h = await startTransfer(suite.env.client, isl(today, plusDays(today, 30)), today);
  await signal(h, 'acknowledgement', { id: 'x' } as never, {});
  const s = await eventually(h, (x) => x.history.some((e) => e.outcome === 'rejected'));
  expect(s.history.filter((e) => e.event === 'acknowledgement').map((e) => e.outcome)).toEqual(['rejected']);
  expect((await update(h, 'acknowledgement', actors.receivingTm, {})).status).toBe('acknowledged');
});
