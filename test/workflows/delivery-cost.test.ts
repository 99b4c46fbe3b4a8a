// What a step costs in deliveries, counted from the workflow's history: a step's deliveries first
// tried together as one local activity in the step's own workflow task (an activity only when that
// fails); email only for steps that notify someone; every message reaches the webhook (and the
// audit log) once and in order, those queued behind a slow delivery together in one delivery.
import { createServer, type Server } from 'node:http';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { ActivityDeps, AuditRecord, FirstTries } from '../../activities';

type Channel = keyof FirstTries;
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
let slowFor = new Set<string>();
/** Transfers whose first post of the start's message is answered 503 (then the rest 204). */
let failFirst = new Set<string>();
const posted: { workflowId: string; sequence: number }[] = [];
const audit: AuditRecord[] = [];
const deps: Partial<ActivityDeps> = { audit: (r) => void audit.push(r) };

beforeAll(async () => {
  catcher = await startMailCatcher({ uiPort: false });
  // Holds each post of a transfer in `slowFor` for a second (inside the fast path's 3 s), so the next steps queue behind it.
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const event = JSON.parse(body) as { transferId: string; sequence: number };
      const workflowId = workflowIdFor(event.transferId);
      if (failFirst.has(workflowId) && event.sequence === 1) {
        failFirst.delete(workflowId);
        res.writeHead(503).end();
        return;
      }
      posted.push({ workflowId, sequence: event.sequence });
      setTimeout(() => res.writeHead(204).end(), slowFor.has(workflowId) ? 1000 : 0);
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

/** The channels each first try (a local activity's marker) carried, read from the outcomes it recorded. */
async function firstTries(handle: WorkflowHandle): Promise<Channel[][]> {
  const history = await handle.fetchHistory();
  const converter = testDataConverter();
  const out: Channel[][] = [];
  for (const e of history.events ?? []) {
    if (e.eventType !== EventType.EVENT_TYPE_MARKER_RECORDED) continue;
    const details = e.markerRecordedEventAttributes!.details;
    const data = details?.data?.payloads?.[0];
    if (!data || defaultPayloadConverter.fromPayload<{ activity_type: string }>(data).activity_type !== 'firstTries') continue;
    const [result] = await converter.payloadCodecs![0].decode(details!.result!.payloads!);
    out.push(Object.keys(defaultPayloadConverter.fromPayload<FirstTries>(result)) as Channel[]);
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

test('only a step that notifies someone takes an email delivery', async () => {
  const today = await suite.today();
  const request = namedRequest({ trigger: { event: 'first-cla-review', date: plusDays(today, 35) } });
  const handle = await startTransfer(suite.env.client, request, today);
  await lifecycleStart(handle, today);
  await eventually(async () => auditOf(handle.workflowId), (seqs) => seqs.length >= 4);

  await catcher.waitFor(() => catcher.messages().some((m) => m.headers['x-case-transfers-event'] === `${handle.workflowId}:2`), 20_000);
  // Of start, notification, acknowledgement and allocation, only the written notification emails
  // anyone: one email delivery, tried once on the fast path together with that step's webhook, and
  // no email activity.
  const tries = await firstTries(handle);
  expect(tries.filter((channels) => channels.includes('email'))).toEqual([['webhook', 'email']]);
  expect(tries.every((channels) => channels.includes('webhook'))).toBe(true);
  expect((await scheduled(handle)).filter((a) => a.type === 'sendNotifications')).toEqual([]);
  const events = new Set(catcher.messages().filter((m) => m.headers['x-case-transfers-event']?.startsWith(`${handle.workflowId}:`)).map((m) => m.headers['x-case-transfers-event']));
  expect([...events]).toEqual([`${handle.workflowId}:2`]);
});

test('a healthy webhook receiver takes every message on the fast path: no activity is scheduled', async () => {
  const today = await suite.today();
  const request = islingtonCinToCla({ trigger: { event: 'first-cla-review', date: plusDays(today, 35) } });
  const handle = await startTransfer(suite.env.client, request, today);
  await lifecycleStart(handle, today);
  await eventually(async () => posted.filter((p) => p.workflowId === handle.workflowId), (p) => p.length >= 4);
  expect(posted.filter((p) => p.workflowId === handle.workflowId).map((p) => p.sequence)).toEqual([1, 2, 3, 4]);
  expect(await scheduled(handle)).toEqual([]);
  expect((await firstTries(handle)).filter((channels) => channels.includes('webhook')).length).toBeGreaterThanOrEqual(1);
});

test('a delivery that fails on the fast path goes on to the retrying activity, and nothing is lost or reordered', async () => {
  const today = await suite.today();
  const request = islingtonCinToCla({ trigger: { event: 'first-cla-review', date: plusDays(today, 35) } });
  const workflowId = workflowIdFor(request.transferId);
  failFirst = new Set([workflowId]);
  const handle = await startTransfer(suite.env.client, request, today);
  await lifecycleStart(handle, today);
  await eventually(async () => posted.filter((p) => p.workflowId === workflowId), (p) => p.length >= 4);
  expect(posted.filter((p) => p.workflowId === workflowId).map((p) => p.sequence)).toEqual([1, 2, 3, 4]);
  const retried = (await scheduled(handle)).filter((a) => a.type === 'deliverWebhooks');
  expect(retried.map((a) => (a.input as TransferEventMessage[])[0].sequence)).toEqual([1]);
  expect((await state(handle)).deliveryFailures.filter((f) => f.channel === 'webhook')).toEqual([]);
});

test('steps queued behind a slow webhook delivery go together, once each and in order', async () => {
  const today = await suite.today();
  const request = islingtonCinToCla({ trigger: { event: 'first-cla-review', date: plusDays(today, 35) } });
  const workflowId = workflowIdFor(request.transferId);
  slowFor = new Set([workflowId]);
  const handle = await startTransfer(suite.env.client, request, today);
  // Three signals while the start's message is still being posted.
  await handle.signal(eventSignals.notification as never, { actor: actors.transferringTm, payload: { notifiedOn: today, windowEnd: plusDays(today, 40) } });
  await handle.signal(eventSignals.acknowledgement as never, { actor: actors.receivingTm, payload: {} });
  await handle.signal(eventSignals.allocation as never, { actor: actors.receivingTm, payload: { receivingSocialWorker: { id: 'sw-jo', role: 'social-worker' } } });
  await eventually(async () => posted.filter((p) => p.workflowId === workflowId), (p) => p.length >= 4, 20_000);

  expect(posted.filter((p) => p.workflowId === workflowId).map((p) => p.sequence)).toEqual([1, 2, 3, 4]);
  expect(auditOf(workflowId)).toEqual([1, 2, 3, 4]);
  // Four messages, fewer deliveries: those that committed while one was being posted went together.
  const deliveries = (await firstTries(handle)).filter((channels) => channels.includes('webhook')).length + (await scheduled(handle)).filter((a) => a.type === 'deliverWebhooks').length;
  expect(deliveries).toBeLessThan(4);
});
