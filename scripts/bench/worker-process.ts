// One worker process as production wires it (worker/create-worker.ts, the configured cache size),
// run as a child of the bench so that its memory is its own. Answers 'memory' with its usage
// after a full GC, and drains on 'stop'.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { keyRingOf, loadConfig } from '../../config';
import { nativeConnectionOptions, temporalSettings } from '../../config/temporal';
import { createWorker } from '../../worker/create-worker';
import { createFloorWorker } from './floor-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const temporal = temporalSettings(config);
  const connection = await NativeConnection.connect(nativeConnectionOptions(temporal));
  const keyRing = keyRingOf(config);
  const worker = await createWorker({
    connection,
    keyRing,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    deps: { audit: () => undefined },
  });
  // BENCH_FLOOR=1: the bench's floor workflow runs here too, beside the transfers' worker.
  const floor = process.env.BENCH_FLOOR === '1' ? await createFloorWorker(connection, temporal.namespace, keyRing) : undefined;
  process.on('message', (message) => {
    if (message === 'memory') {
      (global as { gc?: () => void }).gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      process.send!({ rss, heapUsed });
    } else if (message === 'stop') {
      worker.shutdown();
      floor?.shutdown();
    }
  });
  const running = Promise.all([worker.run(), floor?.run()]);
  process.send!('ready');
  await running;
  await connection.close();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
