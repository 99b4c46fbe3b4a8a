// Measures one typical Islington transfer's history: start, notification, acknowledgement,
// allocation, ten checklist items, meeting scheduled and held. Prints the event count and the
// history's size as JSON; asserts nothing (run: npm run build && npx ts-node --transpile-only test/replay/measure-history.ts).
import { randomUUID } from 'node:crypto';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { createTestWorker, createTimeSkippingEnv } from '../support/temporal';
import { envToday } from '../support/time-skipping';
import { islingtonCinToCla, plusDays } from '../support/fixtures';
import { actors, startTransfer, state, update } from '../support/workflow-driver';

async function main() {
  const env = await createTimeSkippingEnv();
  const worker = await createTestWorker(env);
  const running = worker.run();
  try {
    const today = await envToday(env);
    const request = islingtonCinToCla({ transferId: randomUUID(), trigger: { event: 'first-cla-review', date: plusDays(today, 35) } });
    const h = await startTransfer(env.client, request, today);
    await update(h, 'notification', actors.transferringTm, { notifiedOn: today, windowEnd: plusDays(today, 30) });
    await update(h, 'acknowledgement', actors.receivingTm, {});
    await update(h, 'allocation', actors.receivingTm, { receivingSocialWorker: { id: 'sw-jo', role: 'social-worker' } });
    const items = (await state(h)).checklist.map((i) => i.itemId);
    const ten = Array.from({ length: 10 }, (_, i) => items[i % items.length]);
    for (const [i, itemId] of ten.entries()) {
      await update(h, 'checklistItem', actors.allocatedSw, i < items.length ? { itemId, state: 'done' } : { itemId, state: 'done', note: `again ${i}` });
    }
    await update(h, 'meeting', actors.transferringTm, { status: 'scheduled', on: plusDays(today, 10) });
    await update(h, 'meeting', actors.transferringTm, { status: 'held', on: plusDays(today, 10), attendees: ['sw-anna', 'sw-jo'] });
    const s = await state(h);
    // The run the lifecycle happened in (a run that continued as new afterwards ends with that event).
    const first = env.client.workflow.getHandle(h.workflowId, (h as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId);
    const history = await first.fetchHistory();
    const json = historyToJSON(history);
    const byType: Record<string, number> = {};
    for (const e of JSON.parse(json).events as { eventType: string }[]) byType[e.eventType] = (byType[e.eventType] ?? 0) + 1;
    const last = history.events?.[history.events.length - 1];
    const continued = Boolean(last?.workflowExecutionContinuedAsNewEventAttributes);
    const current = continued ? (await h.fetchHistory()).events?.length : undefined;
    console.log(JSON.stringify({ checklistItems: items.length, status: s.status, events: history.events?.length, bytes: Buffer.byteLength(json), continuedAsNew: continued, eventsInNextRun: current, byType }));
  } finally {
    worker.shutdown();
    await running;
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
