// The API's Temporal connection. The SDK's default retries keep a call to an unreachable server
// going for about 20 s; an HTTP caller is better served by a 503 within a second or two, after
// which it retries (the Idempotency-Key makes that safe).
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type Client, type ConnectionOptions } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { clientConnectionOptions, type TemporalSettings } from '../config/temporal';

/** Address, TLS and credentials from the shared settings (or a bare address), with short retries. */
export function apiConnectionOptions(target: string | TemporalSettings): ConnectionOptions {
  const base = typeof target === 'string' ? { address: target } : clientConnectionOptions(target);
  return {
    ...base,
    connectTimeout: '2s',
    interceptors: [
      makeGrpcRetryInterceptor(
        defaultGrpcRetryOptions({ maxAttempts: 3, factor: 2, initialIntervalMs: () => 100, maxIntervalMs: () => 1000 }),
      ),
    ],
  };
}

/** Connects on first use, so the API starts (and reports not ready) while Temporal is down. */
export function lazyConnection(target: string | TemporalSettings): Connection {
  return Connection.lazy(apiConnectionOptions(target));
}

/** What /readyz found missing: the Temporal server, or any worker polling the task queue. */
export class NotReady extends Error {
  constructor(
    readonly missing: ('temporal' | 'worker')[],
    detail: string,
  ) {
    super(detail);
    this.name = 'NotReady';
  }
}

/**
 * Ready means a request can be served: Temporal answers, and a worker has polled the task queue for
 * workflow tasks within `pollerMaxAgeMs`. Temporal keeps listing a poller for minutes after its
 * worker is gone, with the time of its last poll; a live worker polls again at least once per long
 * poll (a minute by default), so an older poll means no worker.
 */
export async function checkReadiness(
  client: Client,
  opts: { taskQueue: string; pollerMaxAgeMs?: number; timeoutMs?: number },
): Promise<void> {
  const maxAge = opts.pollerMaxAgeMs ?? 90_000;
  let pollers: { lastAccessTime?: { seconds?: unknown; nanos?: number | null } | null }[];
  try {
    // The workflow service takes no per-call options here: bound the call with a deadline.
    const answer = await client.withDeadline(Date.now() + (opts.timeoutMs ?? 3_000), () =>
      client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: opts.taskQueue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      }),
    );
    pollers = answer.pollers ?? [];
  } catch (err) {
    throw new NotReady(['temporal'], `Temporal is unreachable (${(err as Error).message})`);
  }
  const now = Date.now();
  const fresh = pollers.some((p) => {
    const seconds = Number(p.lastAccessTime?.seconds ?? 0);
    return seconds > 0 && now - (seconds * 1000 + (p.lastAccessTime?.nanos ?? 0) / 1e6) <= maxAge;
  });
  if (!fresh) {
    throw new NotReady(['worker'], `No worker polls the task queue ${opts.taskQueue} (none in the last ${Math.round(maxAge / 1000)} s)`);
  }
}
