// DOMAIN §3.7: a running transfer keeps the policy version it started under. A transfer starts on
// a worker reading a temporary policy folder; the Somerset file is then edited in place (the two-week
// clock becomes ten days, a new version in force today, the old one gone from the folder) and the
// worker restarted on it. The running transfer still checks, reschedules and completes by the old
// clock; a transfer started after the change follows the new one.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { isPolicyFile, loadPolicyFolder, shippedPolicyDir } from '../../activities/policy/registry';
import type { Policy } from '../../activities/policy/types';
import { migratePolicyUpdate } from '../../workflows/definitions';
import { startableTransfer } from '../support/fixtures';
import { createWorker } from '../../worker/create-worker';
import { createTimeSkippingEnv, TEST_KEY_RING, TEST_TASK_QUEUE } from '../support/temporal';
import { calendar, envToday, sleepUntil } from '../support/time-skipping';
import { migrateTransfer } from '../../scripts/policy-migrate';
import { actors, startTransfer, state, update } from '../support/workflow-driver';

let env: TestWorkflowEnvironment;
let dir: string;
let worker: { worker: Worker; running: Promise<void> } | undefined;

/**
 * A worker on what the folder holds now, as a restarted worker process would read it. The first
 * keeps no workflow cache (so no sticky queue the test server would wait on): the next worker
 * picks the transfer up at once and replays it from its history.
 */
async function startWorker(cache: boolean, folder = dir): Promise<void> {
  const w = await createWorker({
    connection: env.nativeConnection,
    keyRing: TEST_KEY_RING,
    taskQueue: TEST_TASK_QUEUE,
    deps: { policies: loadPolicyFolder(folder), audit: () => undefined, mail: undefined, webhook: undefined },
    maxCachedWorkflows: cache ? 100 : 0,
  });
  worker = { worker: w, running: w.run() };
}
async function stopWorker(): Promise<void> {
  worker?.worker.shutdown();
  await worker?.running;
  worker = undefined;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'policies-pinning-'));
  const shipped = shippedPolicyDir();
  for (const name of readdirSync(shipped).filter(isPolicyFile)) copyFileSync(path.join(shipped, name), path.join(dir, name));
  env = await createTimeSkippingEnv();
}, 120_000);

afterAll(async () => {
  await stopWorker();
  await env?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

test('a running transfer keeps its start version across a policy change and a worker restart; a new one gets the new version', async () => {
  const today = await envToday(env);
  const file = path.join(dir, 'somerset.yaml');
  const original = YAML.parse(readFileSync(file, 'utf8')) as Policy;
  const request = () => startableTransfer('somerset', 'som-at-to-sg', { event: 'icpc', date: today });
  const twoWeeks = (s: { deadlines: { rule: string; state: string; dueOn: string }[] }) =>
    s.deadlines.filter((d) => d.rule === 'T-SOM-02' && d.state === 'pending').map((d) => d.dueOn);

  await startWorker(false);
  const running = await startTransfer(env.client, request(), today);
  const started = await state(running);
  expect(started.policyVersion).toBe(original.policyVersion);
  expect(twoWeeks(started)).toEqual([calendar.addDays(today, 14)]);

  // The council shortens the clock: the file is edited in place, the worker restarted.
  await stopWorker();
  const changed: Policy = { ...original, policyVersion: `${today}.9`, effectiveFrom: today };
  for (const d of changed.deadlines) if (d.rule === 'T-SOM-02') d.offset = { unit: 'days', n: 10 };
  for (const b of changed.bounds) if (b.rule === 'T-SOM-02' && b.check.kind === 'at-most') b.check.offset = { unit: 'days', n: 10 };
  writeFileSync(file, YAML.stringify(changed));
  await startWorker(true);

  // A date check and a reschedule on the running transfer: the old two weeks.
  const decidedOn = calendar.addDays(today, 1);
  const transferOn = calendar.addDays(today, 13);
  const decided = await update(running, 'decision', actors.receivingTm, { on: decidedOn, transferOn, agreedTasks: ['plan'] });
  expect(decided.policyVersion).toBe(original.policyVersion);
  expect(twoWeeks(decided)).toEqual([calendar.addDays(decidedOn, 14)]);

  // A transfer started now: the new ten days, and the same agreed date is refused.
  const fresh = await startTransfer(env.client, request(), today);
  const freshState = await state(fresh);
  expect(freshState.policyVersion).toBe(`${today}.9`);
  expect(twoWeeks(freshState)).toEqual([calendar.addDays(today, 10)]);
  const refused = await update(fresh, 'decision', actors.receivingTm, { on: decidedOn, transferOn, agreedTasks: ['plan'] }).catch((e: Error) => e);
  expect((refused as Error).cause).toMatchObject({ type: 'RuleViolation', message: expect.stringMatching(/^T-SOM-02: .* after the latest allowed date/) });

  // Driven on to completion: the tasks done, the running transfer completes at the end of its
  // old clock (the agreed date), not ten days after the decision.
  await update(running, 'checklistItem', actors.allocatedSw, { itemId: 'som-agreed-task-plan', state: 'done' });
  await sleepUntil(env, calendar.breachInstant(calendar.addDays(decidedOn, 10)));
  expect((await state(running)).completion).toBeUndefined();
  await sleepUntil(env, calendar.breachInstant(calendar.addDays(decidedOn, 14)));
  const done = await state(running);
  expect(done.completion).toMatchObject({ how: 'agreed-date' });
  expect(done.policyVersion).toBe(original.policyVersion);
}, 120_000);

test('an operator migrates one running transfer to the version in force now: it re-pins, reschedules and records the move; the others stay', async () => {
  const today = await envToday(env);
  const own = mkdtempSync(path.join(tmpdir(), 'policies-migration-'));
  const shipped = shippedPolicyDir();
  for (const name of readdirSync(shipped).filter(isPolicyFile)) copyFileSync(path.join(shipped, name), path.join(own, name));
  const original = YAML.parse(readFileSync(path.join(own, 'somerset.yaml'), 'utf8')) as Policy;
  const request = () => startableTransfer('somerset', 'som-at-to-sg', { event: 'icpc', date: today });
  const twoWeeks = (s: { deadlines: { rule: string; state: string; dueOn: string }[] }) =>
    s.deadlines.filter((d) => d.rule === 'T-SOM-02' && d.state === 'pending').map((d) => d.dueOn);
  try {
    await stopWorker();
    await startWorker(false, own);
    const moved = await startTransfer(env.client, request(), today);
    const stays = await startTransfer(env.client, request(), today);
    const movedId = (await state(moved)).transferId;

    // A new version beside the old one, in force today (the two-week clock becomes ten days).
    await stopWorker();
    const next: Policy = { ...original, policyVersion: `${today}.7`, effectiveFrom: today };
    for (const d of next.deadlines) if (d.rule === 'T-SOM-02') d.offset = { unit: 'days', n: 10 };
    for (const b of next.bounds) if (b.rule === 'T-SOM-02' && b.check.kind === 'at-most') b.check.offset = { unit: 'days', n: 10 };
    writeFileSync(path.join(own, 'somerset-next.yaml'), YAML.stringify(next));
    await startWorker(true, own);

    // Until an operator moves it, the running transfer keeps its version.
    const before = await state(moved);
    expect(before.policyVersion).toBe(original.policyVersion);
    expect(twoWeeks(before)).toEqual([calendar.addDays(today, 14)]);

    // Refused, changing nothing: not an operator, a version that is not loaded.
    const asManager = await moved.executeUpdate(migratePolicyUpdate, { args: [{ actor: actors.receivingSm }] }).catch((e: Error) => e);
    expect((asManager as Error).cause).toMatchObject({ type: 'Forbidden' });
    const unknown = await migrateTransfer(env.client, movedId, { operatorId: 'op-1', policyVersion: '1999-01-01.1' });
    expect(unknown).toMatchObject({ ok: false, message: expect.stringMatching(/1999-01-01\.1/) });
    expect((await state(moved)).history).toEqual(before.history);

    const migrated = await migrateTransfer(env.client, movedId, { operatorId: 'op-1' });
    expect(migrated).toMatchObject({ ok: true, message: expect.stringContaining(`from version ${original.policyVersion} to ${today}.7`) });
    const after = await state(moved);
    expect(after.policyVersion).toBe(`${today}.7`);
    expect(twoWeeks(after)).toEqual([calendar.addDays(today, 10)]);
    expect(after.history.at(-1)).toMatchObject({ event: 'migratePolicy', by: 'op-1', outcome: 'accepted' });
    // Moved again to the old version by name: the version exists, so it goes back.
    const back = await migrateTransfer(env.client, movedId, { operatorId: 'op-1', policyVersion: original.policyVersion });
    expect(back.ok).toBe(true);
    expect(twoWeeks(await state(moved))).toEqual([calendar.addDays(today, 14)]);

    // The other transfer was not touched.
    const other = await state(stays);
    expect(other.policyVersion).toBe(original.policyVersion);
    expect(twoWeeks(other)).toEqual([calendar.addDays(today, 14)]);

    // A finished transfer cannot be migrated.
    await update(stays, 'cancellation', actors.receivingTm, { reason: 'the family moved away' });
    const finished = await migrateTransfer(env.client, (await state(stays)).transferId, { operatorId: 'op-1' });
    expect(finished).toMatchObject({ ok: false, message: expect.stringMatching(/has ended/) });
    expect(await migrateTransfer(env.client, 'no-such-transfer', { operatorId: 'op-1' })).toMatchObject({ ok: false, message: expect.stringMatching(/no such transfer/) });
  } finally {
    await stopWorker();
    rmSync(own, { recursive: true, force: true });
  }
}, 120_000);
