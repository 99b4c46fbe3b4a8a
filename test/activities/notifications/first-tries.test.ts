// A step's first try carries both channels in one local activity, so it must never throw for one
// of them: each channel's outcome says whether it was delivered, failed for now (its retrying
// activity takes over) or failed for good (recorded on the transfer, no retry). Real HTTP and SMTP.
import { createServer, type Server } from 'node:http';
import { createActivities, type ActivityDeps } from '../../../activities';
import { startMailCatcher, type MailCatcher } from '../../../activities/notifications/mail-catcher';
import { messageFor, namedRequest } from './helpers';

const request = namedRequest();
const batch = [1, 2].map((sequence) => messageFor(request, { sequence }));
const notifying = messageFor(request, { sequence: 2 });

let status = 204;
let receiver: Server;
let webhookUrl: string;
let catcher: MailCatcher;
let refuseMail = false;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/events`;
  catcher = await startMailCatcher({ uiPort: false, rejectRecipient: () => (refuseMail ? { code: 550, message: 'no such mailbox' } : undefined) });
});

afterAll(async () => {
  await catcher?.close();
  await new Promise((r) => receiver?.close(r));
});

function activities(over: Partial<ActivityDeps> = {}) {
  return createActivities({
    audit: () => undefined,
    webhook: { url: webhookUrl, secret: 'first-tries-webhook-secret-0123456789', timeoutMs: 2000 },
    mail: { smtpUrl: catcher.smtpUrl, from: 'Case transfers <noreply@transfers.example.gov.uk>', publicBaseUrl: 'https://transfers.example.gov.uk', timeoutMs: 2000, invite: { minutes: 60 } },
    ...over,
  });
}

beforeEach(() => {
  status = 204;
  refuseMail = false;
});

test('both channels delivered: one outcome each, and only the channels asked for', async () => {
  const acts = activities();
  expect(await acts.firstTries({ webhook: batch, email: notifying })).toEqual({
    webhook: { delivered: true, failed: [] },
    email: { delivered: true, failed: [] },
  });
  expect(await acts.firstTries({ webhook: batch })).toEqual({ webhook: { delivered: true, failed: [] } });
});

test('a receiver in passing trouble fails the webhook for now; the email still goes', async () => {
  status = 503;
  const tried = await activities().firstTries({ webhook: batch, email: notifying });
  expect(tried.webhook).toMatchObject({ delivered: false, permanent: false });
  expect(tried.email).toEqual({ delivered: true, failed: [] });
});

test('a receiver that refuses each event for good: delivered, with every message named as failed', async () => {
  status = 400;
  const tried = await activities().firstTries({ webhook: batch });
  expect(tried.webhook).toMatchObject({ delivered: true, failed: [{ sequence: 1 }, { sequence: 2 }] });
});

test('a mail server that refuses the recipients fails the email for good; the webhook is delivered', async () => {
  refuseMail = true;
  const tried = await activities().firstTries({ webhook: batch, email: notifying });
  expect(tried.webhook).toEqual({ delivered: true, failed: [] });
  expect(tried.email).toMatchObject({ delivered: false, permanent: true, error: expect.stringMatching(/550|mailbox/) });
});

test('no receiver listening fails the webhook for now, with the cause in the error', async () => {
  const acts = activities({ webhook: { url: 'http://127.0.0.1:1/events', secret: 'first-tries-webhook-secret-0123456789', timeoutMs: 2000 } });
  const tried = await acts.firstTries({ webhook: batch });
  expect(tried.webhook).toMatchObject({ delivered: false, permanent: false, error: expect.any(String) });
});
