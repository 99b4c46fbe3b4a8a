// `npm start` stops cleanly whichever of its processes is told to: SIGTERM to npm, Ctrl-C to the
// terminal's process group, or the Temporal dev server dying. The API stops first, the worker
// drains, the Temporal server stops last; nothing is left running or listening.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { portsToBindLater } from '../../scripts/ports';

const ROOT = path.resolve(__dirname, '..', '..');
const STARTED = /Stop {17}Ctrl-C/;
// What the worker or the API logs when the Temporal server goes away under them.
const CONNECTION_ERRORS = /ECONNREFUSED|Connection refused|transport error|tcp connect error|UNAVAILABLE|connection reset/i;

interface Started {
  child: ChildProcess;
  ports: number[];
  output: () => string;
  exited: Promise<number | null>;
  dir: string;
}

async function launch(command: string, args: string[]): Promise<Started> {
  const ports = await portsToBindLater(6);
  const dir = mkdtempSync(path.join(tmpdir(), 'ct-start-'));
  const env = {
    ...process.env,
    PORT: String(ports[0]),
    TEMPORAL_DEV_PORT: String(ports[1]),
    TEMPORAL_UI_PORT: String(ports[2]),
    MAIL_CATCHER_PORT: String(ports[3]),
    MAIL_CATCHER_UI_PORT: String(ports[4]),
    DEV_OIDC_PORT: String(ports[5]),
    TEMPORAL_DB_FILE: path.join(dir, 'temporal.db'),
    AUTH_JWT_SECRET: 'shutdown-test-secret-that-is-long-enough',
    TEMPORAL_ADDRESS: '',
    SMTP_URL: '',
    WEBHOOK_URL: '',
  };
  // Its own process group, like a terminal's foreground job.
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const until = Date.now() + 240_000;
  while (!STARTED.test(output)) {
    if (child.exitCode !== null) throw new Error(`start exited early (${child.exitCode}):\n${output}`);
    if (Date.now() > until) throw new Error(`start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, ports, output: () => output, exited, dir };
}

/** A process's descendants (the dev server is in its own group), found through ps, with their command lines. */
function descendants(pid: number): { pid: number; args: string }[] {
  const table = spawnSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .map((line) => {
      const [, p, pp, args] = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line) ?? [];
      return { pid: Number(p), ppid: Number(pp), args: args ?? '' };
    });
  const found: { pid: number; args: string }[] = [];
  const walk = (parent: number) => {
    for (const row of table) {
      if (row.ppid !== parent) continue;
      found.push({ pid: row.pid, args: row.args });
      walk(row.pid);
    }
  };
  walk(pid);
  return found;
}

/** Chosen by command line, not by position: pids wrap, so the first child need not be the oldest. */
function descendant(pid: number, command: RegExp): number {
  const match = descendants(pid).filter((d) => command.test(d.args));
  expect(match).toHaveLength(1);
  return match[0].pid;
}

const everything = (pid: number) => [pid, ...descendants(pid).map((d) => d.pid)];

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

async function expectAllGone(started: Started, pids: number[]) {
  // Bounded, not timed: a hang fails the test instead of holding it for ever.
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([started.exited, new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), 60_000)))]);
  clearTimeout(timer);
  expect(code).not.toBe('hung');
  // Give the last children a moment to be reaped.
  for (let i = 0; i < 20 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 250));
  expect(pids.filter(alive)).toEqual([]);
  for (const port of started.ports) expect({ port, listening: await listening(port) }).toEqual({ port, listening: false });
  rmSync(started.dir, { recursive: true, force: true });
  return code;
}

function expectOrderedStop(output: string) {
  const at = (line: string) => output.indexOf(`[start] ${line} stopped`);
  expect(at('API')).toBeGreaterThan(-1);
  expect(at('API')).toBeLessThan(at('worker (drained)'));
  expect(at('worker (drained)')).toBeLessThan(at('Temporal dev server'));
  expect(output).toContain('[start] stopped');
}

test('SIGTERM to `npm start` itself: everything stops in order, nothing left, no connection errors', async () => {
  // npm runs the prestart build too, so lib/ is fresh for the tests below.
  const built = await launch('npm', ['start']);
  const pids = everything(built.child.pid!);
  expect(pids.length).toBeGreaterThanOrEqual(3); // npm, node, temporal: no shell in between
  process.kill(built.child.pid!, 'SIGTERM');
  await expectAllGone(built, pids);
  expectOrderedStop(built.output());
  expect(built.output()).not.toMatch(CONNECTION_ERRORS);
}, 300_000);

test('Ctrl-C (SIGINT to the whole process group): the Temporal server still outlives the worker\'s drain', async () => {
  const started = await launch(process.execPath, ['lib/scripts/start.js']);
  const pids = everything(started.child.pid!);
  process.kill(-started.child.pid!, 'SIGINT');
  expect(await expectAllGone(started, pids)).toBe(0);
  expectOrderedStop(started.output());
  expect(started.output()).not.toMatch(CONNECTION_ERRORS);
}, 300_000);

test('SIGTERM to the Temporal dev server: the worker and the API stop too, with a failure code', async () => {
  const started = await launch(process.execPath, ['lib/scripts/start.js']);
  const pids = everything(started.child.pid!);
  process.kill(descendant(started.child.pid!, /temporal server start-dev/), 'SIGTERM');
  expect(await expectAllGone(started, pids)).toBe(1);
  expect(started.output()).toMatch(/the Temporal dev server exited/);
  expect(started.output()).toContain('[start] stopped');
}, 300_000);

test('the local OpenID provider dying: everything else stops too, with a failure code', async () => {
  const started = await launch(process.execPath, ['lib/scripts/start.js']);
  const pids = everything(started.child.pid!);
  process.kill(descendant(started.child.pid!, /dev-oidc-provider\.mjs/), 'SIGTERM');
  expect(await expectAllGone(started, pids)).toBe(1);
  expect(started.output()).toMatch(/the local OpenID provider exited \(code 0\)/);
  expectOrderedStop(started.output());
}, 300_000);
