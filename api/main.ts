// The API process: one Temporal client, one HTTP server, graceful shutdown on SIGTERM/SIGINT.
import { Client } from '@temporalio/client';
import { maxHeaderSize, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { keyRingOf, loadConfig, unitSettingsOf, type Config } from '../config';
import { dataConverterFor, EncryptionCodec } from '../codec';
import { loadCalendar } from '../activities/policy/calendar/calendar';
import { policiesFrom } from '../activities/policy/registry';
import { createApp, type AppDeps } from './app';
import { createVerifier } from './auth';
import { publicBaseUrl } from '../activities/notifications/settings';
import type { PagesOptions } from './pages';
import { createRelyingParty } from './pages/oidc';
import { rawProblemResponse } from './problem';
import { createLogger, createMetrics } from './observability';
import { createPolicyService } from './policy-service';
import { temporalSettings, type TemporalSettings } from '../config/temporal';
import { lazyConnection } from './temporal-connection';

export interface RunningApi {
  server: Server;
  url: string;
  close: () => Promise<void>;
}

export interface Served {
  server: Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to graceMs), then drops what is left. */
  close: () => Promise<void>;
}

export async function serve(app: Express, opts: { port: number; host: string; graceMs?: number; onClosing?: () => void }): Promise<Served> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  // Node's own answer to an oversized or malformed request is a bare status line; send a problem.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const response =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? rawProblemResponse(431, `The URL and headers together exceed ${Math.round(maxHeaderSize / 1024)} kB`)
        : rawProblemResponse(400, 'The request is malformed');
    socket.end(response);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  let closing: Promise<void> | undefined;
  // A keep-alive socket whose last request finishes after close() would otherwise idle on for
  // the keep-alive timeout before the server lets go.
  server.on('request', (_req, res: ServerResponse) => {
    res.on('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      opts.onClosing?.();
      const timer = setTimeout(() => server.closeAllConnections(), opts.graceMs ?? 25_000);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      // Keep-alive sockets with no request in flight would hold close() open.
      server.closeIdleConnections();
    }));
  return { server, port, close };
}

/** The pages at /app, when an OpenID provider is configured. */
export function pagesOptions(config: Config): PagesOptions | undefined {
  if (!config.OIDC_ISSUER_URL || !config.SESSION_SECRET) return undefined;
  const base = publicBaseUrl(config);
  return {
    relyingParty: createRelyingParty({
      issuerUrl: config.OIDC_ISSUER_URL,
      clientId: config.OIDC_CLIENT_ID,
      clientSecret: config.OIDC_CLIENT_SECRET,
      redirectUri: `${base}/app/auth/callback`,
      postLogoutRedirectUri: `${base}/app/signed-out`,
      scopes: config.OIDC_SCOPES,
      rolesClaim: config.OIDC_ROLES_CLAIM,
      teamsClaim: config.OIDC_TEAMS_CLAIM,
    }),
    sessionSecret: config.SESSION_SECRET,
    sessionMinutes: config.SESSION_MINUTES,
    secureCookies: base.startsWith('https:'),
    formActionOrigins: [new URL(config.OIDC_ISSUER_URL).origin],
  };
}

export async function startApi(
  config: Config = loadConfig(),
  overrides: Partial<AppDeps> = {},
  temporal: TemporalSettings = temporalSettings(config),
): Promise<RunningApi> {
  const connection = lazyConnection(temporal);
  const keyRing = keyRingOf(config);
  const client = new Client({ connection, namespace: temporal.namespace, dataConverter: dataConverterFor(keyRing) });
  const logger = createLogger(config.LOG_LEVEL);
  let shuttingDown = false;
  const app = createApp({
    client,
    taskQueue: temporal.taskQueue,
    verifyToken: createVerifier({
      jwksUrl: config.AUTH_JWKS_URL,
      secret: config.AUTH_JWT_SECRET,
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      maxLifetimeSeconds: config.AUTH_MAX_TOKEN_LIFETIME_SECONDS,
    }),
    authFailureLimit: { limit: config.AUTH_FAILURES_PER_MINUTE },
    policies: createPolicyService(loadCalendar(), policiesFrom(config.POLICY_DIR), unitSettingsOf(config)),
    readyPollerMaxAgeMs: config.READY_POLLER_MAX_AGE_SECONDS * 1000,
    logger,
    metrics: createMetrics({ defaultMetrics: true }),
    isShuttingDown: () => shuttingDown,
    rateLimit: { limit: config.RATE_LIMIT_PER_MINUTE },
    temporalTimeoutMs: config.TEMPORAL_REQUEST_TIMEOUT_MS,
    pages: pagesOptions(config),
    codec: { codec: new EncryptionCodec(keyRing), allowedOrigin: config.TEMPORAL_UI_ORIGIN, namespace: temporal.namespace },
    ...overrides,
  });
  if (config.TRUST_PROXY) app.set('trust proxy', true);
  const served = await serve(app, { port: config.PORT, host: config.HOST, onClosing: () => (shuttingDown = true) });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await served.close();
      await connection.close();
      logger.info('api stopped');
      logger.flush();
    })());
  return { server: served.server, url: `http://${config.HOST}:${served.port}`, close };
}

if (require.main === module) {
  startApi()
    .then((api) => {
      console.log(JSON.stringify({ level: 'info', msg: 'api listening', url: api.url }));
      for (const sig of ['SIGTERM', 'SIGINT'] as const) {
        process.once(sig, () => {
          void api.close().then(() => process.exit(0));
        });
      }
    })
    .catch((err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
