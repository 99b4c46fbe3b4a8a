// npm run bench: measures, and reports as numbers (never asserts),
//   1. the schedule engine: schedules computed per second, per authority;
//   2. on one real dev server, side by side: the 15-step lifecycle (a) through the HTTP API, (b) on
//      the same workflow through the raw client, (c) on the bench's floor workflow, and (d) on the floor
//      taking one local activity per message (what trying each message's deliveries in its own
//      workflow task costs at least); each with the email and webhook channels pointed at local
//      sinks, then with them off (bench/lifecycle.ts);
//   3. one worker process with many open transfers: time to process their starts, memory, and an
//      update on a transfer evicted from the cache (bench/open-transfers.ts).
// Sizes are for a 2-core machine: BENCH_LIFECYCLES (60), BENCH_CONCURRENCY (8), BENCH_OPEN (10000),
// BENCH_CACHE (100, the worker's configured default); BENCH_ONLY=engine,lifecycle,open picks phases,
// BENCH_PATHS=a,b,c,d and BENCH_SINKS=on,off the lifecycle's paths and sink settings (for profiling);
// BENCH_WORKER_PROCESS=1 runs the lifecycle's workers in a process of their own, as compose runs the
// worker apart from the API (else they share this process, as `npm start` runs them).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { closeMailTransports } from '../activities/notifications';
import { policiesFrom } from '../activities/policy/registry';
import { loadCalendar } from '../activities/policy/calendar/calendar';
import { ScheduleEngine } from '../activities/policy/schedule';
import { createApp } from '../api/app';
import { createVerifier } from '../api/auth';
import { serve } from '../api/main';
import { createPolicyService } from '../api/policy-service';
import { apiConnectionOptions } from '../api/temporal-connection';
import { dataConverterFor, newKeyEntry, parseKeyRing } from '../codec';
import { createWorker } from '../worker/create-worker';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/definitions';
import { CallCounter } from './bench/call-counter';
import { floorDriver, httpDriver, JWT, lifecycleRequest, lifecycleSteps, rawDriver, runLifecycles, type LifecycleResult } from './bench/lifecycle';
import { createFloorWorker, FLOOR_QUEUE } from './bench/floor-worker';
import { openTransfers } from './bench/open-transfers';
import { ROOT } from './dev-secret';

const LIFECYCLES = Number(process.env.BENCH_LIFECYCLES ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const OPEN = Number(process.env.BENCH_OPEN ?? 10_000);
const CACHE = Number(process.env.BENCH_CACHE ?? 100);
const PHASES = new Set((process.env.BENCH_ONLY ?? 'engine,lifecycle,open').split(','));
const PATHS = new Set((process.env.BENCH_PATHS ?? 'a,b,c,d').split(','));
const SINKS = (process.env.BENCH_SINKS ?? 'on,off').split(',').filter((x): x is 'on' | 'off' => x === 'on' || x === 'off');
/** The sinks' settings, the same whether the worker runs in this process or in its own. */
const SINK_WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';
const SINK_MAIL_FROM = 'Case transfers <bench@localhost>';
const SINK_PUBLIC_BASE_URL = 'http://localhost';
// Encrypted as in production, so every number includes the codec's cost.
const PAYLOAD_KEYS = newKeyEntry('bench');
const keyRing = parseKeyRing(PAYLOAD_KEYS);

const calendar = loadCalendar();
const today = calendar.toLocalDate(new Date().toISOString());
const plusDays = (date: string, days: number) => new Date(Date.parse(`${date}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

function engineBench(): void {
  for (const policy of policiesFrom().allInForce(today)) {
    const engine = new ScheduleEngine(policy, calendar);
    const kind = policy.kinds.find((k) => !k.outOfScope)!;
    const req = { ...lifecycleRequest('2027-03-01', '2027-04-05'), authority: policy.authority, kind: kind.id };
    const facts = { request: req, decidedOn: '2027-02-20', notifiedOn: '2027-03-01', heldDays: 0 };
    for (let i = 0; i < 200; i++) engine.compute(facts);
    const n = 5000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) engine.compute(facts);
    const ms = performance.now() - t0;
    console.log(`engine  ${policy.authority.padEnd(17)} ${Math.round((n / ms) * 1000)} schedules/s (${((ms / n) * 1000).toFixed(0)} µs each)`);
  }
}

/** A webhook receiver that accepts everything at once: the cost of delivery, not of a slow peer. */
async function webhookSink(): Promise<{ url: string; server: Server; received: () => number }> {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received += 1;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/events`, server, received: () => received };
}

/**
 * An SMTP server that accepts every message and only counts it, as the webhook sink does: the cost
 * of sending mail, not of reading it (the mail catcher parses each message, in this same process).
 */
async function mailSink(): Promise<{ smtpUrl: string; server: SMTPServer; received: () => number }> {
  let received = 0;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    closeTimeout: 100,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => {
        received += 1;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return { smtpUrl: `smtp://127.0.0.1:${port}`, server, received: () => received };
}

function row(r: LifecycleResult): string {
  const h = r.history;
  return [
    r.driver.padEnd(30),
    r.perSecond.toFixed(2).padStart(7),
    r.p50.toFixed(0).padStart(6),
    r.p99.toFixed(0).padStart(6),
    h.events.toFixed(0).padStart(7),
    (h.bytes / 1024).toFixed(1).padStart(8),
    r.billable.toFixed(1).padStart(8),
    r.cpu.self.toFixed(0).padStart(7),
    r.cpu.server.toFixed(0).padStart(7),
    `  starts ${h.actions.starts.toFixed(0)}, updates ${r.calls.updates.toFixed(1)}, queries ${r.calls.queries.toFixed(1)}, ` +
      `signals ${h.actions.signals.toFixed(0)}, timers ${h.actions.timers.toFixed(1)}, upserts ${h.actions.upserts.toFixed(1)}, ` +
      `activities ${h.actions.activities.toFixed(1)}, local-activity tasks ${h.actions.localActivityTasks.toFixed(1)}`,
  ].join(' ');
}

const SEPARATE = process.env.BENCH_WORKER_PROCESS === '1';

interface RunningWorker {
  stop: () => Promise<void>;
}

async function inProcessWorker(native: NativeConnection, env: TestWorkflowEnvironment, sinks: 'on' | 'off', smtpUrl: string, webhookUrl: string): Promise<RunningWorker> {
  const worker = await createWorker({
    connection: native,
    keyRing,
    namespace: env.namespace ?? 'default',
    deps: {
      audit: () => undefined,
      mail: sinks === 'on'
        ? { smtpUrl, from: SINK_MAIL_FROM, publicBaseUrl: SINK_PUBLIC_BASE_URL, timeoutMs: 10_000, invite: { minutes: 60 } }
        : undefined,
      webhook: sinks === 'on' ? { url: webhookUrl, secret: SINK_WEBHOOK_SECRET, timeoutMs: 10_000 } : undefined,
    },
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

async function workerProcess(env: TestWorkflowEnvironment, sinks?: { smtpUrl: string; webhookUrl: string }): Promise<RunningWorker> {
  const child = fork(path.join(__dirname, 'bench', 'worker-process.js'), [], {
    env: {
      ...process.env,
      PAYLOAD_KEYS,
      PAYLOAD_KEY_ID: '',
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: env.namespace ?? 'default',
      WORKER_MAX_CACHED_WORKFLOWS: String(CACHE),
      BENCH_FLOOR: '1',
      ...(sinks
        ? { SMTP_URL: sinks.smtpUrl, WEBHOOK_URL: sinks.webhookUrl, WEBHOOK_SECRET: SINK_WEBHOOK_SECRET, MAIL_FROM: SINK_MAIL_FROM, PUBLIC_BASE_URL: SINK_PUBLIC_BASE_URL }
        : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await once(child, 'message');
  return {
    async stop() {
      child.send('stop');
      await once(child, 'exit');
    },
  };
}

async function lifecycleBench(env: TestWorkflowEnvironment, native: NativeConnection): Promise<void> {
  const counter = new CallCounter();
  const options = apiConnectionOptions(env.address);
  const connection = await Connection.connect({ ...options, interceptors: [...(options.interceptors ?? []), counter.interceptor] });
  const client = new Client({ connection, namespace: env.namespace ?? 'default', dataConverter: dataConverterFor(keyRing) });
  const app = createApp({
    client,
    verifyToken: createVerifier(JWT),
    policies: createPolicyService(calendar, policiesFrom()),
    logger: pino({ level: 'silent' }),
    rateLimit: { limit: 1_000_000 },
  });
  const api = await serve(app, { port: 0, host: '127.0.0.1' });
  const floorWorker = SEPARATE ? undefined : await createFloorWorker(native, env.namespace ?? 'default', keyRing);
  const floorRunning = floorWorker?.run();
  const mail = await mailSink();
  const webhook = await webhookSink();

  const trigger = plusDays(today, 35);
  const checklist = createPolicyService(calendar, policiesFrom())
    .schedule({ request: lifecycleRequest(today, trigger), decidedOn: today, notifiedOn: today, heldDays: 0 })
    .checklist.map((c) => c.itemId);
  const steps = lifecycleSteps(today, checklist);
  const drivers = [await httpDriver(`http://127.0.0.1:${api.port}`), rawDriver(client), floorDriver(client, FLOOR_QUEUE), floorDriver(client, FLOOR_QUEUE, true)].filter((d) => PATHS.has(d.name[0]));
  const results: { sinks: string; r: LifecycleResult }[] = [];
  try {
    for (const sinks of SINKS) {
      const worker = SEPARATE ? await workerProcess(env, sinks === 'on' ? { smtpUrl: mail.smtpUrl, webhookUrl: webhook.url } : undefined) : await inProcessWorker(native, env, sinks, mail.smtpUrl, webhook.url);
      try {
        for (const driver of drivers) {
          // A few lifecycles first, so bundles, caches and connections are warm for every path alike.
          await runLifecycles({ driver, inspector: client, counter, transfers: CONCURRENCY, concurrency: CONCURRENCY, request: () => lifecycleRequest(today, trigger), steps });
          const r = await runLifecycles({ driver, inspector: client, counter, transfers: LIFECYCLES, concurrency: CONCURRENCY, request: () => lifecycleRequest(today, trigger), steps });
          results.push({ sinks, r });
        }
      } finally {
        await worker.stop();
      }
    }
  } finally {
    floorWorker?.shutdown();
    await floorRunning;
    await api.close();
    await connection.close();
    closeMailTransports();
    await new Promise<void>((resolve) => mail.server.close(() => resolve()));
    webhook.server.close();
  }

  console.log(`\nlifecycle: ${LIFECYCLES} transfers of ${steps.length + 1} messages each, ${CONCURRENCY} at a time; costs per transfer`);
  console.log(
    SEPARATE
      ? '(cpu ms: this process, which holds the API, the clients and the sinks; srv ms: the dev server and the worker process)'
      : '(cpu ms: this process, which holds the API, the clients, the sinks and the worker; srv ms: the dev server)',
  );
  console.log(`${'sinks  path'.padEnd(37)} ${'tr/s'.padStart(7)} ${'p50ms'.padStart(6)} ${'p99ms'.padStart(6)} ${'events'.padStart(7)} ${'hist KB'.padStart(8)} ${'actions'.padStart(8)} ${'cpu ms'.padStart(7)} ${'srv ms'.padStart(7)}`);
  for (const { sinks, r } of results) console.log(`${sinks.padEnd(6)} ${row(r)}`);
  for (const sinks of SINKS) {
    const of = (path: string) => results.find((x) => x.sinks === sinks && x.r.driver.startsWith(`${path}.`))?.r;
    const [a, b] = [of('a'), of('b')];
    if (!a || !b) continue;
    for (const [name, floor] of [['c', of('c')], ['d', of('d')]] as const) {
      if (!floor) continue;
      console.log(
        `ratios, sinks ${sinks}: a/${name} ${(a.perSecond / floor.perSecond).toFixed(2)}, b/${name} ${(b.perSecond / floor.perSecond).toFixed(2)} (transfers/s); ` +
          `p99 a/${name} ${(a.p99 / floor.p99).toFixed(2)}, b/${name} ${(b.p99 / floor.p99).toFixed(2)}`,
      );
    }
  }
  console.log(`sinks received: ${mail.received()} emails, ${webhook.received()} webhook posts`);
  for (const { sinks, r } of results) {
    const steps = r.bySteps.slice(0, 4).map((x) => `${x.step} ${x.p50.toFixed(0)}/${x.p99.toFixed(0)}`).join(', ');
    console.log(`slowest steps (p50/p99 ms), sinks ${sinks}, ${r.driver}: ${steps}`);
  }
  for (const { sinks, r } of results.filter((x) => !/^[cd]\./.test(x.r.driver))) {
    const top = Object.entries(r.history.bytesByType).sort((x, y) => y[1] - x[1]).slice(0, 6);
    console.log(`history KB by event type, sinks ${sinks}, ${r.driver}: ${top.map(([t, b]) => `${t} ${(b / 1024).toFixed(1)}`).join(', ')}`);
  }
}

async function openBench(env: TestWorkflowEnvironment): Promise<void> {
  const r = await openTransfers({
    client: env.client,
    address: env.address,
    payloadKeys: PAYLOAD_KEYS,
    namespace: env.namespace ?? 'default',
    transfers: OPEN,
    cache: CACHE,
    request: () => ({ ...lifecycleRequest(today, plusDays(today, 35)), notifiedOn: today }),
  });
  console.log(
    `\nopen transfers: ${r.transfers} started in ${r.startsSeconds.toFixed(1)} s, processed by one worker (cache ${r.cache}) in ` +
      `${r.processedSeconds.toFixed(1)} s; worker rss ${r.rssMiB.toFixed(0)} MiB, heap used ${r.heapMiB.toFixed(0)} MiB; ` +
      `update on an evicted transfer p50 ${r.evictedUpdateP50.toFixed(0)} ms, p99 ${r.evictedUpdateP99.toFixed(0)} ms`,
  );
}

async function main(): Promise<void> {
  if (PHASES.has('engine')) engineBench();
  if (!PHASES.has('lifecycle') && !PHASES.has('open')) return;
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const cli = path.join(ROOT, '.tools', 'bin', 'temporal');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: existsSync(cli) ? { type: 'existing-path', path: cli } : undefined,
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      extraArgs: ['--log-level', 'error'],
    },
    client: { dataConverter: dataConverterFor(keyRing) },
  });
  try {
    if (PHASES.has('lifecycle')) await lifecycleBench(env, env.nativeConnection);
    if (PHASES.has('open')) await openBench(env);
  } finally {
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
