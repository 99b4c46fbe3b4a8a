// `npm run policy:migrate -- TRANSFER_ID [VERSION]`: an operator moves one running transfer to the
// policy version in force today, or to the named version (DOMAIN §3.7: otherwise a transfer keeps
// the version it started under). It sends the workflow's `migratePolicy` update through the
// Temporal client, with the same connection settings and payload keys as the API and the worker;
// the worker reads the version from its own policy folder, and the transfer's history, audit trail
// and webhook record the move. OPERATOR_ID names who does it (default: the login name).
import { Client, Connection, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { userInfo } from 'node:os';
import { randomUUID } from 'node:crypto';
import { retryWhileBusy } from '../api/temporal-errors';
import { dataConverterFor } from '../codec';
import { keyRingOf, loadConfig } from '../config';
import { clientConnectionOptions, temporalSettings } from '../config/temporal';
import { migratePolicyUpdate, workflowIdFor, type EventResult, type MigratePolicyInput } from '../workflows/definitions';

export interface MigrationOutcome {
  ok: boolean;
  message: string;
  result?: EventResult;
}

/** Sends the update; a refusal (not an operator, no such version, a finished transfer) is an answer, not a throw. */
export async function migrateTransfer(client: Client, transferId: string, opts: { operatorId: string; policyVersion?: string; note?: string }): Promise<MigrationOutcome> {
  const input: MigratePolicyInput = {
    actor: { id: opts.operatorId, roles: ['operator'], sides: [], kind: 'person' },
    ...(opts.policyVersion ? { policyVersion: opts.policyVersion } : {}),
    ...(opts.note ? { note: opts.note } : {}),
  };
  const handle = client.workflow.getHandle(workflowIdFor(transferId));
  try {
    // One update id for every try: a transfer busy with another change refuses it, and it is sent again.
    const updateId = randomUUID();
    const result = await retryWhileBusy(() => handle.executeUpdate(migratePolicyUpdate, { args: [input], updateId }), Date.now() + 10_000);
    return { ok: true, message: `${transferId}: ${result.detail}`, result };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause as { message?: string } | undefined;
      return { ok: false, message: `${transferId}: refused: ${cause?.message ?? err.message}` };
    }
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // A finished transfer's workflow has closed: no update reaches it.
    const status = await handle.describe().then((d) => d.status.name, (e: unknown) => (e instanceof WorkflowNotFoundError ? undefined : Promise.reject(e)));
    return { ok: false, message: status ? `${transferId}: refused: the transfer has ended (its workflow is ${status.toLowerCase()}): there is nothing to migrate` : `${transferId}: no such transfer` };
  }
}

async function main(args: string[]): Promise<number> {
  const [transferId, policyVersion] = args;
  if (!transferId || args.length > 2) {
    console.error('usage: npm run policy:migrate -- TRANSFER_ID [POLICY_VERSION]');
    return 2;
  }
  const config = loadConfig();
  const temporal = temporalSettings(config);
  const dataConverter = dataConverterFor(keyRingOf(config));
  const connection = await Connection.connect(clientConnectionOptions(temporal));
  try {
    const client = new Client({ connection, namespace: temporal.namespace, dataConverter });
    const outcome = await migrateTransfer(client, transferId, { operatorId: process.env.OPERATOR_ID || `operator:${userInfo().username}`, policyVersion });
    (outcome.ok ? console.log : console.error)(outcome.message);
    return outcome.ok ? 0 : 1;
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    },
  );
}
