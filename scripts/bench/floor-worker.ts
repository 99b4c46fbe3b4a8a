// The worker of the bench's floor workflow (./floor-workflow), encrypted as the transfers' worker
// is, so that the floor pays the codec too. Run in the bench's process or in its worker process.
import { NativeConnection, Worker } from '@temporalio/worker';
import { dataConverterFor, type KeyRing } from '../../codec';
import type { FloorActivities } from './floor-workflow';

export const FLOOR_QUEUE = 'bench-floor';

const activities: FloorActivities = { floorFirstTry: async (name) => name };

export function createFloorWorker(connection: NativeConnection, namespace: string, keyRing: KeyRing): Promise<Worker> {
  return Worker.create({ connection, namespace, taskQueue: FLOOR_QUEUE, workflowsPath: require.resolve('./floor-workflow'), activities, dataConverter: dataConverterFor(keyRing) });
}
