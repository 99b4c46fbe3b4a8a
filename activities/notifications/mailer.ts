// Sends the notices of one published step over SMTP, one message per notice addressed to all its
// recipients, each with a Message-ID derived from (workflowId, sequence, notice): a retried activity
// sends the same ids again, which mail systems and the catcher can deduplicate.
import { createHash } from 'node:crypto';
import { createTransport, type NodemailerError, type SendMailOptions, type Transporter } from 'nodemailer';
import type { TransferEventMessage } from '../../workflows/definitions';
import { composeNotices, type Notice } from './content';
import { permanentDeliveryError } from './errors';
import type { MailSettings } from './settings';

export interface SendResult {
  /** Recipients the SMTP server accepted a message for. */
  sent: number;
  /** Recipients left out because they have no email address. */
  skipped: number;
  notices: string[];
}

export type SmtpOutcome = 'permanent' | 'transient';

/**
 * A 5xx reply is permanent (RFC 5321), except 503 "bad sequence", which a new session can get past;
 * 4xx and failures without a reply (refused, timed out, dropped) are transient. An envelope or
 * configuration the client itself refuses never improves on a retry.
 */
export function classifySmtpError(err: unknown): SmtpOutcome {
  const e = err as NodemailerError;
  if (typeof e?.responseCode === 'number') return e.responseCode >= 500 && e.responseCode !== 503 ? 'permanent' : 'transient';
  if (['EENVELOPE', 'ECONFIG', 'ENOAUTH', 'EMESSAGE'].includes(String(e?.code))) return 'permanent';
  return 'transient';
}

export function parseMailbox(from: string): { name?: string; email: string } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  if (m) return { name: m[1] || undefined, email: m[2].trim() };
  return { email: from.trim() };
}

export function idempotencyKey(message: Pick<TransferEventMessage, 'workflowId' | 'sequence'>, notice: Pick<Notice, 'key'>): string {
  return `${message.workflowId}:${message.sequence}:${notice.key}`;
}

export function messageIdFor(key: string, from: string): string {
  const domain = parseMailbox(from).email.split('@')[1] || 'case-transfers.invalid';
  return `<ct.${createHash('sha256').update(key).digest('hex').slice(0, 40)}@${domain}>`;
}

function describe(err: unknown): string {
  const e = err as NodemailerError;
  return e?.response ?? (e?.message || String(err));
}

/** SMTP sessions one worker keeps open at once to a server. */
const SESSIONS_PER_SERVER = 3;
const transports = new Map<string, Transporter>();

/**
 * One pooled transport per SMTP server, shared by every delivery on this worker: many servers
 * pause before their greeting (100 ms and more) to catch clients that talk too early, a price a
 * new session per step paid before each step's answer. A session idle for `timeoutMs` is closed.
 */
function transportFor(settings: MailSettings): Transporter {
  const key = JSON.stringify([settings.smtpUrl, settings.timeoutMs]);
  let transport = transports.get(key);
  if (!transport) {
    transport = createTransport({
      url: settings.smtpUrl,
      pool: true,
      maxConnections: SESSIONS_PER_SERVER,
      // A dropped connection fails the activity, and Temporal retries it: no second retry loop here.
      maxRequeues: 0,
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
      dnsTimeout: settings.timeoutMs,
    });
    // A session that fails is dropped from the pool and its send fails: the event is only noise.
    transport.on('error', () => undefined);
    transports.set(key, transport);
  }
  return transport;
}

/** Closes every SMTP session this process holds (at shutdown). */
export function closeMailTransports(): void {
  for (const transport of transports.values()) transport.close();
  transports.clear();
}

export async function sendNotifications(settings: MailSettings, message: TransferEventMessage): Promise<SendResult> {
  const organizer = parseMailbox(settings.from);
  const notices = composeNotices(message, { publicBaseUrl: settings.publicBaseUrl, invite: settings.invite, organizer });
  const result: SendResult = { sent: 0, skipped: 0, notices: notices.map((n) => n.key) };
  if (notices.length === 0) return result;

  const permanent: string[] = [];
  const outgoing: { notice: Notice; to: { name?: string; address: string }[] }[] = [];
  for (const notice of notices) {
    const withEmail = notice.recipients.filter((p) => p.email?.trim());
    result.skipped += notice.recipients.length - withEmail.length;
    if (withEmail.length === 0) permanent.push(`${notice.key}: no recipient has an email address`);
    else outgoing.push({ notice, to: withEmail.map((p) => ({ name: p.name, address: p.email!.trim() })) });
  }

  let transient: string | undefined;
  const refused = (notice: Notice, err: NodemailerError) => {
    const why = `${notice.key}${err.recipient ? ` to ${err.recipient}` : ''}: ${describe(err)}`;
    if (classifySmtpError(err) === 'permanent') permanent.push(why);
    else transient ??= why;
  };
  if (outgoing.length > 0) {
    const transport = transportFor(settings);
    // The notices go side by side over the pool's sessions. The server answers each recipient of a
    // message on its own: those it refuses are failures, the others have their mail. A transient
    // failure fails the activity, and its retry sends every message again under the same ids.
    await Promise.all(
      outgoing.map(async ({ notice, to }) => {
        const key = idempotencyKey(message, notice);
        const mail: SendMailOptions = {
          from: settings.from,
          to: to.map((m) => (m.name ? { name: m.name, address: m.address } : m.address)),
          subject: notice.subject,
          text: notice.text,
          html: notice.html,
          messageId: messageIdFor(key, settings.from),
          headers: {
            'X-Case-Transfers-Key': key,
            'X-Case-Transfers-Event': `${message.workflowId}:${message.sequence}`,
          },
          attachments: notice.invite
            ? [{ filename: notice.invite.filename, content: notice.invite.content, contentType: 'text/calendar; charset=utf-8; method=PUBLISH' }]
            : undefined,
        };
        try {
          const info = (await transport.sendMail(mail)) as { accepted?: unknown[]; rejectedErrors?: NodemailerError[] };
          result.sent += info.accepted?.length ?? 0;
          for (const err of info.rejectedErrors ?? []) refused(notice, err);
        } catch (err) {
          const e = err as NodemailerError;
          if (e?.rejectedErrors?.length) for (const one of e.rejectedErrors) refused(notice, one);
          else refused(notice, e);
        }
      }),
    );
  }

  const tally = `${result.sent} sent, ${result.skipped} without an email address`;
  if (transient) throw new Error(`email for ${message.workflowId}:${message.sequence} not sent (${tally}): ${transient}`);
  if (permanent.length > 0) {
    throw permanentDeliveryError(`email for ${message.workflowId}:${message.sequence} (${tally}): ${permanent.join('; ')}`, {
      ...result,
      failures: permanent,
    });
  }
  return result;
}
