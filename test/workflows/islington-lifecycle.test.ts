// Islington lifecycles in the time-skipping server. Dates derive from the environment's clock, and
// expectations from the calendar module, so the suite holds on any day of any year.
import { islingtonCinToCla, plusDays } from '../support/fixtures';
import { calendar, timeSkippingSuite } from '../support/time-skipping';
import { actors, eventually, signal, startTransfer, state, update } from '../support/workflow-driver';

const suite = timeSkippingSuite();
const sleepUntil = (instant: string) => suite.sleepUntil(instant);
const envToday = () => suite.today();

function notifiedTransfer(notifiedOn: string, windowEnd: string) {
  return islingtonCinToCla({
    notifiedOn,
    windowEnd,
    trigger: { event: 'first-cla-review', date: plusDays(notifiedOn, 35) },
  });
}

test('an unacknowledged notification escalates to the receiving service manager, then climbs a rung', async () => {
  const today = await envToday();
  const handle = await startTransfer(suite.env.client, notifiedTransfer(today, plusDays(today, 40)), today);

  const ackDue = calendar.breachInstant(calendar.addWorkingDays(today, 2));
  const start = await state(handle);
  expect(start.deadlines.find((d) => d.rule === 'T-ISL-07')).toMatchObject({ due: ackDue, state: 'pending' });

  await sleepUntil(ackDue);
  const first = await state(handle);
  expect(first.deadlines.find((d) => d.rule === 'T-ISL-07')?.state).toBe('missed');
  expect(first.escalations).toHaveLength(1);
  expect(first.escalations[0]).toMatchObject({ level: 1, side: 'receiving', state: 'open', to: { id: 'sm-gu' } });
  // The window never moves for a late acknowledgement.
  expect(first.window?.endsOn).toBe(plusDays(today, 40));

  await sleepUntil(first.escalations[0].respondBy);
  const second = await state(handle);
  expect(second.escalations.map((e) => [e.to.id, e.level, e.state])).toEqual([
    ['sm-gu', 1, 'superseded'],
    ['hos-ha', 2, 'open'],
  ]);

  // The head of service answers: the escalation stops climbing.
  const answered = await update(handle, 'escalationResponse', actors.receivingHos, {
    escalationId: second.escalations[1].escalationId,
    decision: 'chase-receiving-manager',
    note: 'spoken to the team manager',
  });
  expect(answered.escalations[1].state).toBe('answered');
  await update(handle, 'acknowledgement', actors.receivingTm, {});
  await sleepUntil(calendar.breachInstant(plusDays(today, 30)));
  expect((await state(handle)).escalations.filter((e) => e.state === 'open')).toHaveLength(0);
});

test('ISL-05: a late acknowledgement resolves the escalation and leaves the window where it was', async () => {
  const today = await envToday();
  const end = plusDays(today, 42);
  const handle = await startTransfer(suite.env.client, notifiedTransfer(today, end), today);
  await sleepUntil(calendar.breachInstant(calendar.addWorkingDays(today, 2)));
  expect((await state(handle)).escalations.map((e) => e.state)).toEqual(['open']);
  const acknowledged = await update(handle, 'acknowledgement', actors.receivingTm, {});
  expect(acknowledged.escalations.map((e) => [e.to.id, e.state])).toEqual([['sm-gu', 'answered']]);
  expect(acknowledged.deadlines.find((d) => d.rule === 'T-ISL-07')?.state).toBe('met-late');
  expect(acknowledged.window).toMatchObject({ opensOn: today, endsOn: end });
  await sleepUntil(calendar.atLocalTime(end, '18:00'));
  const done = await state(handle);
  expect(done.completion).toMatchObject({ how: 'window-end', effectiveOn: end });
  expect(done.escalations.filter((e) => e.state === 'open')).toEqual([]);
});

test('a two-sided exception moves the window end and re-arms the auto-completion', async () => {
  const today = await envToday();
  const end = plusDays(today, 21);
  const newEnd = plusDays(today, 60);
  const handle = await startTransfer(suite.env.client, notifiedTransfer(today, end), today);
  await update(handle, 'acknowledgement', actors.receivingTm, {});

  const requested = await update(handle, 'exceptionRequest', actors.transferringTm, {
    exceptionId: 'exc-1',
    kind: 'extend-window',
    reason: 'child in hospital during the planned meeting',
    newWindowEnd: newEnd,
  });
  expect(requested.exceptions[0]).toMatchObject({ state: 'pending', requiredSides: ['transferring', 'receiving'] });

  // A team manager is below Islington's approver rank.
  await expect(
    update(handle, 'exceptionDecision', actors.transferringTm, { exceptionId: 'exc-1', decision: 'approve' }),
  ).rejects.toMatchObject({ cause: { type: 'Forbidden', message: expect.stringMatching(/rank/) } });

  const partial = await update(handle, 'exceptionDecision', actors.transferringSm, { exceptionId: 'exc-1', decision: 'approve' });
  expect(partial.exceptions[0].state).toBe('pending');
  expect(partial.window?.endsOn).toBe(end);
  // The same side cannot approve twice.
  await expect(
    update(handle, 'exceptionDecision', actors.transferringSm, { exceptionId: 'exc-1', decision: 'approve' }),
  ).rejects.toMatchObject({ cause: { type: 'Forbidden', message: expect.stringMatching(/receiving side/) } });

  const approved = await update(handle, 'exceptionDecision', actors.receivingAd, { exceptionId: 'exc-1', decision: 'approve' });
  expect(approved.exceptions[0].state).toBe('approved');
  expect(approved.window).toMatchObject({ endsOn: newEnd, originalEndsOn: end });

  await sleepUntil(calendar.atLocalTime(end, '18:00'));
  expect((await state(handle)).completion).toBeUndefined();
  await sleepUntil(calendar.atLocalTime(newEnd, '18:00'));
  expect((await state(handle)).completion).toMatchObject({ how: 'window-end', effectiveOn: newEnd });
});

test('a partially approved exception leaves the old window end armed', async () => {
  const today = await envToday();
  const end = plusDays(today, 10);
  const handle = await startTransfer(suite.env.client, notifiedTransfer(today, end), today);
  await update(handle, 'exceptionRequest', actors.transferringTm, {
    exceptionId: 'exc-2',
    kind: 'extend-window',
    reason: 'court date moved',
    newWindowEnd: plusDays(today, 50),
  });
  await update(handle, 'exceptionDecision', actors.transferringSm, { exceptionId: 'exc-2', decision: 'approve' });
  await sleepUntil(calendar.atLocalTime(end, '18:00'));
  const after = await state(handle);
  expect(after.completion).toMatchObject({ how: 'window-end', effectiveOn: end });
  expect(after.exceptions[0].state).toBe('pending');
});

test('the first CLA review deciding a return home within 12 weeks cancels the transfer and its timers', async () => {
  const today = await envToday();
  const end = plusDays(today, 20);
  const handle = await startTransfer(suite.env.client, notifiedTransfer(today, end), today);
  const cancelled = await update(handle, 'trigger', actors.integration, {
    event: 'first-cla-review',
    on: today,
    outcome: 'return-home-within-12-weeks',
  });
  expect(cancelled.status).toBe('cancelled');
  expect(cancelled.cancellation?.reason).toBe('RETURN_HOME_12W');
  await sleepUntil(calendar.atLocalTime(end, '18:00'));
  expect((await state(handle)).completion).toBeUndefined();
  // Waiting on result() would let the test server skip time freely; the description says it closed.
  const description = await handle.describe();
  expect(description.status.name).toBe('COMPLETED');
});

test('a hold pauses the clock and a resume adds the held days back', async () => {
  const today = await envToday();
  const end = plusDays(today, 14);
  const handle = await startTransfer(suite.env.client, notifiedTransfer(today, end), today);
  await update(handle, 'acknowledgement', actors.receivingTm, {});
  await update(handle, 'exceptionRequest', actors.transferringTm, { exceptionId: 'hold-1', kind: 'hold', reason: 'family bereavement' });
  await update(handle, 'exceptionDecision', actors.transferringSm, { exceptionId: 'hold-1', decision: 'approve' });
  const held = await update(handle, 'exceptionDecision', actors.receivingSm, { exceptionId: 'hold-1', decision: 'approve' });
  expect(held.onHold).toBe(true);

  await suite.env.sleep('20 days');
  expect((await state(handle)).completion).toBeUndefined();
  const resumed = await update(handle, 'exceptionRequest', actors.receivingTm, { exceptionId: 'resume-1', kind: 'resume', reason: 'back' });
  expect(resumed.onHold).toBe(false);
  expect(resumed.window!.endsOn > end).toBe(true);
  expect(calendar.daysBetween(end, resumed.window!.endsOn)).toBeGreaterThanOrEqual(20);
  await sleepUntil(calendar.atLocalTime(resumed.window!.endsOn, '18:00'));
  expect((await state(handle)).completion?.effectiveOn).toBe(resumed.window!.endsOn);
});

test('an invalid signal is kept in the history as rejected, and a re-sent signal is applied once', async () => {
  const today = await envToday();
  const handle = await startTransfer(suite.env.client, islingtonCinToCla({ trigger: { event: 'first-cla-review', date: plusDays(today, 35) } }), today);
  // A receiving manager may not send the written notification.
  await signal(handle, 'notification', actors.receivingTm, { notifiedOn: today }, 'sig-1');
  await signal(handle, 'notification', actors.transferringTm, { notifiedOn: today }, 'sig-2');
  await signal(handle, 'notification', actors.transferringTm, { notifiedOn: today }, 'sig-2');
  const s = await eventually(handle, (x) => x.history.filter((h) => h.event === 'notification').length >= 2);
  const notifications = s.history.filter((h) => h.event === 'notification');
  expect(notifications.map((h) => h.outcome)).toEqual(['rejected', 'accepted']);
  expect(s.status).toBe('notified');
});
