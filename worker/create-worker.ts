// Wires the real activities into a Temporal worker. Used by worker/main.ts, by `npm start` and by
// the tests, so they all run the same configuration.
import { NativeConnection, Worker, type RuntimeOptions, type WorkerOptions } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { createActivities, type ActivityDeps } from '../activities';
import { dataConverterFor, type KeyRing } from '../codec';
import { TASK_QUEUE } from '../workflows/definitions';
import { DEFAULT_BUNDLE_PATH } from './build-bundle';

/**
 * Temporal core's Prometheus metrics at `address` (host:port), for the Runtime the worker runs in;
 * unset, none. They carry no transfer ids: their labels are the namespace, task queue and workflow
 * or activity type.
 */
export function workerTelemetry(address: string | undefined): RuntimeOptions['telemetryOptions'] {
  return address ? { metrics: { prometheus: { bindAddress: address } } } : undefined;
}

export interface CreateWorkerOptions {
  connection: NativeConnection;
  /** Payload keys: every payload the worker writes is encrypted with the current one. */
  keyRing: KeyRing;
  namespace?: string;
  taskQueue?: string;
  /** Path to the prebuilt workflow bundle; defaults to lib/workflow-bundle.js. */
  bundlePath?: string;
  deps?: Partial<ActivityDeps>;
  maxCachedWorkflows?: number;
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  const bundlePath = opts.bundlePath ?? DEFAULT_BUNDLE_PATH;
  if (!existsSync(bundlePath)) {
    throw new Error(`No workflow bundle at ${bundlePath}: run \`npm run build\` first.`);
  }
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    workflowBundle: { codePath: bundlePath },
    activities: createActivities(opts.deps),
    dataConverter: dataConverterFor(opts.keyRing),
    maxCachedWorkflows: opts.maxCachedWorkflows ?? 100,
    shutdownGraceTime: opts.shutdownGraceTime ?? '20s',
  });
}
