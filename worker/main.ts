// The worker process: polls the case-transfers task queue until SIGTERM/SIGINT, then drains.
import { NativeConnection, Runtime } from '@temporalio/worker';
import { closeMailTransports } from '../activities/notifications';
import { keyRingOf, loadConfig } from '../config';
import { nativeConnectionOptions, temporalSettings } from '../config/temporal';
import { createWorker, workerTelemetry } from './create-worker';

export async function runWorker(): Promise<void> {
  const config = loadConfig();
  const keyRing = keyRingOf(config);
  Runtime.install({ telemetryOptions: workerTelemetry(config.WORKER_METRICS_ADDRESS) });
  const temporal = temporalSettings(config);
  const connection = await NativeConnection.connect(nativeConnectionOptions(temporal));
  try {
    const worker = await createWorker({
      connection,
      keyRing,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      bundlePath: config.WORKFLOW_BUNDLE_PATH,
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      shutdownGraceTime: `${config.WORKER_SHUTDOWN_GRACE_SECONDS}s`,
    });
    // The Runtime's default shutdown signals (SIGINT, SIGTERM, ...) make run() resolve after draining.
    await worker.run();
  } finally {
    closeMailTransports();
    await connection.close();
  }
}

if (require.main === module) {
  runWorker().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
