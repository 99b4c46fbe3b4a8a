// The encrypted path of replay, recorded on the fly (the committed histories predate encryption and
// replay through the codec's pass-through): a short lifecycle written with one key, every payload
// in its raw history sealed, and a replay through the codec after the key has been rotated.
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { dataConverterFor, EncryptionCodec, isEncrypted, KEY_ID_METADATA, newKeyEntry, parseKeyRing } from '../../codec';
import { DEFAULT_BUNDLE_PATH } from '../../worker/build-bundle';
import { createTestWorker, createTimeSkippingEnv } from '../support/temporal';
import { state } from '../support/workflow-driver';
import { plainHistory } from './plain-history';
import { SCENARIOS } from './scenarios';

const oldKey = newKeyEntry('2026-06');
const newKey = newKeyEntry('2026-12');
const recordedWith = parseKeyRing(oldKey);

let env: TestWorkflowEnvironment | undefined;
let history: temporal.api.history.v1.IHistory;
let childRefs: string[];
let workflowId: string;

/**
 * Every Payload message in a decoded protobuf object, with where it sits. Three kinds are plain by
 * design: search attributes (the server indexes them), and the SDK core's own bookkeeping in
 * markers (a local activity's sequence number, type and times; the ids of patches).
 */
function payloadsIn(value: unknown, path = '', out: { path: string; payload: Payload }[] = []) {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return out;
  const v = value as Record<string, unknown>;
  if (v.data instanceof Uint8Array && v.metadata && typeof v.metadata === 'object') {
    out.push({ path, payload: v as Payload });
    return out;
  }
  for (const [k, child] of Object.entries(v)) payloadsIn(child, `${path}.${k}`, out);
  return out;
}
const PLAIN_BY_DESIGN = /\.searchAttributes\.|\.markerRecordedEventAttributes\.details\.(data|patch-data)\./;

beforeAll(async () => {
  env = await createTimeSkippingEnv({ keyRing: recordedWith });
  const worker = await createTestWorker(env, { keyRing: recordedWith });
  const scenario = SCENARIOS[0];
  workflowId = `transfer-${randomUUID()}`;
  await worker.runUntil(async () => {
    const handle = await scenario.run(env!, workflowId.replace(/^transfer-/, ''));
    childRefs = (await state(handle)).children.map((c) => c.ref);
    // The run the lifecycle happened in: a completed transfer continues as new into a short one.
    const firstRun = (handle as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId;
    history = await env!.client.workflow.getHandle(handle.workflowId, firstRun).fetchHistory();
  });
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

test('every payload the data converter wrote into the raw history is sealed with the key of the day; no child reference shows anywhere', () => {
  const all = payloadsIn(history.events);
  const converted = all.filter((p) => !PLAIN_BY_DESIGN.test(p.path));
  expect(converted.length).toBeGreaterThan(10);
  expect(converted.filter((p) => !isEncrypted(p.payload)).map((p) => p.path)).toEqual([]);
  expect(new Set(converted.map((p) => Buffer.from(p.payload.metadata![KEY_ID_METADATA]!).toString()))).toEqual(new Set(['2026-06']));
  expect(childRefs.length).toBeGreaterThan(0);
  for (const { payload } of all) for (const ref of childRefs) expect(Buffer.from(payload.data!).includes(ref)).toBe(false);
});

test('after rotation the history replays through the codec; without the old key, or without the codec, it cannot', async () => {
  const replay = (ring?: ReturnType<typeof parseKeyRing>) =>
    Worker.runReplayHistory({ workflowBundle: { codePath: DEFAULT_BUNDLE_PATH }, ...(ring ? { dataConverter: dataConverterFor(ring) } : {}) }, history, workflowId);
  await expect(replay(parseKeyRing(`${newKey},${oldKey}`, '2026-12'))).resolves.toBeUndefined();
  await expect(replay(parseKeyRing(newKey))).rejects.toThrow();
  await expect(replay()).rejects.toThrow();
});

test('decoded as record.ts writes it, the history holds no sealed payload and replays without any key', async () => {
  const plain = await plainHistory(history, new EncryptionCodec(recordedWith));
  const payloads = payloadsIn(plain.events);
  expect(payloads.filter((p) => isEncrypted(p.payload))).toEqual([]);
  expect(payloads.some((p) => childRefs.some((ref) => Buffer.from(p.payload.data!).includes(ref)))).toBe(true);
  await expect(Worker.runReplayHistory({ workflowBundle: { codePath: DEFAULT_BUNDLE_PATH } }, plain, workflowId)).resolves.toBeUndefined();
});

test('the committed histories, written before encryption, replay through the codec too (it passes plain payloads through)', async () => {
  const dir = path.join(__dirname, 'histories');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThan(0);
  const histories = files.map((f) => ({ workflowId: f, history: historyFromJSON(JSON.parse(readFileSync(path.join(dir, f), 'utf8'))) }));
  const failures: string[] = [];
  const options = { workflowBundle: { codePath: DEFAULT_BUNDLE_PATH }, dataConverter: dataConverterFor(parseKeyRing(newKey)) };
  for await (const r of Worker.runReplayHistories(options, histories)) if (r.error) failures.push(`${r.workflowId}: ${r.error}`);
  expect(failures).toEqual([]);
});
