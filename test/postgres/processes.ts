// The service's own processes (lib/api/main.js, lib/worker/main.js, as `npm run build` makes them)
// started as children against the server of `npm run test:postgres`, configured only through the
// environment, as a deployment would be.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { closedPort } from '../api/helpers';
import { TEST_SECRET } from '../support/fixtures';
import { TEST_PAYLOAD_KEYS } from '../support/temporal';

const ROOT = path.resolve(__dirname, '..', '..');

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** The API's base URL (API processes only). */
  url?: string;
  /** The last lines it wrote, for a failure message. */
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/** The variables every test process gets: a test secret and payload key, quiet logs, no mail, no webhook. */
export function serviceEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AUTH_JWT_SECRET: TEST_SECRET,
    PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '100000',
    TEMPORAL_REQUEST_TIMEOUT_MS: '60000',
    WORKER_SHUTDOWN_GRACE_SECONDS: '2',
    NODE_ENV: 'production',
    ...extra,
  };
  for (const key of ['SMTP_URL', 'WEBHOOK_URL', 'WEBHOOK_SECRET', 'AUTH_JWKS_URL', 'PORT']) if (!(key in extra)) delete env[key];
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

function launch(name: string, script: string, env: NodeJS.ProcessEnv, url?: string): ServiceProcess {
  const file = path.join(ROOT, 'lib', script);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` (npm run test:postgres does)`);
  const child = spawn(process.execPath, [file], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (d: Buffer) => {
    lines.push(...d.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  return { name, child, url, output: () => `${name}:\n${lines.join('\n')}`, stop };
}

export async function startApiProcess(name: string, extra: Record<string, string | undefined> = {}): Promise<ServiceProcess> {
  const port = await closedPort();
  return launch(name, 'api/main.js', serviceEnv({ PORT: String(port), HOST: '127.0.0.1', ...extra }), `http://127.0.0.1:${port}`);
}

export function startWorkerProcess(name: string, extra: Record<string, string | undefined> = {}): ServiceProcess {
  return launch(name, 'worker/main.js', serviceEnv(extra));
}

/** Polls the API's /readyz (which includes a round trip to Temporal) until it answers `status`. */
export async function waitForReadiness(api: ServiceProcess, status = 200, timeoutMs = 30_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < until) {
    if (api.child.exitCode !== null) throw new Error(`${api.name} exited (${api.child.exitCode})\n${api.output()}`);
    last = await fetch(`${api.url}/readyz`).then((r) => r.status, () => 0);
    if (last === status) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${api.name} /readyz answered ${last}, not ${status}\n${api.output()}`);
}
