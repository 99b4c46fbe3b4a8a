// sendNotifications against a real SMTP server (smtp-server + mailparser, the mail catcher).
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { SMTPServer } from 'smtp-server';
import { createActivities } from '../../../activities';
import { startMailCatcher, type MailCatcher } from '../../../activities/notifications/mail-catcher';
import { classifySmtpError, closeMailTransports, sendNotifications } from '../../../activities/notifications/mailer';
import type { MailSettings } from '../../../activities/notifications/settings';
import { messageFor, namedRequest } from './helpers';

let catcher: MailCatcher;
const refusals = new Map<string, { code: number; message: string }>();

beforeAll(async () => {
  catcher = await startMailCatcher({ uiPort: false, rejectRecipient: (a) => refusals.get(a) });
});
afterAll(async () => {
  closeMailTransports();
  await catcher.close();
});
beforeEach(() => {
  catcher.clear();
  refusals.clear();
});

const settings = (over: Partial<MailSettings> = {}): MailSettings => ({
  smtpUrl: catcher.smtpUrl,
  from: 'Case transfers <noreply@transfers.example.gov.uk>',
  publicBaseUrl: 'http://localhost:3000',
  timeoutMs: 3000,
  invite: { minutes: 60 },
  ...over,
});

test('one message per notice, addressed to every addressee with an email address; the others are counted as skipped', async () => {
  const message = messageFor(namedRequest());
  const result = await sendNotifications(settings(), message);
  expect(result).toEqual({ sent: 3, skipped: 1, notices: ['notification'] });
  const mails = catcher.messages();
  expect(mails).toHaveLength(1);
  expect([...mails[0].envelopeTo].sort()).toEqual(['anna@from.test', 'bo@from.test', 'di@to.test']);
  for (const m of mails) {
    expect(m.subject).toBe('Transfer notification: case LCS-000001 from Children in Need to Children Looked After');
    expect(m.from).toContain('noreply@transfers.example.gov.uk');
    expect(m.text).toContain('please acknowledge the notification by');
    expect(m.html).toContain('<a href="http://localhost:3000/app/transfers/');
    expect(m.headers['x-case-transfers-event']).toBe(`${message.workflowId}:2`);
  }
  expect(mails[0].to).toContain('"Anna Social" <anna@from.test>');
});

test('a retried send reuses the same Message-ID, one per (workflow, sequence, notice)', async () => {
  const message = messageFor(namedRequest());
  await sendNotifications(settings(), message);
  await sendNotifications(settings(), message);
  await sendNotifications(settings(), { ...message, sequence: 3 });
  const mails = catcher.messages();
  expect(mails).toHaveLength(3);
  const ids = (seq: number) => mails.filter((m) => m.headers['x-case-transfers-event'].endsWith(`:${seq}`)).map((m) => m.messageId);
  const [first, retried] = ids(2);
  expect(retried).toBe(first);
  expect(ids(3)).toHaveLength(1);
  expect(ids(3)[0]).not.toBe(first);
  for (const m of mails) expect(m.messageId).toMatch(/^<ct\.[0-9a-f]{40}@transfers\.example\.gov\.uk>$/);
  expect(mails[0].headers['x-case-transfers-key']).toBe(`${message.workflowId}:2:notification`);
});

test('a meeting mail carries an ICS invite that parses back to the London time', async () => {
  const message = messageFor(namedRequest(), {
    event: 'meeting',
    detail: 'meeting scheduled for 2027-04-07',
    snapshot: { meeting: { scheduledOn: '2027-04-07' } },
  });
  await sendNotifications(settings({ invite: { time: '11:15', minutes: 45 } }), message);
  const mails = catcher.messages();
  expect(mails).toHaveLength(1);
  const m = mails[0];
  expect([...m.envelopeTo].sort()).toEqual(['anna@from.test', 'bo@from.test', 'cy@from.test', 'di@to.test']);
  expect(m.subject).toBe('Transfer meeting scheduled for Wednesday 7 April 2027: case LCS-000001');
  expect(m.attachments).toHaveLength(1);
  expect(m.attachments[0]).toMatchObject({ filename: 'transfer-meeting.ics', contentType: 'text/calendar' });
  const vevent = new ICAL.Component(ICAL.parse(m.attachments[0].content.toString('utf8'))).getFirstSubcomponent('vevent')!;
  const start = DateTime.fromJSDate(new ICAL.Event(vevent).startDate.toJSDate()).setZone('Europe/London');
  expect(start.toFormat('yyyy-MM-dd HH:mm')).toBe('2027-04-07 11:15');
  expect(start.offset).toBe(60);
  expect(String(vevent.getFirstPropertyValue('organizer')).toLowerCase()).toBe('mailto:noreply@transfers.example.gov.uk');
});

test('a recipient the server refuses with a 5xx is a permanent failure; the others still get the message', async () => {
  refusals.set('bo@from.test', { code: 550, message: 'No such user here' });
  const err = await sendNotifications(settings(), messageFor(namedRequest())).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect(err).toMatchObject({ type: 'PermanentDeliveryError', nonRetryable: true });
  expect((err as Error).message).toMatch(/bo@from\.test.*550/);
  expect((err as Error).message).toContain('2 sent, 1 without an email address');
  expect(catcher.messages().map((m) => [...m.envelopeTo].sort())).toEqual([['anna@from.test', 'di@to.test']]);
});

test('a notice whose every recipient is refused names each of them, and nothing is sent', async () => {
  for (const a of ['anna@from.test', 'bo@from.test', 'di@to.test']) refusals.set(a, { code: 550, message: 'No such user here' });
  const err = await sendNotifications(settings(), messageFor(namedRequest())).catch((e: unknown) => e);
  expect(err).toMatchObject({ type: 'PermanentDeliveryError', nonRetryable: true });
  for (const a of ['anna@from\\.test', 'bo@from\\.test', 'di@to\\.test']) expect((err as Error).message).toMatch(new RegExp(`notification to ${a}: .*550`));
  expect((err as Error).message).toContain('0 sent, 1 without an email address');
  expect(catcher.messages()).toHaveLength(0);
});

test('a 4xx refusal is transient: a plain error, so Temporal retries', async () => {
  refusals.set('anna@from.test', { code: 451, message: 'Try again later' });
  const err = await sendNotifications(settings(), messageFor(namedRequest())).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect(err).not.toBeInstanceOf(ApplicationFailure);
  expect((err as Error).message).toMatch(/451/);
});

test('no addressee with an email address is a permanent failure', async () => {
  const base = namedRequest();
  const strip = <T extends { email?: string }>(p: T): T => ({ ...p, email: undefined });
  const noEmails = namedRequest({
    people: {
      ...base.people,
      allocatedSocialWorker: strip(base.people.allocatedSocialWorker),
      lineManager: strip(base.people.lineManager),
      receivingManager: strip(base.people.receivingManager),
    },
  });
  const err = await sendNotifications(settings(), messageFor(noEmails)).catch((e: unknown) => e);
  expect(err).toMatchObject({ type: 'PermanentDeliveryError', message: expect.stringMatching(/no recipient has an email address/) });
  expect(catcher.messages()).toHaveLength(0);
});

test('a refused connection is transient, and fails fast', async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  const started = Date.now();
  const err = await sendNotifications(settings({ smtpUrl: `smtp://127.0.0.1:${port}` }), messageFor(namedRequest())).catch((e: unknown) => e);
  expect(Date.now() - started).toBeLessThan(3000);
  expect(err).not.toBeInstanceOf(ApplicationFailure);
  expect((err as Error).message).toMatch(/ECONNREFUSED|connect/i);
});

test('a server that never greets is cut off by the greeting timeout (shorter than startToClose)', async () => {
  const mute = createServer(() => undefined);
  await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
  const { port } = mute.address() as AddressInfo;
  try {
    const started = Date.now();
    const err = await sendNotifications(settings({ smtpUrl: `smtp://127.0.0.1:${port}`, timeoutMs: 1000 }), messageFor(namedRequest())).catch(
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect(classifySmtpError(err)).toBe('transient');
  } finally {
    await new Promise<void>((r) => mute.close(() => r()));
  }
});

test('steps sent one after another share the pooled SMTP sessions; a session idle past the timeout is closed and the next step opens another', async () => {
  closeMailTransports();
  const before = catcher.sessions();
  // One step's notice goes over one session.
  await sendNotifications(settings(), messageFor(namedRequest(), { sequence: 2 }));
  const opened = catcher.sessions() - before;
  expect(opened).toBe(1);
  // The next step opens none.
  await sendNotifications(settings(), messageFor(namedRequest(), { sequence: 3 }));
  expect(catcher.messages()).toHaveLength(2);
  expect(catcher.sessions() - before).toBe(opened);

  const quick = settings({ timeoutMs: 300 });
  await sendNotifications(quick, messageFor(namedRequest(), { sequence: 4 }));
  const beforeIdle = catcher.sessions();
  await new Promise((r) => setTimeout(r, 800));
  await sendNotifications(quick, messageFor(namedRequest(), { sequence: 5 }));
  expect(catcher.messages()).toHaveLength(4);
  expect(catcher.sessions()).toBeGreaterThan(beforeIdle);
});

test('a session the server dropped is not reused: the next step reaches the server again on a new one', async () => {
  const first = await startMailCatcher({ uiPort: false });
  const port = first.smtpPort;
  const at = settings({ smtpUrl: first.smtpUrl });
  await sendNotifications(at, messageFor(namedRequest(), { sequence: 2 }));
  await first.close();
  const second = await startMailCatcher({ uiPort: false, port });
  try {
    await new Promise((r) => setTimeout(r, 200));
    await expect(sendNotifications(at, messageFor(namedRequest(), { sequence: 3 }))).resolves.toMatchObject({ sent: 3 });
    expect(second.messages()).toHaveLength(1);
  } finally {
    await second.close();
  }
});

test('SMTP error classification', () => {
  expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 550 })).toBe('permanent');
  expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 452 })).toBe('transient');
  expect(classifySmtpError({ code: 'EPROTOCOL', responseCode: 503 })).toBe('transient');
  expect(classifySmtpError({ code: 'EAUTH', responseCode: 535 })).toBe('permanent');
  expect(classifySmtpError({ code: 'EENVELOPE' })).toBe('permanent');
  expect(classifySmtpError({ code: 'ESOCKET' })).toBe('transient');
  expect(classifySmtpError({ code: 'ETIMEDOUT' })).toBe('transient');
  expect(classifySmtpError(new Error('anything else'))).toBe('transient');
});

test('the activity sends nothing without SMTP_URL, and sends through the configured server with it', async () => {
  const message = messageFor(namedRequest());
  await expect(createActivities({ mail: undefined }).sendNotifications(message)).resolves.toEqual({ sent: 0, skipped: 0, notices: [] });
  await expect(createActivities({ mail: settings() }).sendNotifications(message)).resolves.toMatchObject({ sent: 3 });
  expect(catcher.messages()).toHaveLength(1);
});

test('a server that authenticates (smtp://user:pass@) is reached with the credentials in SMTP_URL', async () => {
  const logins: string[] = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    // Plain-text AUTH on loopback only, for the test.
    allowInsecureAuth: true,
    onAuth(auth, _s, cb) {
      logins.push(`${auth.username}:${auth.password}`);
      cb(auth.password === 's3cret' ? null : new Error('bad login'), { user: auth.username });
    },
    onData(stream, _s, cb) {
      stream.resume();
      stream.on('end', () => cb());
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.server.address() as AddressInfo;
  try {
    const result = await sendNotifications(settings({ smtpUrl: `smtp://mailer:s3cret@127.0.0.1:${port}` }), messageFor(namedRequest()));
    expect(result.sent).toBe(3);
    expect(logins[0]).toBe('mailer:s3cret');
    const bad = await sendNotifications(settings({ smtpUrl: `smtp://mailer:wrong@127.0.0.1:${port}` }), messageFor(namedRequest())).catch(
      (e: unknown) => e,
    );
    // 535 authentication failed: a configuration fault no retry mends.
    expect(bad).toMatchObject({ type: 'PermanentDeliveryError' });
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
