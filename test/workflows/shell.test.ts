// The workflow shell on the time-skipping server: a signal claiming the system actor is kept as
// rejected, and a completed transfer with a long history continues as new carrying its model
// (deadlines, applied event ids, message sequence, search attributes) into a run that carries on
// where the first stopped; one with a short history carries on in the same run.
import { randomUUID } from 'node:crypto';
import { CONTINUE_AFTER_COMPLETION_AT_EVENTS } from '../../workflows/case-transfer';
import { SA } from '../../workflows/definitions';
import { islingtonCinToCla, plusDays } from '../support/fixtures';
import { calendar, timeSkippingSuite } from '../support/time-skipping';
import { actors, eventually, lengthenHistory, signal, startTransfer, state, update, updateResult } from '../support/workflow-driver';

const suite = timeSkippingSuite();

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
