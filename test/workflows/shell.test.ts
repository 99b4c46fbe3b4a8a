// The workflow shell on the time-skipping server: a signal claiming the system actor is kept as
// rejected, and a completed transfer with a long history continues as new carrying its model
// (deadlines, applied event ids, message sequence, search attributes) into a run that carries on
// where the first stopped; one with a short history carries on in the same run. And the clock
// keeps a started timer when the nearest due time moves later: it rings early, and only then is the
// next one started.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { CONTINUE_AFTER_COMPLETION_AT_EVENTS } from '../../workflows/case-transfer';
import { SA } from '../../workflows/definitions';
import { islingtonCinToCla, plusDays } from '../support/fixtures';
import { calendar, timeSkippingSuite } from '../support/time-skipping';
import { actors, eventually, lengthenHistory, signal, startTransfer, state, update, updateResult } from '../support/workflow-driver';

const suite = timeSkippingSuite();
const { EventType } = temporal.api.enums.v1;

/** How many timers the run started, fired and cancelled so far. */
async function timerEvents(h: WorkflowHandle) {
  const events = (await h.fetchHistory()).events ?? [];
  const count = (type: number) => events.filter((e) => e.eventType === type).length;
  return { started: count(EventType.EVENT_TYPE_TIMER_STARTED), fired: count(EventType.EVENT_TYPE_TIMER_FIRED), cancelled: count(EventType.EVENT_TYPE_TIMER_CANCELED) };
}

const nearestDue = (s: { deadlines: { state: string; due: string }[] }) =>
  s.deadlines.filter((d) => d.state === 'pending').map((d) => d.due).sort()[0];

function isl(today: string, end: string) {
  return islingtonCinToCla({ transferId: randomUUID(), notifiedOn: today, windowEnd: end, trigger: { event: 'first-cla-review', date: plusDays(today, 35) } });
}

test('a signal claiming the system actor is refused and kept in the history as rejected', async () => {
  const today = await suite.today();
  const h = await startTransfer(suite.env.client, isl(today, plusDays(today, 30)), today);
  await signal(h, 'cancellation', { id: 'system', roles: [], sides: [], kind: 'system' }, { reason: 'CHILD_MOVED_AWAY' });
  const s = await eventually(h, (x) => x.history.some((e) => e.outcome === 'rejected'));
  expect(s.status).toBe('notified');
  expect(s.history.at(-1)).toMatchObject({ event: 'cancellation', by: 'system', outcome: 'rejected', detail: expect.stringMatching(/system actor/) });
  await expect(updateResult(h, 'cancellation', { ...actors.integration, kind: 'system' }, { reason: 'CHILD_MOVED_AWAY' })).rejects.toMatchObject({
    cause: { type: 'Forbidden' },
  });
});

test('a completed transfer with a short history carries on in the same run', async () => {
  const today = await suite.today();
  const end = plusDays(today, 14);
  const h = await startTransfer(suite.env.client, isl(today, end), today);
  await updateResult(h, 'acknowledgement', actors.receivingTm, {}, 'ack-1');
  await suite.sleepUntil(calendar.atLocalTime(end, '18:00'));
  await eventually(h, (x) => x.status === 'post-transfer');
  const events = (await h.fetchHistory()).events?.length ?? 0;
  expect(events).toBeLessThan(CONTINUE_AFTER_COMPLETION_AT_EVENTS);
  // Give a continue-as-new every chance to happen: an event after completion is answered by the first run.
  const allocated = await update(h, 'allocation', actors.receivingTm, { receivingSocialWorker: { id: 'sw-jo', role: 'social-worker' } });
  expect(allocated.status).toBe('completed');
  const described = await h.describe();
  expect(described.runId).toBe(h.firstExecutionRunId);
  expect(described.status.name).toBe('RUNNING');
}, 90_000);

test('once only post-transfer obligations remain a long history continues as new, carrying the whole model', async () => {
  const today = await suite.today();
  const end = plusDays(today, 14);
  const h = await startTransfer(suite.env.client, isl(today, end), today);
  const ack = await updateResult(h, 'acknowledgement', actors.receivingTm, {}, 'ack-1');
  expect(ack).toMatchObject({ status: 'acknowledged', eventId: 'ack-1' });
  // A long history before completion: one checklist item done and reopened until it is long enough.
  await lengthenHistory(h, CONTINUE_AFTER_COMPLETION_AT_EVENTS);
  // The window ends with no named worker: completed into the team queue, an open obligation.
  await suite.sleepUntil(calendar.atLocalTime(end, '18:00'));
  const before = await eventually(h, (x) => x.status === 'post-transfer');
  expect(before.completion).toMatchObject({ how: 'window-end', receiver: 'team-queue' });

  const first = await suite.env.client.workflow.getHandle(h.workflowId, h.firstExecutionRunId).describe();
  const deadline = Date.now() + 20_000;
  let current = await h.describe();
  while (current.runId === first.runId && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    current = await h.describe();
  }
  expect((await suite.env.client.workflow.getHandle(h.workflowId, h.firstExecutionRunId).describe()).status.name).toBe('CONTINUED_AS_NEW');
  expect(current.runId).not.toBe(first.runId);
  expect(current.typedSearchAttributes.get(SA.status)).toBe('post-transfer');

  // The new run holds the same state: history, deadlines, the queue obligation.
  const after = await state(h);
  expect(after.history).toEqual(before.history);
  expect(after.deadlines).toEqual(before.deadlines);
  // An event already applied in the first run is recognised in the second (its id came along).
  expect(await updateResult(h, 'acknowledgement', actors.receivingTm, {}, 'ack-1')).toMatchObject({ duplicate: true });
  // And it carries on: the allocation clears the queue, the next message continues the sequence.
  const allocated = await update(h, 'allocation', actors.receivingTm, { receivingSocialWorker: { id: 'sw-jo', role: 'social-worker' } });
  expect(allocated.status).toBe('completed');
  expect(allocated.history.map((e) => e.event).slice(-2)).toEqual(['timer:completion', 'allocation']);
  expect((await h.describe()).runId).toBe(current.runId);
}, 90_000);

test('the nearest due time moving later keeps the started timer: it rings early, the next is started then, and the window end still completes on time', async () => {
  const today = await suite.today();
  const end = plusDays(today, 14);
  const h = await startTransfer(suite.env.client, isl(today, end), today);
  const started = await state(h);
  const firstDue = nearestDue(started);
  expect(firstDue).toBeDefined();

  // The acknowledgement meets the nearest deadline: what is due next is later, and no timer moves.
  const acknowledged = await update(h, 'acknowledgement', actors.receivingTm, {});
  expect(acknowledged.deadlines.find((d) => d.due === firstDue)?.state).not.toBe('pending');
  expect((nearestDue(acknowledged) ?? end) > firstDue).toBe(true);
  expect(await timerEvents(h)).toEqual({ started: 1, fired: 0, cancelled: 0 });

  // The first timer rings at the deadline met meanwhile: nothing fires, the next timer starts.
  await suite.sleepUntil(firstDue);
  const early = await eventually(h, () => true);
  expect(early.history.map((e) => e.event)).toEqual(acknowledged.history.map((e) => e.event));
  expect(early.deadlines.filter((d) => d.state === 'missed')).toEqual([]);
  expect(await timerEvents(h)).toEqual({ started: 2, fired: 1, cancelled: 0 });

  // The window end completes the transfer on the timer started then.
  await suite.sleepUntil(calendar.atLocalTime(end, '18:00'));
  const completed = await eventually(h, (x) => x.status === 'post-transfer' || x.status === 'completed');
  expect(completed.completion).toMatchObject({ how: 'window-end', effectiveOn: end });
}, 90_000);
