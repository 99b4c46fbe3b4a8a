// Many open transfers in one worker: how long the worker takes to process their starts, its memory
// once they all sleep on their timers, and an update's latency on a transfer evicted from its cache.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { eventUpdates, TASK_QUEUE, workflowIdFor, type Actor, type TransferRequest } from '../../workflows/definitions';

const INTEGRATION: Actor = { id: 'bench-lcs', roles: ['integration'], sides: [], kind: 'integration' };
const RECEIVING_TM: Actor = { id: 'tm2', roles: ['team-manager'], sides: ['receiving'], kind: 'person' };

export interface OpenTransfersResult {
  transfers: number;
  cache: number;
  startsSeconds: number;
  processedSeconds: number;
  rssMiB: number;
  heapMiB: number;
  evictedUpdateP50: number;
  evictedUpdateP99: number;
}

function memoryOf(child: ChildProcess): Promise<{ rss: number; heapUsed: number }> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as { rss: number; heapUsed: number }));
    child.send('memory');
  });
}

async function workflowBacklog(client: Client, namespace: string): Promise<number> {
  const res = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: TASK_QUEUE },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    reportStats: true,
  });
  return Number(res.stats?.approximateBacklogCount ?? 0);
}

async function firstTaskDone(client: Client, workflowId: string): Promise<boolean> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).some((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
}

export async function openTransfers(opts: {
  client: Client;
  address: string;
  namespace: string;
  /** The worker process's PAYLOAD_KEYS: the same ring as the client's. */
  payloadKeys: string;
  transfers: number;
  cache: number;
  request: () => TransferRequest;
}): Promise<OpenTransfersResult> {
  const child = fork(path.join(__dirname, 'worker-process.js'), [], {
    execArgv: ['--expose-gc'],
    env: { ...process.env, PAYLOAD_KEYS: opts.payloadKeys, PAYLOAD_KEY_ID: '', TEMPORAL_ADDRESS: opts.address, TEMPORAL_NAMESPACE: opts.namespace, WORKER_MAX_CACHED_WORKFLOWS: String(opts.cache) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await once(child, 'message');
    const ids: string[] = [];
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < opts.transfers) {
          next += 1;
          const request = opts.request();
          const handle = await opts.client.workflow.start('caseTransfer', {
            workflowId: workflowIdFor(request.transferId!),
            taskQueue: TASK_QUEUE,
            args: [{ request, requestHash: 'bench', startedBy: INTEGRATION, receivedOn: request.trigger.date }],
          });
          ids.push(handle.workflowId);
        }
      }),
    );
    const startsSeconds = (performance.now() - t0) / 1000;
    // Processed: the workflow task queue is drained and a sample of the last starts has a completed
    // first task (the backlog count is approximate, the sample is not).
    const sample = ids.slice(-25);
    for (;;) {
      // A server this busy can time a call out: that only means "not yet".
      const drained = await workflowBacklog(opts.client, opts.namespace).then((n) => n === 0, () => false);
      if (drained) {
        const done = await Promise.all(sample.map((id) => firstTaskDone(opts.client, id).catch(() => false)));
        if (done.every(Boolean)) break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    const processedSeconds = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 3000));
    const mem = await memoryOf(child);

    const latencies: number[] = [];
    for (const id of ids.slice(0, 50)) {
      const u = performance.now();
      await opts.client.workflow.getHandle(id).executeUpdate(eventUpdates.acknowledgement as never, { args: [{ actor: RECEIVING_TM, payload: {} }] });
      latencies.push(performance.now() - u);
    }
    latencies.sort((a, b) => a - b);
    const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
    return {
      transfers: opts.transfers,
      cache: opts.cache,
      startsSeconds,
      processedSeconds,
      rssMiB: mem.rss / 2 ** 20,
      heapMiB: mem.heapUsed / 2 ** 20,
      evictedUpdateP50: at(50),
      evictedUpdateP99: at(99),
    };
  } finally {
    child.send('stop');
    await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 30_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
