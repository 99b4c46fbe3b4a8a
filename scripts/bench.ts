// npm run bench: measures, and reports as numbers (never asserts),
//   1. the schedule engine: schedules computed per second, per authority;
//   2. on a real dev server: transfer starts per second, update round-trip latency (p50/p95),
//      and the worker's memory with every transfer sleeping on its timers.
// Sizes are for a 2-core machine; override with BENCH_TRANSFERS.
import { performance } from 'node:perf_hooks';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { POLICIES } from '../activities/policy/authorities';
import { loadCalendar } from '../activities/policy/calendar/calendar';
import { ScheduleEngine } from '../activities/policy/schedule';
import { createWorker } from '../worker/create-worker';
import {
  eventUpdates,
  SEARCH_ATTRIBUTE_KEYS,
  TASK_QUEUE,
  workflowIdFor,
  type Actor,
  type TransferRequest,
} from '../workflows/definitions';
import { ROOT } from './dev-secret';

const TRANSFERS = Number(process.env.BENCH_TRANSFERS ?? 300);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function request(i: number, today: string): TransferRequest {
  return {
    transferId: `bench-${Date.now().toString(36)}-${i}`,
    authority: 'islington',
    kind: 'isl-cin-to-cla',
    children: [{ ref: `B-${i}`, dateOfBirth: '2014-01-01', legalStatus: 's20', lookedAfter: true }],
    from: { service: 'CIN', team: 'bench-from' },
    to: { service: 'CLA', team: 'bench-to' },
    people: {
      allocatedSocialWorker: { id: 'sw', role: 'social-worker' },
      lineManager: { id: 'lm', role: 'line-manager' },
      transferringManager: { id: 'tm1', role: 'team-manager' },
      receivingManager: { id: 'tm2', role: 'team-manager' },
      chain: { transferring: [{ id: 'sm1', role: 'service-manager' }], receiving: [{ id: 'sm2', role: 'service-manager' }] },
    },
    trigger: { event: 'first-cla-review', date: today },
    notifiedOn: today,
  };
}

function engineBench(): void {
  const calendar = loadCalendar();
  for (const policy of Object.values(POLICIES)) {
    const engine = new ScheduleEngine(policy, calendar);
    const kind = policy.kinds.find((k) => !k.outOfScope)!;
    const req = { ...request(0, '2027-03-01'), authority: policy.authority, kind: kind.id };
    const facts = { request: req, decidedOn: '2027-02-20', notifiedOn: '2027-03-01', heldDays: 0 };
    for (let i = 0; i < 200; i++) engine.compute(facts);
    const n = 5000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) engine.compute(facts);
    const ms = performance.now() - t0;
    console.log(`engine  ${policy.authority.padEnd(17)} ${Math.round((n / ms) * 1000)} schedules/s (${((ms / n) * 1000).toFixed(0)} µs each)`);
  }
}

async function serverBench(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const cli = path.join(ROOT, '.tools', 'bin', 'temporal');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: existsSync(cli) ? { type: 'existing-path', path: cli } : undefined,
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      extraArgs: ['--log-level', 'error'],
    },
  });
  const worker = await createWorker({
    connection: env.nativeConnection,
    deps: { audit: () => undefined, mail: undefined, webhook: undefined },
    maxCachedWorkflows: 100,
  });
  const running = worker.run();
  const today = loadCalendar().toLocalDate(new Date().toISOString());
  const integration: Actor = { id: 'bench', roles: ['integration'], sides: [], kind: 'integration' };
  const rssBefore = process.memoryUsage().rss;
  try {
    const t0 = performance.now();
    const handles = [];
    for (let batch = 0; batch < TRANSFERS; batch += 20) {
      const started = await Promise.all(
        Array.from({ length: Math.min(20, TRANSFERS - batch) }, (_, j) => {
          const r = request(batch + j, today);
          return env.client.workflow.start('caseTransfer', {
            workflowId: workflowIdFor(r.transferId),
            taskQueue: TASK_QUEUE,
            args: [{ request: r, requestHash: 'bench', startedBy: integration, receivedOn: today }],
          });
        }),
      );
      handles.push(...started);
    }
    const startMs = performance.now() - t0;
    console.log(`server  ${TRANSFERS} transfers started in ${(startMs / 1000).toFixed(1)} s: ${Math.round((TRANSFERS / startMs) * 1000)} starts/s`);

    // Let the starts' own workflow tasks and outbox activities finish, so updates are measured alone.
    await new Promise((r) => setTimeout(r, 5000));
    const receivingTm: Actor = { id: 'tm2', roles: ['team-manager'], sides: ['receiving'], kind: 'person' };
    const sample = handles.slice(0, Math.min(100, handles.length));
    const latencies: number[] = [];
    for (const h of sample) {
      const u0 = performance.now();
      await h.executeUpdate(eventUpdates.acknowledgement as never, { args: [{ actor: receivingTm, payload: {} }] });
      latencies.push(performance.now() - u0);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `server  update round trip (acknowledgement, ${sample.length} sequential, mostly evicted from cache): ` +
        `p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms`,
    );
    global.gc?.();
    const mem = process.memoryUsage();
    console.log(
      `worker  memory with ${TRANSFERS} sleeping transfers (cache 100): rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB ` +
        `(+${((mem.rss - rssBefore) / 2 ** 20).toFixed(0)} MiB), heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`,
    );
  } finally {
    worker.shutdown();
    await running;
    await env.teardown();
  }
}

async function main(): Promise<void> {
  engineBench();
  await serverBench();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
