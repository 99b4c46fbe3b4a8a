// Shared by the API suites: an app wired like production, a client that can never reach Temporal,
// and small assertion helpers.
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import type { Response } from 'supertest';
import { createApp, type AppDeps } from '../../api/app';
import { createVerifier } from '../../api/auth';
import { createPolicyService } from '../../api/policy-service';
import { apiConnectionOptions, lazyConnection } from '../../api/temporal-connection';
import { policiesFrom } from '../../activities/policy/registry';
import { portToBindLater } from '../../scripts/ports';
import { loadCalendar } from '../../activities/policy/calendar/calendar';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Person, TransferRequest } from '../../workflows/definitions';
import { islingtonCinToCla, londonToday, plusDays, TEST_SECRET } from '../support/fixtures';
import { createLocalEnv, createTestWorker, TEST_TASK_QUEUE, testDataConverter, testTemporalSettings } from '../support/temporal';

/**
 * The API's log in the suites: nothing printed, but its errors kept, so that a test meeting an
 * unexpected 500 can say what the API logged for it (`lastLoggedError`).
 */
const loggedErrors: string[] = [];
export const silentLogger = pino({ level: 'error' }, {
  write(line: string) {
    loggedErrors.push(line);
    if (loggedErrors.length > 20) loggedErrors.shift();
  },
});
export const lastLoggedError = (): string | undefined => [...loggedErrors].reverse().find((line) => line.includes('unhandled error')) ?? loggedErrors.at(-1);

let policyService: ReturnType<typeof createPolicyService> | undefined;
export function testPolicies() {
  return (policyService ??= createPolicyService(loadCalendar(), policiesFrom()));
}

export function testApp(client: Client, overrides: Partial<AppDeps> = {}) {
  return createApp({
    client,
    verifyToken: createVerifier({ secret: TEST_SECRET, issuer: 'case-transfers', audience: 'case-transfers-api' }),
    policies: testPolicies(),
    logger: silentLogger,
    taskQueue: TEST_TASK_QUEUE,
    ...overrides,
  });
}

/** A port with nothing listening on it now, below the range outgoing connections take theirs from. */
export const closedPort = portToBindLater;

/** A client configured exactly as the API's own, pointed at nothing. */
export async function unreachableClient(): Promise<Client> {
  return new Client({ connection: lazyConnection(`127.0.0.1:${await closedPort()}`) });
}

export function expectProblem(res: Response, status?: number): void {
  if (status !== undefined && res.status !== status) {
    throw new Error(`expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`);
  }
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(typeof body.type).toBe('string');
  expect(typeof body.title).toBe('string');
  expect(body.status).toBe(res.status);
  expect(res.text).not.toMatch(/\n\s+at /); // no stack trace
}

/** Visibility is eventually consistent: poll until `check` passes, for at most `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (check(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

// ------------------------------------------------------------------ end-to-end wiring

export interface E2E {
  env: TestWorkflowEnvironment;
  app: ReturnType<typeof createApp>;
  stop: () => Promise<void>;
}

/** One real Temporal dev server, one worker and one app for a whole test file. */
export async function startE2E(overrides: Partial<AppDeps> = {}): Promise<E2E> {
  const env = await createLocalEnv();
  const worker = await createTestWorker(env);
  const running = worker.run();
  // The API's own connection settings (short retries), not the test environment's client.
  const settings = testTemporalSettings(env);
  const connection = await Connection.connect(apiConnectionOptions(settings));
  const client = new Client({ connection, namespace: settings.namespace, dataConverter: testDataConverter() });
  // Suites drive far more than a person would: the per-subject rate limit is tested on its own.
  const app = testApp(client, { rateLimit: { limit: 1_000_000 }, ...overrides });
  return {
    env,
    app,
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
      await env.teardown();
    },
  };
}

/** An Islington CIN-to-CLA start body between two given teams, with invented children. */
export function transferBody(opts: { from?: string; to?: string; overrides?: Partial<TransferRequest> } = {}) {
  const today = londonToday();
  const base = islingtonCinToCla({ trigger: { event: 'first-cla-review', date: plusDays(today, 35) } });
  return {
    ...base,
    from: { ...base.from, team: opts.from ?? base.from.team },
    to: { ...base.to, team: opts.to ?? base.to.team },
    ...opts.overrides,
  };
}

/**
 * Notified nine days ago and never acknowledged: the 2-working-day acknowledgement clock (T-ISL-07)
 * has passed, so the workflow marks it missed and escalates to the receiving service manager.
 */
export function overdueTransferBody(opts: { from?: string; to?: string; receivingChain?: Person[] } = {}) {
  const today = londonToday();
  const notifiedOn = plusDays(today, -9);
  const body = transferBody({
    from: opts.from,
    to: opts.to,
    overrides: {
      decidedOn: plusDays(today, -10),
      notifiedOn,
      windowEnd: plusDays(notifiedOn, 40),
      trigger: { event: 'first-cla-review', date: plusDays(notifiedOn, 35) },
    },
  });
  if (opts.receivingChain) body.people = { ...body.people, chain: { ...body.people.chain, receiving: opts.receivingChain } };
  return body;
}
