// A local SMTP server that keeps the last messages in memory, plus a tiny HTTP page listing them:
// what `npm start` points the worker at when SMTP_URL is unset, and what the tests receive mail in.
// Development only: it accepts any login and listens on the loopback address.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { escapeHtml } from './content';

export interface CaughtAttachment {
  filename?: string;
  contentType: string;
  content: Buffer;
}

export interface CaughtMessage {
  id: number;
  receivedAt: string;
  /** SMTP envelope recipients: who the message was actually delivered to. */
  envelopeTo: string[];
  messageId?: string;
  from: string;
  to: string;
  subject: string;
  date?: string;
  text: string;
  html?: string;
  headers: Record<string, string>;
  attachments: CaughtAttachment[];
}

export interface MailCatcherOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The HTTP page; false for none, 0 for a free port. */
  uiPort?: number | false;
  /** How many messages are kept (oldest dropped first). */
  capacity?: number;
  /** Refuse a recipient with this SMTP reply (tests simulate a server rejecting an address). */
  rejectRecipient?: (address: string) => { code: number; message: string } | undefined;
}

export interface MailCatcher {
  smtpUrl: string;
  smtpPort: number;
  uiUrl?: string;
  messages(): CaughtMessage[];
  /** How many SMTP sessions senders have opened. */
  sessions(): number;
  clear(): void;
  /** Resolves with the messages once `predicate` holds, or rejects after `timeoutMs`. */
  waitFor(predicate: (messages: CaughtMessage[]) => boolean, timeoutMs?: number): Promise<CaughtMessage[]>;
  close(): Promise<void>;
}

function addressText(a: AddressObject | AddressObject[] | undefined): string {
  if (!a) return '';
  return (Array.isArray(a) ? a : [a]).map((x) => x.text).join(', ');
}

function headerText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object' && 'text' in value) return String((value as { text: unknown }).text);
  if (value && typeof value === 'object' && 'value' in value) return String((value as { value: unknown }).value);
  return JSON.stringify(value);
}

function toCaught(id: number, parsed: ParsedMail, envelopeTo: string[]): CaughtMessage {
  return {
    id,
    receivedAt: new Date().toISOString(),
    envelopeTo,
    messageId: parsed.messageId,
    from: addressText(parsed.from),
    to: addressText(parsed.to),
    subject: parsed.subject ?? '',
    date: parsed.date?.toISOString(),
    text: parsed.text ?? '',
    html: parsed.html || undefined,
    headers: Object.fromEntries([...parsed.headers.entries()].map(([k, v]) => [k, headerText(v)])),
    attachments: parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
  };
}

function summary(m: CaughtMessage) {
  return {
    id: m.id,
    receivedAt: m.receivedAt,
    messageId: m.messageId,
    from: m.from,
    to: m.to,
    envelopeTo: m.envelopeTo,
    subject: m.subject,
    date: m.date,
    text: m.text,
    attachments: m.attachments.map((a, i) => ({
      filename: a.filename,
      contentType: a.contentType,
      size: a.content.length,
      href: `/messages/${m.id}/attachments/${i}`,
    })),
  };
}

function page(messages: CaughtMessage[]): string {
  const e = escapeHtml;
  const rows = [...messages].reverse().map((m) => {
    const files = m.attachments
      .map((a, i) => `<a href="/messages/${m.id}/attachments/${i}">${e(a.filename ?? `attachment ${i + 1}`)}</a>`)
      .join(' ');
    return (
      `<section><h2>${e(m.subject || '(no subject)')}</h2>` +
      `<p><b>To:</b> ${e(m.to || m.envelopeTo.join(', '))} &middot; <b>From:</b> ${e(m.from)} &middot; ` +
      `<b>Date:</b> ${e(m.date ?? m.receivedAt)}${files ? ` &middot; ${files}` : ''}</p><pre>${e(m.text)}</pre></section>`
    );
  });
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mail catcher</title>',
    '<meta http-equiv="refresh" content="10">',
    '<style>body{font-family:Arial,sans-serif;margin:2em}section{border-top:1px solid #ccc;padding:.5em 0}',
    'pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em}h2{font-size:1.1em;margin:.3em 0}</style></head><body>',
    `<h1>Mail catcher: ${messages.length} message(s)</h1><p>Newest first. JSON at <a href="/messages">/messages</a>.</p>`,
    rows.join('') || '<p>No mail yet.</p>',
    '</body></html>',
  ].join('');
}

function listen(server: Server | SMTPServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = server instanceof SMTPServer ? server.server : server;
    target.once('error', reject);
    target.listen(port, host, () => {
      target.off('error', reject);
      resolve((target.address() as AddressInfo).port);
    });
  });
}

export async function startMailCatcher(opts: MailCatcherOptions = {}): Promise<MailCatcher> {
  const host = opts.host ?? '127.0.0.1';
  const capacity = opts.capacity ?? 200;
  const store: CaughtMessage[] = [];
  const waiters = new Set<() => void>();
  let nextId = 1;
  let sessions = 0;

  const smtp = new SMTPServer({
    logger: false,
    secure: false,
    // Plain text on loopback: no STARTTLS, so no self-signed certificate in the way.
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    // Senders keep their sessions open between messages: closing drops them instead of waiting.
    closeTimeout: 100,
    size: 10 * 1024 * 1024,
    onConnect(_session, callback) {
      sessions += 1;
      callback();
    },
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'dev' });
    },
    onRcptTo(address, _session, callback) {
      const refusal = opts.rejectRecipient?.(address.address);
      if (!refusal) return callback();
      callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          store.push(toCaught(nextId++, parsed, session.envelope.rcptTo.map((r) => r.address)));
          if (store.length > capacity) store.splice(0, store.length - capacity);
          for (const wake of waiters) wake();
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  smtp.on('error', () => undefined);
  const smtpPort = await listen(smtp, opts.port ?? 0, host);

  let http: Server | undefined;
  let uiUrl: string | undefined;
  if (opts.uiPort !== false) {
    http = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://catcher');
      const send = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
        res.writeHead(status, {
          'content-type': type,
          'cache-control': 'no-store',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
          'x-content-type-options': 'nosniff',
          ...extra,
        });
        res.end(body);
      };
      if (req.method !== 'GET') return send(405, 'text/plain', 'method not allowed', { allow: 'GET' });
      if (url.pathname === '/') return send(200, 'text/html; charset=utf-8', page(store));
      if (url.pathname === '/messages') return send(200, 'application/json', JSON.stringify(store.map(summary)));
      const m = /^\/messages\/(\d+)\/attachments\/(\d+)$/.exec(url.pathname);
      const attachment = m && store.find((x) => x.id === Number(m[1]))?.attachments[Number(m[2])];
      if (attachment) {
        const name = (attachment.filename ?? 'attachment').replace(/[^\w.-]/g, '_');
        return send(200, attachment.contentType, attachment.content, { 'content-disposition': `attachment; filename="${name}"` });
      }
      send(404, 'text/plain', 'not found');
    });
    const uiPort = await listen(http, opts.uiPort ?? 0, host).catch(async (err: unknown) => {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      throw err;
    });
    uiUrl = `http://${host}:${uiPort}`;
  }

  return {
    smtpUrl: `smtp://${host}:${smtpPort}`,
    smtpPort,
    uiUrl,
    messages: () => [...store],
    sessions: () => sessions,
    clear: () => void store.splice(0, store.length),
    waitFor(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(store)) return;
          cleanup();
          resolve([...store]);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`mail catcher: condition not met within ${timeoutMs} ms (${store.length} message(s))`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      if (http) {
        http.closeAllConnections();
        await new Promise<void>((resolve) => http!.close(() => resolve()));
      }
    },
  };
}
