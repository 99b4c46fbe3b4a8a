// The worker of the bench's floor workflow (./floor-workflow), encrypted as the transfers' worker
// is, so that the floor pays the codec too. Run in the bench's process or in its worker process.
import { NativeConnection, Worker } from '@temporalio/worker';
import { dataConverterFor, type KeyRing } from '../../codec';

export const FLOOR_QUEUE = 'bench-floor';

export function createFloorWorker(connection: NativeConnection, namespace: string, keyRing: KeyRing): Promise<Worker> {
  return Worker.create({ connection, namespace, taskQueue: FLOOR_QUEUE, workflowsPath: require.resolve('./floor-workflow'), dataConverter: dataConverterFor(keyRing) });
}
