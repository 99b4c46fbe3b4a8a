// The API's Temporal connection. The SDK's default retries keep a call to an unreachable server
// going for about 20 s; an HTTP caller is better served by a 503 within a second or two, after
// which it retries (the Idempotency-Key makes that safe).
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';
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
