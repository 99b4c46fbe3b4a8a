// The Islington lifecycle of issue 12 (start, notification, acknowledgement, allocation, ten
// checklist items, meeting scheduled, meeting held: 16 messages), driven three ways against one server so the numbers are
// comparable: (a) through the HTTP API, (b) the same workflow through the raw SDK client, (c) the
// bench's floor workflow taking the same messages through the raw client.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { mintToken } from '../../api/auth';
import { eventUpdates, TASK_QUEUE, workflowIdFor, type Actor, type EventName, type TransferRequest } from '../../workflows/definitions';
import type { CallCounter } from './call-counter';
import { cpuMark, cpuSince } from './cpu';
import { floorEvent } from './floor-workflow';
import { billableActions, costOfWorkflow, type HistoryCost } from './history-cost';

export const TEAMS = { from: 'bench-cin', to: 'bench-cla' };
export const JWT = { secret: 'bench-secret-long-enough-for-hs256-signing', issuer: 'case-transfers', audience: 'case-transfers-api' };

export function lifecycleRequest(today: string, trigger: string): TransferRequest {
  return {
    transferId: randomUUID(),
    authority: 'islington',
    kind: 'isl-cin-to-cla',
    children: [{ ref: 'BENCH-CHILD', dateOfBirth: '2014-01-01', legalStatus: 's20', lookedAfter: true }],
    from: { service: 'Children in Need', team: TEAMS.from },
    to: { service: 'Children Looked After', team: TEAMS.to },
    people: {
      allocatedSocialWorker: { id: 'sw', role: 'social-worker', email: 'sw@bench.invalid' },
      lineManager: { id: 'lm', role: 'line-manager', email: 'lm@bench.invalid' },
      transferringManager: { id: 'tm1', role: 'team-manager', email: 'tm1@bench.invalid' },
      receivingManager: { id: 'tm2', role: 'team-manager', email: 'tm2@bench.invalid' },
      chain: {
        transferring: [{ id: 'sm1', role: 'service-manager', email: 'sm1@bench.invalid' }],
        receiving: [{ id: 'sm2', role: 'service-manager', email: 'sm2@bench.invalid' }],
      },
    },
    trigger: { event: 'first-cla-review', date: trigger },
  };
}

/** One step after the start: the event, who sends it, and its body, the same on every path. */
export interface Step {
  event: EventName;
  side: 'transferring' | 'receiving';
  /** The HTTP path below /v1/transfers/{id}. */
  path: string;
  payload: Record<string, unknown>;
  /** The HTTP body, when it differs from the payload (the item id travels in the path). */
  body?: Record<string, unknown>;
}

export function lifecycleSteps(today: string, checklistItems: string[]): Step[] {
  const receivingSocialWorker = { id: 'sw2', role: 'social-worker' };
  return [
    { event: 'notification', side: 'transferring', path: 'notification', payload: { notifiedOn: today } },
    { event: 'acknowledgement', side: 'receiving', path: 'acknowledgement', payload: {} },
    { event: 'allocation', side: 'receiving', path: 'allocation', payload: { receivingSocialWorker } },
    ...checklistItems.slice(0, 10).map((itemId): Step => ({
      event: 'checklistItem', side: 'transferring', path: `checklist/${itemId}`, payload: { itemId, state: 'done' }, body: {},
    })),
    { event: 'meeting', side: 'transferring', path: 'meeting', payload: { status: 'scheduled', on: today } },
    { event: 'meeting', side: 'transferring', path: 'meeting', payload: { status: 'held', on: today, attendees: ['sw', 'lm', 'sw2', 'tm2'] } },
  ];
}

export interface Driver {
  name: string;
  /** Starts one transfer; returns its workflow id. */
  start(request: TransferRequest): Promise<string>;
  send(workflowId: string, step: Step): Promise<void>;
}

const ACTORS: Record<Step['side'], Actor> = {
  transferring: { id: 'tm1', roles: ['team-manager'], sides: ['transferring'], kind: 'person' },
  receiving: { id: 'tm2', roles: ['team-manager'], sides: ['receiving'], kind: 'person' },
};
const INTEGRATION: Actor = { id: 'bench-lcs', roles: ['integration'], sides: [], kind: 'integration' };

export async function httpDriver(baseUrl: string): Promise<Driver> {
  const tokens = {
    integration: await mintToken(JWT.secret, { sub: 'bench-lcs', roles: ['integration'], teams: [] }),
    transferring: await mintToken(JWT.secret, { sub: 'tm1', roles: ['team-manager'], teams: [TEAMS.from] }),
    receiving: await mintToken(JWT.secret, { sub: 'tm2', roles: ['team-manager'], teams: [TEAMS.to] }),
  };
  async function post(path: string, token: string, body: unknown): Promise<unknown> {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  }
  return {
    name: 'a. HTTP API',
    async start(request) {
      await post('/v1/transfers', tokens.integration, request);
      return workflowIdFor(request.transferId!);
    },
    async send(workflowId, step) {
      const id = workflowId.replace(/^transfer-/, '');
      await post(`/v1/transfers/${id}/${step.path}`, tokens[step.side], step.body ?? step.payload);
    },
  };
}

export function rawDriver(client: Client): Driver {
  return {
    name: 'b. raw client, same workflow',
    async start(request) {
      const handle = await client.workflow.start('caseTransfer', {
        workflowId: workflowIdFor(request.transferId!),
        taskQueue: TASK_QUEUE,
        args: [{ request, requestHash: 'bench', startedBy: INTEGRATION, receivedOn: request.trigger.date }],
      });
      return handle.workflowId;
    },
    async send(workflowId, step) {
      const handle: WorkflowHandle = client.workflow.getHandle(workflowId);
      await handle.executeUpdate(eventUpdates[step.event] as never, { args: [{ actor: ACTORS[step.side], payload: step.payload }] });
    },
  };
}

/** (c) the floor; (d) with `localActivity`, the floor taking one local activity per message. */
export function floorDriver(client: Client, taskQueue: string, localActivity = false): Driver {
  return {
    name: localActivity ? 'd. floor + one local activity' : 'c. raw client, floor workflow',
    async start(request) {
      const handle = await client.workflow.start(localActivity ? 'floorTransferWithLocalActivity' : 'floorTransfer', {
        workflowId: `${localActivity ? 'floor-la' : 'floor'}-${request.transferId}`,
        taskQueue,
        args: ['meeting:held'],
      });
      return handle.workflowId;
    },
    async send(workflowId, step) {
      const name = step.event === 'meeting' ? `meeting:${String(step.payload.status)}` : step.event;
      await client.workflow.getHandle(workflowId).executeUpdate(floorEvent, { args: [name] });
    },
  };
}

export interface LifecycleResult {
  driver: string;
  transfers: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  history: HistoryCost;
  calls: { queries: number; updates: number };
  billable: number;
  /** CPU ms per transfer: this process (API, client, worker) and the dev server. */
  cpu: { self: number; server: number };
  /** Per-call p50/p99 by step (the start, each event name, the meeting by status), slowest p99 first. */
  bySteps: { step: string; p50: number; p99: number }[];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `transfers` lifecycles, `concurrency` at a time; costs are per transfer (averaged). */
export async function runLifecycles(opts: {
  driver: Driver;
  inspector: Client;
  counter: CallCounter;
  transfers: number;
  concurrency: number;
  request: () => TransferRequest;
  steps: Step[];
}): Promise<LifecycleResult> {
  const latencies: number[] = [];
  const bySteps = new Map<string, number[]>();
  const runs: string[] = [];
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const value = await fn();
    const ms = performance.now() - t;
    latencies.push(ms);
    const list = bySteps.get(step);
    if (list) list.push(ms);
    else bySteps.set(step, [ms]);
    return value;
  };
  const stepName = (step: Step) => (step.event === 'meeting' ? `meeting ${String(step.payload.status)}` : step.event);
  opts.counter.reset();
  let next = 0;
  const cpu0 = cpuMark();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < opts.transfers) {
        next += 1;
        const workflowId = await timed('start', () => opts.driver.start(opts.request()));
        for (const step of opts.steps) await timed(stepName(step), () => opts.driver.send(workflowId, step));
        runs.push(workflowId);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSince(cpu0);
  const calls = opts.counter.billed();
  latencies.sort((a, b) => a - b);
  // Outbox deliveries run after an event's answer; let them land before their history is read.
  await new Promise((r) => setTimeout(r, 2000));
  const sample = runs.slice(0, Math.min(10, runs.length));
  const costs = await Promise.all(sample.map((id) => costOfWorkflow(opts.inspector, id)));
  const history = averageCost(costs);
  const perTransfer = { queries: calls.queries / opts.transfers, updates: calls.updates / opts.transfers };
  return {
    driver: opts.driver.name,
    transfers: opts.transfers,
    seconds,
    perSecond: opts.transfers / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    history,
    calls: perTransfer,
    billable: billableActions(history, perTransfer),
    cpu: { self: cpu.self / opts.transfers, server: cpu.children / opts.transfers },
    bySteps: [...bySteps]
      .map(([step, ms]) => {
        const sorted = [...ms].sort((a, b) => a - b);
        return { step, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
      })
      .sort((a, b) => b.p99 - a.p99),
  };
}

function averageCost(costs: HistoryCost[]): HistoryCost {
  const n = costs.length;
  const avg = (f: (c: HistoryCost) => number) => costs.reduce((s, c) => s + f(c), 0) / n;
  const keys = Object.keys(costs[0].actions) as (keyof HistoryCost['actions'])[];
  const types = [...new Set(costs.flatMap((c) => Object.keys(c.bytesByType)))];
  return {
    events: avg((c) => c.events),
    bytes: avg((c) => c.bytes),
    bytesByType: Object.fromEntries(types.map((t) => [t, avg((c) => c.bytesByType[t] ?? 0)])),
    actions: Object.fromEntries(keys.map((k) => [k, avg((c) => c.actions[k])])) as HistoryCost['actions'],
  };
}
