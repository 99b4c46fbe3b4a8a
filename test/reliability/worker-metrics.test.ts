// The worker process serves Temporal core's Prometheus metrics when WORKER_METRICS_ADDRESS is set:
// what an operator alerts on (workflow tasks failing, e.g. a nondeterminism error that stops a
// transfer) next to its latencies, with no transfer id, workflow id or child's details in them.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { portsToBindLater } from '../../scripts/ports';
import { transferBody } from '../api/helpers';
import { londonToday, plusDays } from '../support/fixtures';
import { quietRuntime, testDataConverter } from '../support/temporal';
import { actors, startTransfer, update } from '../support/workflow-driver';
import { startDevServer, startWorkerProcess, type Proc } from './processes';

let dir: string;
let server: Proc | undefined;
let worker: Proc | undefined;
let connection: Connection | undefined;

afterAll(async () => {
  await worker?.kill9();
  await connection?.close();
  await server?.kill9();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('WORKER_METRICS_ADDRESS: the worker serves workflow-task and local-activity metrics labelled by type, never by transfer', async () => {
  quietRuntime();
  dir = mkdtempSync(path.join(tmpdir(), 'ct-metrics-'));
  const [port, metricsPort] = await portsToBindLater(2);
  server = await startDevServer(port, path.join(dir, 'temporal.db'));
  worker = await startWorkerProcess(`127.0.0.1:${port}`, { WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}` });
  connection = await Connection.connect({ address: `127.0.0.1:${port}` });
  const client = new Client({ connection, dataConverter: testDataConverter() });

  const request = { ...transferBody(), transferId: randomUUID() };
  const handle = await startTransfer(client, request, londonToday());
  const today = londonToday();
  await update(handle, 'notification', actors.transferringTm, { notifiedOn: today, windowEnd: plusDays(today, 28) });

  // Core exports on its own schedule: wait for the task the notification took to show.
  let text = '';
  for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 500))) {
    text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text(), () => '');
    if (/temporal_workflow_task_execution_latency\w*\{[^}]*workflow_type="caseTransfer"/.test(text)) break;
  }
  expect(text).toMatch(/temporal_workflow_task_execution_latency\w*\{[^}]*workflow_type="caseTransfer"/);
  expect(text).toMatch(/temporal_local_activity_execution_latency\w*\{[^}]*activity_type="computeSchedule"/);
  expect(text).toMatch(/temporal_num_pollers/);
  // Labels name types and queues only.
  for (const secret of [request.transferId, handle.workflowId, handle.firstExecutionRunId, ...request.children.flatMap((c) => [c.ref, c.dateOfBirth])]) {
    expect(text).not.toContain(secret);
  }
}, 180_000);
