// Lifecycles that differ by protocol (Somerset, Southwark, the unnamed authority, Barking and
// Dagenham) in the time-skipping server, with dates derived from the environment's clock.
import { randomUUID } from 'node:crypto';
import type { Child } from '../../workflows/definitions';
import { startableTransfer as transfer } from '../support/fixtures';
import { calendar, timeSkippingSuite } from '../support/time-skipping';
import { actors, eventually, startTransfer, state, update } from '../support/workflow-driver';

const suite = timeSkippingSuite();
const sleepUntil = (instant: string) => suite.sleepUntil(instant);
const envToday = () => suite.today();

test('Somerset: agreed tasks still open when the two weeks run out send the case back to the next TAM, and a new decision restarts the clock', async () => {
  const today = await envToday();
  const h = await startTransfer(suite.env.client, transfer('somerset', 'som-at-to-sg', { event: 'icpc', date: today }), today);
  const decided = await update(h, 'decision', actors.receivingTm, { on: today, agreedTasks: ['assessment', 'case-summary'] });
  expect(decided.status).toBe('notified');
  await update(h, 'checklistItem', actors.allocatedSw, { itemId: 'som-agreed-task-assessment', state: 'done' });

  const clockEnd = calendar.breachInstant(calendar.addDays(today, 14));
  await sleepUntil(clockEnd);
  const returned = await state(h);
  expect(returned.status).toBe('returned-to-meeting');
  expect(returned.completion).toBeUndefined();
  expect(returned.meeting.scheduledOn).toBe(calendar.weekdayAfter(calendar.addDays(today, 14), 'TUE'));
  // The old clock no longer runs: nothing escalates about a decision that was sent back.
  expect(returned.escalations).toEqual([]);

  const again = await update(h, 'decision', actors.receivingTm, { on: returned.meeting.scheduledOn!, agreedTasks: ['case-summary'] });
  expect(again.status).toBe('notified');
  const newClock = again.deadlines.find((d) => d.rule === 'T-SOM-02' && d.state === 'pending');
  expect(newClock?.dueOn).toBe(calendar.addDays(returned.meeting.scheduledOn!, 14));
});

test('Somerset: ready but unallocated goes to the receiving TM tray, escalates to the receiving OM and owes weekly overviews until allocation and handover', async () => {
  const today = await envToday();
  const h = await startTransfer(suite.env.client, transfer('somerset', 'som-at-to-sg', { event: 'icpc', date: today }), today);
  await update(h, 'decision', actors.receivingTm, { on: today, agreedTasks: ['plan'] });
  await update(h, 'checklistItem', actors.allocatedSw, { itemId: 'som-agreed-task-plan', state: 'done' });
  const trayOn = calendar.addDays(today, 15);
  await sleepUntil(calendar.breachInstant(calendar.addDays(today, 14)));
  const inTray = await state(h);
  expect(inTray.status).toBe('post-transfer');
  expect(inTray.completion).toMatchObject({ receiver: 'team-queue', effectiveOn: trayOn });
  expect(inTray.escalations.filter((e) => e.state === 'open').map((e) => e.to.id)).toContain('sm-gu');
  const overview = inTray.deadlines.find((d) => d.rule === 'T-SOM-04' && d.state === 'pending');
  expect(overview?.dueOn).toBe(calendar.addDays(trayOn, 7));

  await update(h, 'trigger', actors.receivingTm, { event: 'weekly-overview', on: calendar.addDays(trayOn, 6) });
  await sleepUntil(calendar.breachInstant(calendar.addDays(trayOn, 7)));
  const week2 = await state(h);
  expect(week2.deadlines.filter((d) => d.rule === 'T-SOM-04').map((d) => [d.dueOn, d.state])).toEqual([
    [calendar.addDays(trayOn, 7), 'met'],
    [calendar.addDays(trayOn, 14), 'pending'],
  ]);

  await update(h, 'allocation', actors.receivingTm, { receivingSocialWorker: { id: 'sw-new', role: 'social-worker' } });
  expect((await state(h)).status).toBe('post-transfer');
  const handedOver = await update(h, 'meeting', actors.receivingTm, { status: 'held', on: calendar.addDays(trayOn, 9), attendees: ['sw-new', 'family'] });
  expect(handedOver.status).toBe('completed');
  expect(handedOver.deadlines.filter((d) => d.rule === 'T-SOM-04' && d.state === 'pending')).toEqual([]);
});

test('Southwark: the CIN review completes the transfer; a remediation letter starts a two-week clock that escalates to the Head of Service', async () => {
  const today = await envToday();
  const review = calendar.addWorkingDays(today, 10);
  const h = await startTransfer(
    suite.env.client,
    transfer('southwark', 'swk-ai-to-sfs-cin', { event: 'cin-review', date: review }, { notifiedOn: today }),
    today,
  );
  expect((await state(h)).deadlines.find((d) => d.rule === 'T-SWK-02')?.dueOn).toBe(review);

  // Record quality is never a reason to refuse (004 §3.5).
  await expect(update(h, 'rejection', actors.receivingTm, { reason: 'RECORD_QUALITY' })).rejects.toMatchObject({
    cause: { type: 'InvalidState', message: expect.stringMatching(/RECORD_QUALITY.*remediation/i) },
  });
  // ... nor, dressed as a cancellation, a reason to stop it.
  await expect(update(h, 'cancellation', actors.receivingTm, { reason: 'record quality' })).rejects.toMatchObject({
    cause: { type: 'InvalidState', message: expect.stringMatching(/RECORD_QUALITY/) },
  });

  await update(h, 'allocation', actors.receivingTm, { receivingSocialWorker: { id: 'sw-new', role: 'social-worker' } });
  await sleepUntil(calendar.startOfDay(review));
  const done = await update(h, 'trigger', actors.integration, { event: 'cin-review', on: review });
  expect(done.completion).toMatchObject({ how: 'trigger-event', effectiveOn: review, receiver: 'worker' });
  expect(done.deadlines.find((d) => d.rule === 'T-SWK-02')?.state).toBe('met');

  const letterOn = calendar.addDays(review, 1);
  const letter = await update(h, 'remediation', actors.receivingTm, {
    letterOn,
    items: [{ itemId: 'chronology', description: 'chronology not up to date' }],
  });
  expect(letter.status).toBe('post-transfer');
  expect(letter.remediation).toMatchObject({ letterOn, dueOn: calendar.addDays(letterOn, 14) });

  await sleepUntil(calendar.breachInstant(calendar.addDays(letterOn, 14)));
  const late = await state(h);
  expect(late.deadlines.find((d) => d.rule === 'T-SWK-05')?.state).toBe('missed');
  expect(late.escalations.find((e) => e.state === 'open')?.to.id).toBe('hos-tx');

  const fixed = await update(h, 'remediation', actors.transferringTm, { itemId: 'chronology' });
  expect(fixed.status).toBe('completed');
});

test('Unnamed authority: outstanding items do not delay the agreed date; they become deferred with a due date owned by the transferring manager', async () => {
  const today = await envToday();
  const agreed = calendar.addDays(today, 10);
  const h = await startTransfer(suite.env.client, transfer('internal-v11', 'unn-ai-to-fsp-cin', { event: 'cin-six-months', date: today }), today);
  await update(h, 'decision', actors.transferringTm, { on: today, transferOn: agreed });
  const open = (await state(h)).checklist.filter((i) => i.state === 'open').map((i) => i.itemId);
  expect(open).toEqual(expect.arrayContaining(['unn-genogram-ecomap', 'unn-photo-of-child']));
  await sleepUntil(calendar.atLocalTime(agreed, '18:00'));
  const s = await state(h);
  expect(s.completion).toMatchObject({ how: 'agreed-date', effectiveOn: agreed });
  expect(s.status).toBe('post-transfer');
  const photo = s.checklist.find((i) => i.itemId === 'unn-photo-of-child');
  expect(photo).toMatchObject({ state: 'deferred', owner: 'tm-cy', deferredUntil: calendar.addDays(agreed, 14) });
});

test('Barking and Dagenham: a historic gap satisfies sign-off; without sign-off the agreed date passes and the transfer waits', async () => {
  const today = await envToday();
  const agreed = calendar.addDays(today, 10);
  const lookedAfter: Child[] = [{ ref: 'C-7', dateOfBirth: '2012-02-02', legalStatus: 's31 care order', lookedAfter: true }];
  const start = (id: string) =>
    startTransfer(
      suite.env.client,
      transfer('barking-dagenham', 'lbbd-to-cic-longterm', { event: 'final-hearing', date: today }, { transferId: id, children: lookedAfter }),
      today,
    );
  const signed = await start(randomUUID());
  const waiting = await start(randomUUID());
  for (const h of [signed, waiting]) await update(h, 'decision', actors.transferringTm, { on: today, transferOn: agreed });

  const items = (await state(signed)).checklist.filter((i) => i.blocking);
  expect(items.map((i) => i.itemId)).toContain('lbbd-lt-birth-certificate');
  for (const item of items) {
    await update(signed, 'checklistItem', actors.transferringTm, {
      itemId: item.itemId,
      state: item.itemId === 'lbbd-lt-birth-certificate' ? 'historic-gap' : 'done',
      note: item.itemId === 'lbbd-lt-birth-certificate' ? 'missing since before the current allocation' : undefined,
    });
  }
  await sleepUntil(calendar.atLocalTime(agreed, '18:00'));
  expect((await state(signed)).completion).toMatchObject({ how: 'agreed-date', effectiveOn: agreed });
  const pending = await state(waiting);
  expect(pending.completion).toBeUndefined();
  expect(pending.escalations.find((e) => e.state === 'open')?.reason).toMatch(/signed off/);
});

test('Barking and Dagenham: a transfer-in stays blocked (the other authority responsible) until LBBD decides', async () => {
  const today = await envToday();
  const h = await startTransfer(
    suite.env.client,
    transfer('barking-dagenham', 'lbbd-transfer-in-cin', { event: 'transfer-in-request', date: today }, { notifiedOn: today }),
    today,
  );
  // Under load a query can overtake the first task's local activities: wait for the start to settle.
  const blocked = await eventually(h, (x) => x.status === 'blocked');
  expect(blocked.status).toBe('blocked');
  expect(blocked.blocked?.rule).toBe('R-BLK-LBBD-TIN');
  await expect(
    update(h, 'meeting', actors.receivingTm, { status: 'held', on: today, attendees: ['sw-anna'] }),
  ).rejects.toMatchObject({ cause: { type: 'InvalidState', message: expect.stringMatching(/R-BLK-LBBD-TIN/) } });
  const decided = await update(h, 'decision', actors.receivingTm, { on: today, transferOn: calendar.addDays(today, 7) });
  expect(decided.status).toBe('notified');
  expect(decided.blocked).toBeUndefined();
});

test('Barking and Dagenham: private fostering with a CP issue is blocked until the issue is resolved', async () => {
  const today = await envToday();
  const cp: Child[] = [{ ref: 'PF-1', dateOfBirth: '2012-05-05', legalStatus: 's47', lookedAfter: false, facts: { cpPlan: true } }];
  const h = await startTransfer(
    suite.env.client,
    transfer('barking-dagenham', 'lbbd-private-fostering', { event: 'private-fostering-identified', date: today }, { children: cp }),
    today,
  );
  expect((await eventually(h, (x) => x.status === 'blocked')).status).toBe('blocked');
  const resolved = await update(h, 'checklistItem', actors.transferringTm, { itemId: 'lbbd-pf-cp-issue-resolved', state: 'done' });
  expect(resolved.blocked).toBeUndefined();
  expect(resolved.status).not.toBe('blocked');
});

test('Barking and Dagenham: an allocation date past two weeks needs both Heads of Service; once approved the decision is accepted', async () => {
  const today = await envToday();
  const late = calendar.addDays(today, 19);
  const h = await startTransfer(suite.env.client, transfer('barking-dagenham', 'lbbd-assess-to-cm-cp', { event: 'icpc', date: today }), today);
  await expect(update(h, 'decision', actors.receivingTm, { on: today, transferOn: late })).rejects.toMatchObject({
    cause: { type: 'RuleViolation', message: expect.stringMatching(/T-LBBD-02/) },
  });
  await update(h, 'exceptionRequest', actors.receivingTm, { exceptionId: 'lbbd-x', kind: 'extend-window', reason: 'capacity plan agreed', newWindowEnd: late });
  await update(h, 'exceptionDecision', actors.transferringHos, { exceptionId: 'lbbd-x', decision: 'approve' });
  const approved = await update(h, 'exceptionDecision', actors.receivingHos, { exceptionId: 'lbbd-x', decision: 'approve' });
  expect(approved.exceptions[0].state).toBe('approved');
  const decided = await update(h, 'decision', actors.receivingTm, { on: today, transferOn: late });
  expect(decided.agreedTransferOn).toBe(late);
});
