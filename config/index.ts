// All configuration comes from the environment, validated once at start-up. A bad setting stops
// the process with a message naming each offending variable.
import { z } from 'zod';
import { KeyRingError, parseKeyRing, type KeyRing } from '../codec/key-ring';
import type { UnitSettings } from '../workflows/contract';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const configSchema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'must be host:port')
    .optional(),
  /** Unset: the profile's namespace, else `default` (config/temporal.ts). */
  TEMPORAL_NAMESPACE: z.string().min(1).optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('case-transfers'),
  /**
   * Temporal's environment configuration (config/temporal.ts reads them through
   * @temporalio/envconfig; they are listed here so that a bad one is named at start-up).
   */
  TEMPORAL_CONFIG_FILE: z.string().min(1).optional(),
  TEMPORAL_PROFILE: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Embedded dev server (npm start without TEMPORAL_ADDRESS). */
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_DB_FILE: z.string().min(1).default('data/temporal.db'),
  TEMPORAL_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AUTH_ISSUER: z.string().default('case-transfers'),
  AUTH_AUDIENCE: z.string().default('case-transfers-api'),
  /** Tokens must carry exp, at most this far from their iat (and from now). */
  AUTH_MAX_TOKEN_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(30 * 24 * 3600).default(24 * 3600),
  /** Failed authentications a minute per client address before 429. */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(100),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(1).default(20),
  /** Where the worker serves Temporal core's Prometheus metrics (host:port); unset, none. */
  WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:9464')
    .optional(),
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  /** The folder of policy files (one per authority and version); default the shipped policies/. */
  POLICY_DIR: z.string().min(1).optional(),
  EXTRA_BANK_HOLIDAYS: z
    .string()
    .regex(/^(\d{4}-\d{2}-\d{2})(,\d{4}-\d{2}-\d{2})*$/, 'must be comma-separated YYYY-MM-DD dates')
    .optional(),
  /**
   * DOMAIN §10 units a deployment chooses (CAL calendar days, WD working days); unset, the policy's
   * own default. Each transfer records the units it started with.
   */
  SGO_PAPERWORK_UNIT: z.enum(['CAL', 'WD'], { error: 'must be CAL or WD' }).optional(),
  TRANSFER_IN_CONFERENCE_UNIT: z.enum(['CAL', 'WD'], { error: 'must be CAL or WD' }).optional(),
  CMH_EARLY_TRANSFER_UNIT: z.enum(['CAL', 'WD'], { error: 'must be CAL or WD' }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_BASE_URL: z.url().optional(),
  TRUST_PROXY: bool.default(false),
  /** Requests a minute per token subject before 429. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(600),
  /** Longest any one request waits on Temporal before answering 503. */
  TEMPORAL_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(15_000),
  /** /readyz is 503 unless a worker polled the task queue within this many seconds. */
  READY_POLLER_MAX_AGE_SECONDS: z.coerce.number().int().min(5).max(3600).default(90),
  /** Notifications (activities/notifications): unset SMTP_URL sends no email. */
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  MAIL_FROM: z.string().min(3).default('Case transfers <case-transfers@localhost>'),
  SMTP_TIMEOUT_MS: z.coerce.number().int().min(1000).max(25_000).default(10_000),
  /** A scheduled transfer meeting's invite: all-day when unset, else this London time. */
  MEETING_INVITE_TIME: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour, Europe/London)')
    .optional(),
  MEETING_INVITE_MINUTES: z.coerce.number().int().min(5).max(600).default(60),
  /** The case-management webhook: unset WEBHOOK_URL sends none (the audit log still gets every event). */
  WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(1000).max(25_000).default(10_000),
  /** `npm start` without SMTP_URL: the local mail catcher and its page. */
  MAIL_CATCHER_PORT: port.default(2525),
  MAIL_CATCHER_UI_PORT: port.default(8025),
  /** Pages for people (/app): the council's OpenID Connect provider. Unset, `npm start` runs a local one. */
  OIDC_ISSUER_URL: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).default('case-transfers'),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_SCOPES: z.string().regex(/^openid( [\x21-\x7e]+)*$/, 'must start with openid, space-separated').default('openid profile email case-transfers'),
  /** Claims holding the person's roles and teams (a dotted path reads nested claims). */
  OIDC_ROLES_CLAIM: z.string().min(1).default('roles'),
  OIDC_TEAMS_CLAIM: z.string().min(1).default('teams'),
  /** Signs and encrypts the session cookie; 32+ characters. `npm start` creates one in data/. */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_MINUTES: z.coerce.number().int().min(5).max(720).default(60),
  /** `npm start` without OIDC_ISSUER_URL: the local OpenID provider's port. */
  DEV_OIDC_PORT: port.default(9090),
  /** Payload encryption: `id:base64key,...` (AES-256); every API and worker needs it. */
  PAYLOAD_KEYS: z.string().optional(),
  /** The key new payloads are written with; default the first in PAYLOAD_KEYS. */
  PAYLOAD_KEY_ID: z.string().optional(),
  /** The Temporal UI's origin: the one browser origin allowed to call /codec (CORS). */
  TEMPORAL_UI_ORIGIN: z.url({ protocol: /^https?$/ }).transform((u) => new URL(u).origin).optional(),
}).superRefine((c, ctx) => {
  if (c.PAYLOAD_KEYS) {
    try {
      parseKeyRing(c.PAYLOAD_KEYS, c.PAYLOAD_KEY_ID);
    } catch (err) {
      if (!(err instanceof KeyRingError)) throw err;
      const path = err.message.startsWith('the current key id') ? 'PAYLOAD_KEY_ID' : 'PAYLOAD_KEYS';
      ctx.addIssue({ code: 'custom', path: [path], message: err.message });
    }
  } else if (c.PAYLOAD_KEY_ID) {
    ctx.addIssue({ code: 'custom', path: ['PAYLOAD_KEYS'], message: 'is required when PAYLOAD_KEY_ID is set' });
  }
  // An unsigned webhook would let anyone who can reach the receiver forge transfer events.
  if (c.WEBHOOK_URL && !c.WEBHOOK_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['WEBHOOK_SECRET'], message: 'is required when WEBHOOK_URL is set' });
  }
  if (c.OIDC_ISSUER_URL && !c.SESSION_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'is required when OIDC_ISSUER_URL is set' });
  }
  // A certificate without its key (or the reverse) would silently fall back to no client certificate.
  if (!c.TEMPORAL_TLS_CLIENT_CERT_PATH !== !c.TEMPORAL_TLS_CLIENT_KEY_PATH) {
    const missing = c.TEMPORAL_TLS_CLIENT_CERT_PATH ? 'TEMPORAL_TLS_CLIENT_KEY_PATH' : 'TEMPORAL_TLS_CLIENT_CERT_PATH';
    ctx.addIssue({ code: 'custom', path: [missing], message: 'is required with the other half of the client certificate pair' });
  }
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset": shells and compose files often export VAR= .
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '?'), message: i.message })),
    );
  }
  return parsed.data;
}

/** The deployment's choice of DOMAIN §10 units, as the schedule engine reads them. */
export function unitSettingsOf(config: Config): UnitSettings {
  const out: UnitSettings = {};
  if (config.SGO_PAPERWORK_UNIT) out.sgoPaperworkUnit = config.SGO_PAPERWORK_UNIT;
  if (config.TRANSFER_IN_CONFERENCE_UNIT) out.transferInConferenceUnit = config.TRANSFER_IN_CONFERENCE_UNIT;
  if (config.CMH_EARLY_TRANSFER_UNIT) out.cmhEarlyTransferUnit = config.CMH_EARLY_TRANSFER_UNIT;
  return out;
}

/** The payload key ring; a process that talks to Temporal does not start without one. */
export function keyRingOf(config: Config): KeyRing {
  if (!config.PAYLOAD_KEYS) {
    throw new ConfigError([{ variable: 'PAYLOAD_KEYS', message: 'is required: children\'s data is encrypted before it reaches Temporal (`npm start` creates a development key)' }]);
  }
  return parseKeyRing(config.PAYLOAD_KEYS, config.PAYLOAD_KEY_ID);
}
