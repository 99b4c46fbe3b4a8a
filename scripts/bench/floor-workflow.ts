// The engine's floor: a workflow that takes the lifecycle's messages and does nothing else, so the
// bench can show what the case-transfer workflow's own per-event work costs on top of Temporal's.
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

export const floorEvent = defineUpdate<number, [string]>('event');

export async function floorTransfer(lastEvent: string): Promise<number> {
  let seen = 0;
  let done = false;
  setHandler(floorEvent, (name) => {
    seen += 1;
    if (name === lastEvent) done = true;
    return seen;
  });
  await condition(() => done);
  return seen;
}
