// An operator's migration of one transfer to another policy version, in the pure lifecycle: who may,
// when, and what it changes (the pinned version, the clocks), answered by the real activities over
// a registry holding two Somerset versions.
import { createActivities } from '../../../activities';
import { PolicyRegistry, policiesFrom } from '../../../activities/policy/registry';
import type { Policy } from '../../../activities/policy/types';
import type { Actor, MigratePolicyInput, StartTransferInput } from '../../../workflows/definitions';
import type { TransferModel } from '../../../workflows/lifecycle/model';
import { validateMigration } from '../../../workflows/lifecycle/migration';
import type { Asks } from '../../../workflows/lifecycle/requests';
import { applyEvent, migratePolicy, start } from '../../../workflows/lifecycle/step';
import { actors, at, plus, som, TODAY, WORKFLOW_ID } from './harness';

const shipped = policiesFrom();
const original = shipped.inForce('somerset', TODAY);
const NEXT = `${plus(TODAY, -1)}.1`;
const next: Policy = JSON.parse(JSON.stringify({ ...original, policyVersion: NEXT, effectiveFrom: plus(TODAY, -1) })) as Policy;
for (const d of next.deadlines) if (d.rule === 'T-SOM-02') d.offset = { unit: 'days', n: 10 };
for (const b of next.bounds) if (b.rule === 'T-SOM-02' && b.check.kind === 'at-most') b.check.offset = { unit: 'days', n: 10 };
const others = shipped.authorities().filter((a) => a !== 'somerset').flatMap((a) => shipped.versions(a));
const activities = createActivities({ audit: () => undefined, mail: undefined, webhook: undefined, policies: new PolicyRegistry([...others, original, next]) });

async function run<T>(step: Asks<T>): Promise<T> {
  let n = step.next();
  while (!n.done) n = step.next(await (activities[n.value.kind] as (input: unknown) => Promise<unknown>)(n.value.input));
  return n.value;
}
const operator: Actor = { id: 'op-1', roles: ['operator'], sides: [], kind: 'person' };
const ctx = (now = at(TODAY, '10:00:00')) => ({ now, workflowId: WORKFLOW_ID });
const twoWeeks = (m: TransferModel) => m.transfer.deadlines.filter((d) => d.rule === 'T-SOM-02' && d.state === 'pending').map((d) => d.dueOn);

/** Started under the version in force before the new one took effect. */
async function startedOnOriginal(): Promise<TransferModel> {
  const input: StartTransferInput = { request: som(), requestHash: 'h', startedBy: actors.integration, receivedOn: TODAY };
  const m = (await run(start(input, ctx(at(plus(TODAY, -2)))))).model;
  // The start read the version in force at the wall clock: pin the original as if started before the change.
  const { digest } = await activities.firstSchedule({ authority: 'somerset', kind: 'som-at-to-sg', facts: m.facts, policyVersion: original.policyVersion });
  return { ...m, digest };
}

test('only an operator may migrate, only a running transfer, only to a well-formed version other than its own', async () => {
  const m = await startedOnOriginal();
  const refusal = (input: MigratePolicyInput) => validateMigration(m, input);
  expect(refusal({ actor: operator })).toBeUndefined();
  expect(refusal({ actor: actors.receivingHos })).toMatchObject({ type: 'Forbidden' });
  expect(refusal({ actor: { ...operator, id: 'system', kind: 'system' } })).toMatchObject({ type: 'Forbidden' });
  expect(refusal({ actor: operator, policyVersion: '../etc' })).toMatchObject({ type: 'InvalidState' });
  expect(refusal({ actor: operator, policyVersion: original.policyVersion })).toMatchObject({ type: 'InvalidState', message: expect.stringMatching(/already on version/) });
  const cancelled = (await run(applyEvent(m, 'cancellation', { actor: actors.receivingTm, payload: { reason: 'family moved away' } }, ctx()))).model;
  expect(validateMigration(cancelled, { actor: operator })).toMatchObject({ type: 'InvalidState', message: expect.stringMatching(/cancelled/) });
});

test('a migration re-pins the version in force, moves the pending clocks and is published; an unknown version changes nothing', async () => {
  const m = await startedOnOriginal();
  expect(twoWeeks(m)).toEqual([plus(TODAY, 14)]);

  await expect(run(migratePolicy(m, { actor: operator, policyVersion: '1999-01-01.1' }, ctx()))).rejects.toMatchObject({ type: 'NotFound' });
  expect(m.digest?.policyVersion).toBe(original.policyVersion);

  const result = await run(migratePolicy(m, { actor: operator, note: 'council asked' }, ctx()));
  const moved = result.model;
  expect(moved.digest?.policyVersion).toBe(NEXT);
  expect(moved.digest?.policy?.policyVersion).toBe(NEXT);
  expect(moved.transfer.policyVersion).toBe(NEXT);
  expect(twoWeeks(moved)).toEqual([plus(TODAY, 10)]);
  expect(moved.transfer.history.at(-1)).toMatchObject({ event: 'migratePolicy', by: 'op-1', detail: `policy migrated from version ${original.policyVersion} to ${NEXT}: council asked` });
  expect(result.effects[0].message).toMatchObject({ event: 'migratePolicy', actor: 'op-1', outcome: 'accepted' });
  expect(result.effects[0].message.snapshot.pendingDeadlines.filter((d) => d.rule === 'T-SOM-02').map((d) => d.dueOn)).toEqual([plus(TODAY, 10)]);
  // The committed model it was given is untouched.
  expect(twoWeeks(m)).toEqual([plus(TODAY, 14)]);

  // Later steps follow the new version: a date within two weeks but past ten days is refused now.
  const refused = run(applyEvent(moved, 'decision', { actor: actors.receivingTm, payload: { on: TODAY, transferOn: plus(TODAY, 13), agreedTasks: ['plan'] } }, ctx()));
  await expect(refused).rejects.toMatchObject({ type: 'RuleViolation', message: expect.stringMatching(/^T-SOM-02/) });
});
