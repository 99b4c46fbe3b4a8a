// One time-skipping Temporal environment and worker per test file, with helpers that move the
// test server's clock. Dates derive from that clock, so suites hold on any day of any year.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { loadCalendar } from '../../activities/policy/calendar/calendar';
import type { ActivityDeps } from '../../activities';
import { createTestWorker, createTimeSkippingEnv } from './temporal';

export const calendar = loadCalendar();

/** The test server's current date in Europe/London. */
export async function envToday(env: TestWorkflowEnvironment): Promise<string> {
  return calendar.toLocalDate(new Date(await env.currentTimeMs()).toISOString());
}

/** Skips the test server's clock to a minute past the instant. */
export async function sleepUntil(env: TestWorkflowEnvironment, instant: string): Promise<void> {
  const ms = Date.parse(instant) - (await env.currentTimeMs()) + 60_000;
  if (ms > 0) await env.sleep(ms);
}

export interface TimeSkippingSuite {
  readonly env: TestWorkflowEnvironment;
  today(): Promise<string>;
  sleepUntil(instant: string): Promise<void>;
}

/** Registers beforeAll/afterAll that start and stop the environment and a worker. */
export function timeSkippingSuite(deps?: Partial<ActivityDeps>): TimeSkippingSuite {
  let env: TestWorkflowEnvironment | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    worker = await createTestWorker(env, { deps });
    running = worker.run();
  }, 120_000);
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });
  const current = () => {
    if (!env) throw new Error('the time-skipping environment is not started');
    return env;
  };
  return {
    get env() {
      return current();
    },
    today: () => envToday(current()),
    sleepUntil: (instant) => sleepUntil(current(), instant),
  };
}
