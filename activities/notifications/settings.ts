// Delivery settings, derived once from the validated configuration. Absent `mail` or `webhook`
// means that channel is off (the audit log still receives every event).
import type { Config } from '../../config';

export interface MailSettings {
  /** smtp://host:port or smtps://user:pass@host:465 */
  smtpUrl: string;
  from: string;
  /** Links in mails point at the pages, `${publicBaseUrl}/app/transfers/{id}`. */
  publicBaseUrl: string;
  /** Connect, greeting and socket timeouts, each well under the activity's 30 s startToClose. */
  timeoutMs: number;
  /** Meeting invites: all-day when `time` is unset, else at this Europe/London time. */
  invite: { time?: string; minutes: number };
}

export interface WebhookSettings {
  url: string;
  secret: string;
  /** The whole request, connect to last byte (AbortSignal.timeout). */
  timeoutMs: number;
}

export interface DeliverySettings {
  mail?: MailSettings;
  webhook?: WebhookSettings;
}

export function publicBaseUrl(config: Pick<Config, 'PUBLIC_BASE_URL' | 'HOST' | 'PORT'>): string {
  if (config.PUBLIC_BASE_URL) return config.PUBLIC_BASE_URL.replace(/\/+$/, '');
  const host = ['0.0.0.0', '::', ''].includes(config.HOST) ? 'localhost' : config.HOST;
  return `http://${host}:${config.PORT}`;
}

export function deliverySettings(config: Config): DeliverySettings {
  const settings: DeliverySettings = {};
  if (config.SMTP_URL) {
    settings.mail = {
      smtpUrl: config.SMTP_URL,
      from: config.MAIL_FROM,
      publicBaseUrl: publicBaseUrl(config),
      timeoutMs: config.SMTP_TIMEOUT_MS,
      invite: { time: config.MEETING_INVITE_TIME, minutes: config.MEETING_INVITE_MINUTES },
    };
  }
  if (config.WEBHOOK_URL && config.WEBHOOK_SECRET) {
    settings.webhook = { url: config.WEBHOOK_URL, secret: config.WEBHOOK_SECRET, timeoutMs: config.WEBHOOK_TIMEOUT_MS };
  }
  return settings;
}
