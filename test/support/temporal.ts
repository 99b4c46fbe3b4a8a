// Real Temporal servers for tests: the dev server (`temporal` CLI, provisioned into .tools/ from
// the Go module proxy) and Temporal's Java time-skipping test server (from Maven Central). Without
// them the SDK's own download is tried, which works on machines that can reach Temporal's site.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, type LogLevel, type Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { ActivityDeps } from '../../activities';
import { loadConfig } from '../../config';
import { temporalSettings, type TemporalSettings } from '../../config/temporal';
import { dataConverterFor, newKeyEntry, parseKeyRing, type KeyRing } from '../../codec';
import { createWorker } from '../../worker/create-worker';
import { SEARCH_ATTRIBUTE_KEYS, TASK_QUEUE } from '../../workflows/definitions';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, '.tools', 'bin', 'temporal');
const TEST_SERVER = path.join(ROOT, '.tools', 'bin', 'temporal-test-server');

/** A key ring of this test process: every client and worker the suites create encrypts with it. */
export const TEST_PAYLOAD_KEYS = newKeyEntry('test-key');
export const TEST_KEY_RING = parseKeyRing(TEST_PAYLOAD_KEYS);
export const testDataConverter = (ring: KeyRing = TEST_KEY_RING) => dataConverterFor(ring);

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

/**
 * Set by scripts/temporal-postgres.ts (`npm run test:postgres`): the suites use that server, reached
 * through the same settings as the service (config/temporal.ts: profile, mTLS), instead of starting
 * a dev server per file.
 */
export const EXISTING_SERVER = process.env.CASE_TRANSFERS_TEST_SERVER === 'existing';

/**
 * Test files running at once share that server's namespace: each file's workers poll a task queue
 * of their own, so none picks up another file's tasks (with its own activity doubles).
 */
export const TEST_TASK_QUEUE = EXISTING_SERVER ? `${loadConfig().TEMPORAL_TASK_QUEUE}-${randomUUID()}` : TASK_QUEUE;

/** How a test reaches the environment's server, as the service's own processes would. */
export function testTemporalSettings(env: TestWorkflowEnvironment): TemporalSettings {
  if (EXISTING_SERVER) return { ...temporalSettings(loadConfig()), taskQueue: TEST_TASK_QUEUE };
  return { address: env.address, namespace: env.namespace ?? 'default', taskQueue: TEST_TASK_QUEUE };
}

/**
 * The SDK gives a server 5 s to start, which a machine under load can miss; such a start (and
 * only that) is tried again, a little later each time, so that a burst of load can pass.
 */
async function withStartRetries<T>(start: () => Promise<T>, attempts = 8): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (err) {
      if (i >= attempts || !/did not start within/.test(String((err as Error)?.message))) throw err;
      await new Promise((r) => setTimeout(r, 2_000 * i));
    }
  }
}

/** A dev server on free ports; in memory unless `dbFilename` names its SQLite file. */
export async function createLocalEnv(opts: { dbFilename?: string; extraArgs?: string[] } = {}): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  if (EXISTING_SERVER) {
    const settings = temporalSettings(loadConfig());
    return TestWorkflowEnvironment.createFromExistingServer({
      address: settings.address,
      namespace: settings.namespace,
      connectionOptions: { tls: settings.tls, apiKey: settings.apiKey, metadata: settings.metadata },
      client: { dataConverter: testDataConverter() },
    });
  }
  return withStartRetries(() => TestWorkflowEnvironment.createLocal({
    server: {
      executable: existsSync(CLI) ? { type: 'existing-path', path: CLI } : undefined,
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      extraArgs: ['--log-level', 'error', ...(opts.extraArgs ?? [])],
      dbFilename: opts.dbFilename,
    },
    client: { dataConverter: testDataConverter() },
  }));
}

/** Dev-server flags for suites that watch workers come and go: idle workers re-poll every few seconds. */
export const SHORT_LONG_POLL = ['--dynamic-config-value', 'matching.longPollExpirationInterval="3s"'];
export const CLI_PATH = CLI;

export async function createTimeSkippingEnv(opts: { keyRing?: KeyRing } = {}): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await withStartRetries(() => TestWorkflowEnvironment.createTimeSkipping({
    server: existsSync(TEST_SERVER) ? { executable: { type: 'existing-path', path: TEST_SERVER } } : undefined,
    client: { dataConverter: testDataConverter(opts.keyRing) },
  }));
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
  opts: { taskQueue?: string; deps?: Partial<ActivityDeps>; keyRing?: KeyRing } = {},
): Promise<Worker> {
  // The production wiring, on the bundle the worker ships.
  return createWorker({
    connection: env.nativeConnection,
    keyRing: opts.keyRing ?? TEST_KEY_RING,
    namespace: env.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? TEST_TASK_QUEUE,
    // Never the shell's SMTP_URL or WEBHOOK_URL: a test opts in to mail and webhooks explicitly.
    deps: { audit: () => undefined, mail: undefined, webhook: undefined, ...opts.deps },
    maxCachedWorkflows: 100,
  });
}
