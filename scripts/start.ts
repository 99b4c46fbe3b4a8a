// `npm start`: the embedded default. Starts a Temporal dev server (SQLite in data/, so transfers
// survive a restart) unless TEMPORAL_ADDRESS points at one, then the worker and the API in this
// process. Without SMTP_URL it also runs a local mail catcher, so notifications can be read in a
// browser. Ctrl-C, SIGTERM or SIGHUP (to npm or to this process), or the dev server's own exit,
// stops everything in order and leaves nothing running: the API stops taking requests, the worker
// drains, and only then does the Temporal server stop.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { ConfigError, keyRingOf, loadConfig, type Config } from '../config';
import { startApi } from '../api/main';
import { nativeConnectionOptions, temporalSettings } from '../config/temporal';
import { closeMailTransports, deliverySettings } from '../activities/notifications';
import { startMailCatcher, type MailCatcher } from '../activities/notifications/mail-catcher';
import { createWorker, workerTelemetry } from '../worker/create-worker';
import { searchAttributeFlags } from '../workflows/definitions';
import { randomBytes } from 'node:crypto';
import { publicBaseUrl } from '../activities/notifications/settings';
import { devPayloadKeys, devSecret, ROOT } from './dev-secret';
import { DEV_CLIENT_SECRET, startDevOidcProvider, type DevOidcProvider } from './dev-oidc';
import { exitOf } from './child-exit';

function temporalBinary(): string {
  const local = path.join(ROOT, '.tools', 'bin', 'temporal');
  if (existsSync(local)) return local;
  const onPath = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  if (onPath.status === 0) return onPath.stdout.trim();
  throw new Error('No temporal CLI: run `npm run provision` (needs Go), or set TEMPORAL_ADDRESS to a running server.');
}

async function waitForServer(address: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited with code ${child.exitCode}`);
    try {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      await c.workflowService.getSystemInfo({});
      await c.close();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`the Temporal dev server did not become ready: ${String(lastError)}`);
}

function startDevServer(config: Config, namespace: string): { child: ChildProcess; address: string; uiUrl: string } {
  const binary = temporalBinary();
  const dbFile = path.resolve(ROOT, config.TEMPORAL_DB_FILE);
  mkdirSync(path.dirname(dbFile), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(config.TEMPORAL_DEV_PORT),
    '--ui-port', String(config.TEMPORAL_UI_PORT),
    '--db-filename', dbFile,
    '--namespace', namespace,
    '--log-level', 'error',
    // The UI decodes payloads through the API's codec endpoint, in the operator's browser.
    '--ui-codec-endpoint', `${publicBaseUrl(config)}/codec`,
    ...searchAttributeFlags().flatMap((f) => ['--search-attribute', f]),
  ];
  // Its own process group: a terminal's Ctrl-C goes to this process's group, and the server must
  // outlive the worker's drain rather than die at the same moment.
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  return {
    child,
    address: `127.0.0.1:${config.TEMPORAL_DEV_PORT}`,
    uiUrl: `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`,
  };
}

function setRetention(config: Config, address: string, namespace: string): void {
  const r = spawnSync(
    temporalBinary(),
    ['operator', 'namespace', 'update', '--address', address, '--namespace', namespace,
      '--retention', `${config.TEMPORAL_RETENTION_DAYS * 24}h`],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) console.warn(`[start] could not set retention: ${(r.stderr || r.stdout).trim()}`);
}

/** What is running, stopped in reverse order of starting. */
const running: { name: string; stop: () => Promise<void> }[] = [];
let stopping: Promise<void> | undefined;

function stopAll(reason: string, exitCode = 0): Promise<void> {
  return (stopping ??= (async () => {
    console.log(`[start] ${reason}: stopping the API, the worker and the Temporal server...`);
    for (const part of [...running].reverse()) {
      try {
        await part.stop();
        console.log(`[start] ${part.name} stopped`);
      } catch (err) {
        console.error(`[start] ${part.name} did not stop cleanly: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    console.log('[start] stopped');
    process.exit(exitCode);
  })());
}

/** A part that ends on its own stops the rest, with a failure code; one stopped by stopAll is already stopping. */
function stopIfItEnds(name: string, ended: Promise<string>): void {
  void ended.then((how) => stopAll(`the ${name} exited (${how})`, 1));
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function main(): Promise<void> {
  // Installed first: a signal during start-up still stops whatever has started.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAll(signal));

  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  if (!config.AUTH_JWKS_URL && !config.AUTH_JWT_SECRET) {
    const dev = devSecret(true)!;
    config = { ...config, AUTH_JWT_SECRET: dev.secret };
    console.log(`[start] ${dev.created ? 'created' : 'using'} the development JWT secret in data/dev-jwt-secret`);
    console.log(`[start] AUTH_JWT_SECRET=${dev.secret}`);
  }
  if (!config.PAYLOAD_KEYS) {
    const dev = devPayloadKeys(true)!;
    config = { ...config, PAYLOAD_KEYS: dev.keys };
    console.log(`[start] ${dev.created ? 'created' : 'using'} the development payload key in data/dev-payload-keys (lose it and data/temporal.db is unreadable)`);
  }
  const keyRing = keyRingOf(config);

  let devServer: ReturnType<typeof startDevServer> | undefined;
  let temporal = temporalSettings(config);
  let address = temporal.address;
  if (!address) {
    devServer = startDevServer(config, temporal.namespace);
    address = devServer.address;
    const child = devServer.child;
    running.push({ name: 'Temporal dev server', stop: () => stopChild(child) });
    // If this process exits without stopping it (an uncaught error), the server must not outlive it.
    process.on('exit', () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
    stopIfItEnds('Temporal dev server', exitOf(child));
    await waitForServer(address, child);
    setRetention(config, address, temporal.namespace);
  }
  config = { ...config, TEMPORAL_ADDRESS: address };
  temporal = { ...temporal, address };
  if (devServer && !config.TEMPORAL_UI_ORIGIN) config = { ...config, TEMPORAL_UI_ORIGIN: devServer.uiUrl };

  let mailCatcher: MailCatcher | undefined;
  if (!config.SMTP_URL) {
    mailCatcher = await startMailCatcher({ port: config.MAIL_CATCHER_PORT, uiPort: config.MAIL_CATCHER_UI_PORT }).catch((err: Error) => {
      throw new Error(
        `the mail catcher could not listen on 127.0.0.1:${config.MAIL_CATCHER_PORT}/${config.MAIL_CATCHER_UI_PORT} (${err.message}): ` +
          'set MAIL_CATCHER_PORT and MAIL_CATCHER_UI_PORT, or SMTP_URL',
        { cause: err },
      );
    });
    const catcher = mailCatcher;
    running.push({ name: 'mail catcher', stop: () => catcher.close() });
    config = { ...config, SMTP_URL: mailCatcher.smtpUrl };
  }

  // Without the council's provider, a local one, so the pages' real sign-in runs here too.
  let devOidc: DevOidcProvider | undefined;
  if (!config.OIDC_ISSUER_URL) {
    const base = publicBaseUrl(config);
    devOidc = await startDevOidcProvider({
      port: config.DEV_OIDC_PORT,
      clientId: config.OIDC_CLIENT_ID,
      clientSecret: DEV_CLIENT_SECRET,
      redirectUris: [`${base}/app/auth/callback`],
      postLogoutRedirectUris: [`${base}/app/signed-out`],
    });
    config = { ...config, OIDC_ISSUER_URL: devOidc.issuer, OIDC_CLIENT_SECRET: DEV_CLIENT_SECRET, SESSION_SECRET: config.SESSION_SECRET ?? randomBytes(32).toString('base64url') };
    const provider = devOidc;
    running.push({ name: 'local OpenID provider', stop: () => provider.stop() });
    stopIfItEnds('local OpenID provider', provider.exited);
  }

  Runtime.install({ shutdownSignals: [], telemetryOptions: workerTelemetry(config.WORKER_METRICS_ADDRESS) });
  const nativeConnection = await NativeConnection.connect(nativeConnectionOptions(temporal));
  running.push({ name: 'worker connection', stop: () => nativeConnection.close() });
  const worker = await createWorker({
    connection: nativeConnection,
    keyRing,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    bundlePath: config.WORKFLOW_BUNDLE_PATH,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    shutdownGraceTime: `${config.WORKER_SHUTDOWN_GRACE_SECONDS}s`,
    // The worker reads SMTP_URL from the environment otherwise; here it may be the catcher's.
    deps: deliverySettings(config),
  });
  const workerDone = worker.run();
  running.push({
    name: 'worker (drained)',
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerDone;
      closeMailTransports();
    },
  });
  workerDone.catch((err: Error) => {
    if (!stopping) void stopAll(`the worker failed: ${err.message}`, 1);
  });
  const api = await startApi(config, {}, temporal);
  running.push({ name: 'API', stop: () => api.close() });

  console.log('');
  console.log(`  Case transfers API   ${api.url}`);
  console.log(`  API docs             ${api.url}/docs`);
  console.log(`  Pages (My work)      ${publicBaseUrl(config)}/app/my-work`);
  if (devOidc) console.log(`  Sign-in (local)      ${devOidc.issuer} (example people in scripts/dev-people.json)`);
  console.log(`  Temporal             ${address} (namespace ${temporal.namespace})`);
  if (devServer) {
    console.log(`  Temporal UI          ${devServer.uiUrl} (decoded for operators: sign in at ${api.url}/codec/session,`);
    console.log('                       then tick "Include cross-origin credentials" in the UI\'s Codec Server settings)');
  }
  if (mailCatcher) console.log(`  Mail catcher         ${mailCatcher.uiUrl} (SMTP ${mailCatcher.smtpUrl}, JSON at /messages)`);
  else console.log(`  Email                ${new URL(config.SMTP_URL!).host}`);
  console.log(`  Webhook              ${config.WEBHOOK_URL ? new URL(config.WEBHOOK_URL).origin : 'off (set WEBHOOK_URL)'}`);
  console.log('  Mint a token         npm run token -- --sub ID --role ROLE --team TEAM');
  console.log('  Stop                 Ctrl-C');
  console.log('');
}

main().catch((err) => {
  console.error(`[start] ${err instanceof Error ? err.message : String(err)}`);
  void stopAll('start-up failed', 1);
});
