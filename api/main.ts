// The API process: one Temporal client, one HTTP server, graceful shutdown on SIGTERM/SIGINT.
import { Client, Connection } from '@temporalio/client';
import type { Server } from 'node:http';
import { loadConfig, type Config } from '../config';
import { POLICIES } from '../activities/policy/authorities';
import { loadCalendar } from '../activities/policy/calendar/calendar';
import { createApp } from './app';
import { createVerifier } from './auth';
import { createPolicyService } from './policy-service';

export interface RunningApi {
  server: Server;
  url: string;
  close: () => Promise<void>;
}

export async function startApi(config: Config = loadConfig()): Promise<RunningApi> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS ?? 'localhost:7233' });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const app = createApp({
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    verifyToken: createVerifier({
      jwksUrl: config.AUTH_JWKS_URL,
      secret: config.AUTH_JWT_SECRET,
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
    }),
    policies: createPolicyService(loadCalendar(), POLICIES),
    checkReady: async () => {
      // A second argument would be taken as a callback by protobufjs; bound the call with a deadline.
      await connection.withDeadline(Date.now() + 2000, () => connection.healthService.check({}));
    },
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close();
    })());
  return { server, url: `http://${config.HOST}:${port}`, close };
}

if (require.main === module) {
  startApi()
    .then((api) => {
      console.log(JSON.stringify({ level: 'info', msg: 'api listening', url: api.url }));
      for (const sig of ['SIGTERM', 'SIGINT'] as const) {
        process.once(sig, () => {
          void api.close().then(() => process.exit(0));
        });
      }
    })
    .catch((err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
