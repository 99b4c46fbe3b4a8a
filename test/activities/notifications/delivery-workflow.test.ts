// The real workflow in the time-skipping server, delivering through a real SMTP server (the mail
// catcher) and a real HTTP webhook receiver that verifies every signature.
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import type { ActivityDeps, AuditRecord } from '../../../activities';
import { startMailCatcher, type CaughtMessage, type MailCatcher } from '../../../activities/notifications/mail-catcher';
import { webhookEventSchema } from '../../../activities/notifications/webhook-schema';
import { SA, workflowIdFor } from '../../../workflows/definitions';
import { plusDays } from '../../support/fixtures';
import { calendar, timeSkippingSuite } from '../../support/time-skipping';
import { actors, eventually, startTransfer, state, update } from '../../support/workflow-driver';
import { namedRequest, startWebhookReceiver, waitUntil, type Answer, type WebhookReceiver } from './helpers';

const secret = 'integration-webhook-secret-0123456789';
let catcher: MailCatcher;
let receiver: WebhookReceiver;
const audit: AuditRecord[] = [];
/** Per workflow: how many of its first webhook requests fail (the first one after being processed). */
const outages = new Map<string, number>();
// Filled in before the suite's worker is created (hooks run in the order they are registered).
const deps: Partial<ActivityDeps> = { audit: (r) => void audit.push(r) };

beforeAll(async () => {
  catcher = await startMailCatcher({
    uiPort: false,
    rejectRecipient: (a) => (a.endsWith('@bounce.test') ? { code: 550, message: 'mailbox unavailable' } : undefined),
  });
  receiver = await startWebhookReceiver(secret, ({ workflowId, n }): Answer => {
    const failing = outages.get(workflowId) ?? 0;
    if (n > failing) return 204;
    // The first failure is a lost answer: processed, but the sender sees a 503 and sends it again.
    return { status: 503, kept: n === 1 };
  });
  deps.mail = {
    smtpUrl: catcher.smtpUrl,
    from: 'Case transfers <noreply@transfers.example.gov.uk>',
    publicBaseUrl: 'https://transfers.example.gov.uk',
    timeoutMs: 5000,
    invite: { time: '10:00', minutes: 60 },
  };
  deps.webhook = { url: receiver.url, secret, timeoutMs: 5000 };
});

const suite = timeSkippingSuite(deps);

afterAll(async () => {
  await catcher?.close();
  await receiver?.close();
});

/** Envelope recipients of the mail with this subject prefix, for one transfer's case reference. */
function recipientsOf(mails: CaughtMessage[], subjectStart: string): string[] {
  return mails
    .filter((m) => m.subject.startsWith(subjectStart))
    .flatMap((m) => m.envelopeTo)
    .sort();
}

function mailsFor(workflowId: string): CaughtMessage[] {
  return catcher.messages().filter((m) => m.headers['x-case-transfers-event']?.startsWith(`${workflowId}:`));
}

async function mailArrives(workflowId: string, subjectStart: string, count: number): Promise<CaughtMessage[]> {
  await catcher.waitFor(() => recipientsOf(mailsFor(workflowId), subjectStart).length >= count, 20_000);
  return mailsFor(workflowId);
}

test('notifications reach the right people, and every webhook event arrives once and in order across an outage', async () => {
  const today = await suite.today();
  const request = namedRequest({ trigger: { event: 'first-cla-review', date: plusDays(today, 35) } });
  const wf = workflowIdFor(request.transferId);
  outages.set(wf, 2);

  const handle = await startTransfer(suite.env.client, request, today);
  await update(handle, 'notification', actors.transferringTm, { notifiedOn: today, windowEnd: plusDays(today, 40) });

  // Written notification: the ISL addressees with an email address (the receiving line manager has none).
  let mails = await mailArrives(wf, 'Transfer notification:', 3);
  expect(recipientsOf(mails, 'Transfer notification:')).toEqual(['anna@from.test', 'bo@from.test', 'di@to.test']);
  const notice = mails.find((m) => m.subject.startsWith('Transfer notification:'))!;
  expect(notice.subject).toBe('Transfer notification: case LCS-000001 from Children in Need to Children Looked After');
  expect(notice.text).toContain('please acknowledge the notification by');
  expect(notice.text).toContain(`https://transfers.example.gov.uk/app/transfers/${request.transferId}`);

  // The receiver is down for the first two attempts (about 15 s of backoff); let it catch up
  // before skipping time, so no delivery is left waiting across a skipped day.
  expect(await waitUntil(() => receiver.accepted(wf).length >= 2, 45_000)).toBe(true);

  const ackDue = calendar.breachInstant(calendar.addWorkingDays(today, 2));
  await suite.sleepUntil(ackDue);
  await mailArrives(wf, 'Escalation:', 1);
  await mailArrives(wf, 'Acknowledgement overdue:', 2);
  mails = mailsFor(wf);
  expect(recipientsOf(mails, 'Acknowledgement overdue:')).toEqual(['cy@from.test', 'di@to.test']);
  expect(recipientsOf(mails, 'Escalation:')).toEqual(['gu@to.test']);
  const escalated = (await state(handle)).escalations[0];
  const esc = mails.find((m) => m.subject.startsWith('Escalation:'))!;
  const respondBy = DateTime.fromISO(escalated.respondBy).setZone('Europe/London').setLocale('en-GB');
  expect(esc.subject).toContain(respondBy.toFormat("d LLLL yyyy 'at' HH:mm"));
  expect(esc.text).toContain(`https://transfers.example.gov.uk/app/transfers/${request.transferId}/escalations/${escalated.escalationId}/response`);

  await update(handle, 'acknowledgement', actors.receivingTm, {
    receivingSocialWorker: { id: 'sw-new', role: 'social-worker', email: 'new@to.test' },
  });
  const meetingOn = await suite.today();
  await update(handle, 'meeting', actors.allocatedSw, { status: 'scheduled', on: meetingOn });
  mails = await mailArrives(wf, 'Transfer meeting scheduled', 5);
  expect(recipientsOf(mails, 'Transfer meeting scheduled')).toEqual(['anna@from.test', 'bo@from.test', 'cy@from.test', 'di@to.test', 'new@to.test']);
  const invite = mails.find((m) => m.subject.startsWith('Transfer meeting scheduled'))!.attachments[0];
  const start = new ICAL.Event(new ICAL.Component(ICAL.parse(invite.content.toString('utf8'))).getFirstSubcomponent('vevent')!).startDate;
  expect(DateTime.fromJSDate(start.toJSDate()).setZone('Europe/London').toFormat('yyyy-MM-dd HH:mm')).toBe(`${meetingOn} 10:00`);

  const done = await update(handle, 'meeting', actors.transferringTm, { status: 'held', on: meetingOn, attendees: ['sw-anna', 'sw-new'] });
  expect(['completed', 'post-transfer']).toContain(done.status);
  mails = await mailArrives(wf, 'Transfer completed:', 5);
  expect(recipientsOf(mails, 'Transfer completed:')).toEqual(['anna@from.test', 'bo@from.test', 'cy@from.test', 'di@to.test', 'new@to.test']);
  // Holding the meeting sends no second invite.
  expect(recipientsOf(mails, 'Transfer meeting scheduled')).toHaveLength(5);
  const completed = mails.find((m) => m.subject.startsWith('Transfer completed:'))!;
  expect(completed.text).toContain(`Outstanding items (${done.completion!.outstandingItems.length})`);
  expect(completed.text).toContain(done.completion!.outstandingItems[0]);

  // Every published step reached the receiver exactly once after deduplication, in sequence order.
  const steps = (await state(handle)).history.filter((h) => h.outcome === 'accepted');
  const n = steps.length;
  expect(await waitUntil(() => receiver.accepted(wf).length >= n, 30_000)).toBe(true);
  const ours = receiver.requests.filter((r) => r.workflowId === wf);
  expect(ours.every((r) => r.verified.ok)).toBe(true);
  expect(ours.slice(0, 3).map((r) => [r.sequence, r.status])).toEqual([
    [1, 503],
    [1, 503],
    [1, 204],
  ]);
  // The lost answer made the receiver process sequence 1 twice: the Idempotency-Key removes it.
  expect(ours.filter((r) => r.kept && r.sequence === 1)).toHaveLength(2);
  const accepted = receiver.accepted(wf);
  expect(accepted.map((r) => r.sequence)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  const bodies = accepted.map((r) => webhookEventSchema.parse(JSON.parse(r.raw)));
  expect(bodies.map((b) => b.audit.event)).toEqual(steps.map((h) => h.event));
  expect(bodies.map((b) => b.type)).toEqual(steps.map((h) => `transfer.${h.event.replace(':', '.')}`));
  expect(bodies[n - 1].audit.statusAfter).toBe(done.status);
  expect(bodies[n - 1].transfer.completion?.effectiveOn).toBe(meetingOn);

  // And each step is in the audit log once, retries notwithstanding.
  expect(audit.filter((r) => r.workflowId === wf).map((r) => r.sequence)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect((await state(handle)).deliveryFailures).toEqual([]);
  // The webhook outage is ridden out with real-time backoff, and each step below is bounded on its
  // own; the test's limit only catches a hang, so it leaves room for a busy CPU.
}, 300_000);

test('an email the server refuses for good is recorded on the transfer and never holds it up', async () => {
  const today = await suite.today();
  const base = namedRequest({ trigger: { event: 'first-cla-review', date: plusDays(today, 35) } });
  const request = namedRequest({
    transferId: base.transferId,
    trigger: base.trigger,
    people: { ...base.people, allocatedSocialWorker: { id: 'sw-anna', role: 'social-worker', email: 'anna@bounce.test' } },
  });
  const wf = workflowIdFor(request.transferId);
  const handle = await startTransfer(suite.env.client, request, today);
  await update(handle, 'notification', actors.transferringTm, { notifiedOn: today, windowEnd: plusDays(today, 40) });
  await update(handle, 'acknowledgement', actors.receivingTm, {});
  await update(handle, 'meeting', actors.transferringTm, { status: 'scheduled', on: today });
  const done = await update(handle, 'meeting', actors.transferringTm, { status: 'held', on: today, attendees: ['sw-anna'] });
  expect(['completed', 'post-transfer']).toContain(done.status);

  // Notification (2), meeting scheduled (4) and completion (5) each had the refused address.
  const s = await eventually(handle, (x) => x.deliveryFailures.length >= 3, 20_000);
  expect(s.deliveryFailures.map((f) => [f.channel, f.sequence, f.event])).toEqual([
    ['email', 2, 'notification'],
    ['email', 4, 'meeting'],
    ['email', 5, 'meeting'],
  ]);
  expect(s.deliveryFailures[0].error).toMatch(/anna@bounce\.test.*550/);
  expect(s.status).toBe(done.status);
  // The others were still told.
  expect(recipientsOf(mailsFor(wf), 'Transfer notification:')).toEqual(['bo@from.test', 'di@to.test']);
  expect(mailsFor(wf).some((m) => m.envelopeTo.includes('anna@bounce.test'))).toBe(false);
  // The webhook is a separate channel and delivered everything.
  expect(await waitUntil(() => receiver.accepted(wf).length >= 5, 20_000)).toBe(true);

  const description = await handle.describe();
  expect(description.typedSearchAttributes.get(SA.deliveryFailed)).toBe(true);
  // Each wait above keeps its own bound; like the test before it, the limit only catches a hang.
}, 300_000);
