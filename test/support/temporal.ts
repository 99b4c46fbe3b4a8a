// Real Temporal servers for tests: the dev server (`temporal` CLI, provisioned into .tools/ from
// the Go module proxy) and Temporal's Java time-skipping test server (from Maven Central). Without
// them the SDK's own download is tried, which works on machines that can reach Temporal's site.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, type LogLevel, type Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { ActivityDeps } from '../../activities';
import { createWorker } from '../../worker/create-worker';
import { SEARCH_ATTRIBUTE_KEYS, TASK_QUEUE } from '../../workflows/definitions';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, '.tools', 'bin', 'temporal');
const TEST_SERVER = path.join(ROOT, '.tools', 'bin', 'temporal-test-server');

let runtimeInstalled = false;
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (process.env.TEST_LOG_LEVEL ?? 'WARN') as LogLevel;
  try {
    Runtime.install({ logger: new DefaultLogger(level), shutdownSignals: [] });
  } catch {
    // Already installed by an earlier suite in this process.
  }
}

/** The SDK gives a test server 5 s to come up, too little on a machine busy with other suites. */
async function patiently(start: () => Promise<TestWorkflowEnvironment>): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 4 || !/did not start within/.test((err as Error).message)) throw err;
    }
  }
}

export async function createLocalEnv(opts: { extraArgs?: string[] } = {}): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return patiently(() =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: existsSync(CLI) ? { type: 'existing-path', path: CLI } : undefined,
        searchAttributes: SEARCH_ATTRIBUTE_KEYS,
        extraArgs: ['--log-level', 'error', ...(opts.extraArgs ?? [])],
      },
    }),
  );
}

/** Dev-server flags for suites that watch workers come and go: idle workers re-poll every few seconds. */
export const SHORT_LONG_POLL = ['--dynamic-config-value', 'matching.longPollExpirationInterval="3s"'];
export const CLI_PATH = CLI;

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await patiently(() =>
    TestWorkflowEnvironment.createTimeSkipping({
      server: existsSync(TEST_SERVER) ? { executable: { type: 'existing-path', path: TEST_SERVER } } : undefined,
    }),
  );
  // The test server has no --search-attribute flag: register the keys through its operator service.
  const types: Record<string, temporal.api.enums.v1.IndexedValueType> = {
    KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
    DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  };
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, types[k.type]])),
  });
  return env;
}

export async function createTestWorker(
  env: TestWorkflowEnvironment,
  opts: { taskQueue?: string; deps?: Partial<ActivityDeps> } = {},
): Promise<Worker> {
  // The production wiring, on the bundle the worker ships.
  return createWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    // Never the shell's SMTP_URL or WEBHOOK_URL: a test opts in to mail and webhooks explicitly.
    deps: { audit: () => undefined, mail: undefined, webhook: undefined, ...opts.deps },
    maxCachedWorkflows: 100,
  });
}
