// What a step costs in deliveries, counted from the workflow's history: email activities only for
// steps that notify someone; every message reaches the webhook (and
// the audit log) once and in order, those queued behind a slow delivery together in one activity.
import { createServer, type Server } from 'node:http';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { ActivityDeps, AuditRecord } from '../../activities';
import { startMailCatcher, type MailCatcher } from '../../activities/notifications/mail-catcher';
import { eventSignals, workflowIdFor, type TransferEventMessage } from '../../workflows/definitions';
import { islingtonCinToCla, plusDays } from '../support/fixtures';
import { namedRequest } from '../activities/notifications/helpers';
import { testDataConverter } from '../support/temporal';
import { timeSkippingSuite } from '../support/time-skipping';
import { actors, startTransfer, state, update } from '../support/workflow-driver';

const { EventType } = temporal.api.enums.v1;

let catcher: MailCatcher;
let receiver: Server;
let slowFirst = new Set<string>();
const posted: { workflowId: string; sequence: number }[] = [];
const audit: AuditRecord[] = [];
const deps: Partial<ActivityDeps> = { audit: (r) => void audit.push(r) };

beforeAll(async () => {
  catcher = await startMailCatcher({ uiPort: false });
  // Holds the first post of a transfer in `slowFirst` for a second, so the next steps queue behind it.
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const event = JSON.parse(body) as { transferId: string; sequence: number };
      const workflowId = workflowIdFor(event.transferId);
      posted.push({ workflowId, sequence: event.sequence });
      const wait = slowFirst.has(workflowId) && event.sequence === 1 ? 1000 : 0;
      setTimeout(() => res.writeHead(204).end(), wait);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as { port: number };
  deps.mail = { smtpUrl: catcher.smtpUrl, from: 'Case transfers <noreply@transfers.example.gov.uk>', publicBaseUrl: 'https://transfers.example.gov.uk', timeoutMs: 5000, invite: { minutes: 60 } };
  deps.webhook = { url: `http://127.0.0.1:${port}/events`, secret: 'delivery-cost-webhook-secret-0123456789', timeoutMs: 5000 };
});

const suite = timeSkippingSuite(deps);

afterAll(async () => {
  await catcher?.close();
  await new Promise((r) => receiver?.close(r));
});

/** The activities a run scheduled, by type, with their inputs. */
async function scheduled(handle: WorkflowHandle): Promise<{ type: string; input: unknown }[]> {
  const history = await handle.fetchHistory();
  const converter = testDataConverter();
  const out: { type: string; input: unknown }[] = [];
  for (const e of history.events ?? []) {
    if (e.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) continue;
    const a = e.activityTaskScheduledEventAttributes!;
    const payloads = a.input?.payloads ?? [];
    const decoded = await converter.payloadCodecs![0].decode(payloads);
    out.push({ type: a.activityType!.name!, input: defaultPayloadConverter.fromPayload(decoded[0]) });
  }
  return out;
}

async function lifecycleStart(handle: WorkflowHandle, today: string): Promise<void> {
  await update(handle, 'notification', actors.transferringTm, { notifiedOn: today, windowEnd: plusDays(today, 40) });
  await update(handle, 'acknowledgement', actors.receivingTm, {});
  await update(handle, 'allocation', actors.receivingTm, { receivingSocialWorker: { id: 'sw-jo', role: 'social-worker' } });
}

async function eventually<T>(fn: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (done(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const auditOf = (workflowId: string) => audit.filter((r) => r.workflowId === workflowId).map((r) => r.sequence);

test('only a step that notifies someone takes an email activity', async () => {
  const today = await suite.today();
  const request = namedRequest({ trigger: { event: 'first-cla-review', date: plusDays(today, 35) } });
  const handle = await startTransfer(suite.env.client, request, today);
  await lifecycleStart(handle, today);
  await eventually(async () => auditOf(handle.workflowId), (seqs) => seqs.length >= 4);

  const emails = (await scheduled(handle)).filter((a) => a.type === 'sendNotifications');
  // Of start, notification, acknowledgement and allocation, only the written notification emails anyone.
  expect(emails.map((a) => (a.input as TransferEventMessage).event)).toEqual(['notification']);
  await catcher.waitFor(() => catcher.messages().some((m) => m.headers['x-case-transfers-event'] === `${handle.workflowId}:2`), 20_000);
});

test('steps queued behind a slow webhook delivery go together, once each and in order', async () => {
  const today = await suite.today();
  const request = islingtonCinToCla({ trigger: { event: 'first-cla-review', date: plusDays(today, 35) } });
  const workflowId = workflowIdFor(request.transferId);
  slowFirst = new Set([workflowId]);
  const handle = await startTransfer(suite.env.client, request, today);
  await state(handle);
  // Three signals while the start's message is still being posted.
  await handle.signal(eventSignals.notification as never, { actor: actors.transferringTm, payload: { notifiedOn: today, windowEnd: plusDays(today, 40) } });
  await handle.signal(eventSignals.acknowledgement as never, { actor: actors.receivingTm, payload: {} });
  await handle.signal(eventSignals.allocation as never, { actor: actors.receivingTm, payload: { receivingSocialWorker: { id: 'sw-jo', role: 'social-worker' } } });
  await eventually(async () => posted.filter((p) => p.workflowId === workflowId), (p) => p.length >= 4, 20_000);

  expect(posted.filter((p) => p.workflowId === workflowId).map((p) => p.sequence)).toEqual([1, 2, 3, 4]);
  expect(auditOf(workflowId)).toEqual([1, 2, 3, 4]);
  const batches = (await scheduled(handle)).filter((a) => a.type === 'deliverWebhooks').map((a) => (a.input as TransferEventMessage[]).map((m) => m.sequence));
  expect(batches.flat()).toEqual([1, 2, 3, 4]);
  expect(batches.length).toBeLessThan(4);
});
