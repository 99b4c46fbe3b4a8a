// Real processes for the crash suite: a Temporal dev server on a SQLite file (so it can be killed
// and restarted with its data) and the production worker (worker/main.ts) as a child process, each
// of which can be killed with SIGKILL at any moment.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeFlags } from '../../workflows/definitions';
import { CLI_PATH, TEST_PAYLOAD_KEYS } from '../support/temporal';

const ROOT = path.resolve(__dirname, '..', '..');

export interface Proc {
  child: ChildProcess;
  output: () => string;
  /** SIGKILL, and wait until it is gone. */
  kill9: () => Promise<void>;
}

function track(child: ChildProcess): Proc {
  let output = '';
  child.stdout?.on('data', (c) => (output = (output + c).slice(-20_000)));
  child.stderr?.on('data', (c) => (output = (output + c).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    kill9: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, proc: Proc, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (proc.child.exitCode !== null) throw new Error(`${what} exited (${proc.child.exitCode}):\n${proc.output()}`);
    if (Date.now() > until) throw new Error(`${what} did not come up:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startDevServer(port: number, dbFile: string): Promise<Proc> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--db-filename', dbFile,
    '--log-level', 'error', ...searchAttributeFlags().flatMap((f) => ['--search-attribute', f])];
  const proc = track(spawn(CLI_PATH, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  await waitFor('the Temporal dev server', async () => {
    try {
      const c = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 1000 });
      await c.workflowService.getSystemInfo({});
      await c.close();
      return true;
    } catch {
      return false;
    }
  }, proc);
  return proc;
}

/** The production worker process, exactly as `node worker/main.js` runs it, polling `address`. */
export async function startWorkerProcess(address: string, extraEnv: Record<string, string> = {}): Promise<Proc> {
  const env = { ...process.env, TEMPORAL_ADDRESS: address, PAYLOAD_KEYS: TEST_PAYLOAD_KEYS, SMTP_URL: '', WEBHOOK_URL: '', WORKFLOW_BUNDLE_PATH: '', ...extraEnv };
  const proc = track(
    spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'worker', 'main.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  await waitFor('the worker', () => /state: 'RUNNING'/.test(proc.output()), proc);
  return proc;
}
