// One worker process as production wires it (worker/create-worker.ts, the configured cache size),
// run as a child of the bench so that its memory is its own. Answers 'memory' with its usage
// after a full GC, and drains on 'stop'.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { dataConverterFor } from '../../codec';
import { keyRingOf, loadConfig } from '../../config';
import { nativeConnectionOptions, temporalSettings } from '../../config/temporal';
import { createWorker } from '../../worker/create-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const temporal = temporalSettings(config);
  const connection = await NativeConnection.connect(nativeConnectionOptions(temporal));
  const worker = await createWorker({
    connection,
    keyRing: keyRingOf(config),
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    deps: { audit: () => undefined },
  });
  // BENCH_FLOOR_QUEUE: the bench's floor workflow runs here too, beside the transfers' worker.
  const floorQueue = process.env.BENCH_FLOOR_QUEUE;
  const floor = floorQueue
    ? await Worker.create({ connection, namespace: temporal.namespace, taskQueue: floorQueue, workflowsPath: require.resolve('./floor-workflow'), dataConverter: dataConverterFor(keyRingOf(config)) })
    : undefined;
  process.on('message', (message) => {
    if (message === 'memory') {
      (global as { gc?: () => void }).gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      process.send!({ rss, heapUsed });
    } else if (message === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send!({ cpuMs: (user + system) / 1000 });
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
