// A deliberately incompatible change to the workflow: it sleeps before doing anything, so every
// recorded history must fail to replay against it. Proves the replay harness can fail.
import { sleep } from '@temporalio/workflow';
import { caseTransfer as released } from '../../../workflows/case-transfer';
import type { StartTransferInput, TransferState } from '../../../workflows/definitions';

export async function caseTransfer(input: StartTransferInput): Promise<TransferState> {
  await sleep('1 minute');
  return released(input);
}
