// An operator's explicit migration of one running transfer to another version of its policy
// (DOMAIN §3.7: a transfer keeps the version it started under unless an operator moves it). The
// new version is read by a local activity, pinned in the model in place of the old one, and the
// transfer is rescheduled under it through the normal step machinery; the step is audited and
// published like every other.
import { frozen, type MigratePolicyInput, type PolicyDigest } from '../contract';
import { isReady, isTerminal, type TransferModel } from './model';
import { Refusal, reschedule, type Asks } from './requests';

const VERSION_RE = /^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/;

/** What the local activity answers: the version's digest (with the policy to pin), or why there is none. */
export type MigrationDigest = { digest: PolicyDigest } | { missing: string };

/** The named version, else the one in force at `now` (the workflow's clock, so a replay asks the same). */
export function* loadMigrationDigest(m: TransferModel, now: string, policyVersion?: string): Asks<MigrationDigest> {
  const input = { authority: m.transfer.authority, kind: m.transfer.kind, asOf: now, ...(policyVersion ? { policyVersion } : {}) };
  return (yield { kind: 'migrationDigest', input }) as MigrationDigest;
}

/** The refusal for a migration, or undefined when it may go ahead (the update's validator). */
export function validateMigration(m: TransferModel, input: MigratePolicyInput | undefined): Refusal | undefined {
  const actor = input?.actor;
  if (!actor || typeof actor.id !== 'string' || !Array.isArray(actor.roles)) return new Refusal('InvalidState', 'migratePolicy: the actor needs id and roles');
  if (actor.kind === 'system' || actor.id === 'system') return new Refusal('Forbidden', 'migratePolicy: no request may claim the system actor');
  if (!actor.roles.includes('operator')) return new Refusal('Forbidden', 'only an operator may migrate a transfer to another policy version');
  if (input.policyVersion !== undefined && (typeof input.policyVersion !== 'string' || !VERSION_RE.test(input.policyVersion))) {
    return new Refusal('InvalidState', 'policyVersion must be a policy version such as 2026-12-01.1');
  }
  if (!isReady(m)) return new Refusal('InvalidState', 'the transfer has not started yet');
  if (isTerminal(m)) return new Refusal('InvalidState', `the transfer is ${m.transfer.status}: there is nothing to migrate`);
  if (input.policyVersion && input.policyVersion === m.digest?.policyVersion) {
    return new Refusal('InvalidState', `the transfer is already on version ${input.policyVersion}`);
  }
  return undefined;
}

/** Re-pins the model on the chosen version and reschedules it; refuses (changing nothing) when the version is not loaded or does not run this kind. */
export function* migrate(m: TransferModel, input: MigratePolicyInput, now: string): Asks<string> {
  const from = m.transfer.policyVersion;
  const answer = yield* loadMigrationDigest(m, now, input.policyVersion);
  if ('missing' in answer) throw new Refusal('NotFound', answer.missing);
  const to = answer.digest.policyVersion;
  if (to === m.digest?.policyVersion) throw new Refusal('InvalidState', `the transfer is already on version ${to}`);
  m.digest = frozen(answer.digest);
  // The deployment's unit choices stay as pinned; every clock, bound and item follows the new version.
  yield* reschedule(m, now);
  return `policy migrated from version ${from} to ${to}${input.note ? `: ${input.note}` : ''}`;
}
