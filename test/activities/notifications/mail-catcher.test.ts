// The development mail catcher: real SMTP in, an HTML page and JSON out.
import { createServer, type AddressInfo } from 'node:net';
import { createTransport } from 'nodemailer';
import { startMailCatcher, type MailCatcher } from '../../../activities/notifications/mail-catcher';

let catcher: MailCatcher;

beforeAll(async () => {
  catcher = await startMailCatcher({ port: 0, uiPort: 0, capacity: 3 });
});
afterAll(() => catcher.close());

async function send(subject: string, extra: Record<string, unknown> = {}) {
  const transport = createTransport({ url: catcher.smtpUrl });
  try {
    await transport.sendMail({ from: 'ct@localhost', to: 'Di Receiver <di@to.test>', subject, text: `body of ${subject}`, ...extra });
  } finally {
    transport.close();
  }
}

test('listens on the loopback address only', () => {
  expect(catcher.smtpUrl).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
  expect(catcher.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

test('lists received mail as JSON and HTML, newest first in the page, escaping what it shows', async () => {
  catcher.clear();
  await send('First <script>alert(1)</script>');
  await send('Second', { attachments: [{ filename: 'transfer-meeting.ics', content: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', contentType: 'text/calendar' }] });

  const json = (await (await fetch(`${catcher.uiUrl}/messages`)).json()) as {
    subject: string;
    to: string;
    date: string;
    text: string;
    attachments: { filename: string; href: string }[];
  }[];
  expect(json.map((m) => m.subject)).toEqual(['First <script>alert(1)</script>', 'Second']);
  expect(json[0]).toMatchObject({ to: '"Di Receiver" <di@to.test>' });
  expect(json[0].text.trim()).toBe('body of First <script>alert(1)</script>');
  expect(Date.parse(json[0].date)).not.toBeNaN();

  const page = await fetch(`${catcher.uiUrl}/`);
  expect(page.headers.get('content-type')).toContain('text/html');
  expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  const html = await page.text();
  expect(html).not.toContain('<script>alert(1)</script>');
  expect(html).toContain('First &lt;script&gt;alert(1)&lt;/script&gt;');
  expect(html.indexOf('Second')).toBeLessThan(html.indexOf('First'));

  const ics = await fetch(`${catcher.uiUrl}${json[1].attachments[0].href}`);
  expect(ics.status).toBe(200);
  expect(ics.headers.get('content-disposition')).toBe('attachment; filename="transfer-meeting.ics"');
  expect(await ics.text()).toContain('BEGIN:VCALENDAR');

  expect((await fetch(`${catcher.uiUrl}/nowhere`)).status).toBe(404);
  expect((await fetch(`${catcher.uiUrl}/messages`, { method: 'DELETE' })).status).toBe(405);
});

test('keeps only the newest messages up to its capacity', async () => {
  catcher.clear();
  for (const n of [1, 2, 3, 4, 5]) await send(`message ${n}`);
  expect(catcher.messages().map((m) => m.subject)).toEqual(['message 3', 'message 4', 'message 5']);
});

test('waitFor resolves when the mail arrives and rejects when it does not', async () => {
  catcher.clear();
  const arriving = catcher.waitFor((ms) => ms.some((m) => m.subject === 'late'), 5000);
  await send('late');
  await expect(arriving).resolves.toHaveLength(1);
  await expect(catcher.waitFor(() => false, 200)).rejects.toThrow(/within 200 ms/);
});

test('a page port already in use fails the start and leaves no SMTP server behind', async () => {
  const busyUi = Number(new URL(catcher.uiUrl!).port);
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const smtpPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));

  const err = await startMailCatcher({ port: smtpPort, uiPort: busyUi }).catch((e: unknown) => e);
  expect((err as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
  // Had the half-started catcher kept its SMTP port, this would be EADDRINUSE too.
  const again = await startMailCatcher({ port: smtpPort, uiPort: false });
  expect(again.smtpPort).toBe(smtpPort);
  await again.close();
});
