// The engine's floor: a workflow that takes the lifecycle's messages and does nothing else, so the
// bench can show what the case-transfer workflow's own per-event work costs on top of Temporal's.
// Its twin takes one local activity per message (which does nothing): the least a workflow pays
// that tries each message's deliveries in that message's own workflow task, as the transfers do.
import { allHandlersFinished, condition, defineUpdate, proxyLocalActivities, setHandler } from '@temporalio/workflow';

export const floorEvent = defineUpdate<number, [string]>('event');

export interface FloorActivities {
  floorFirstTry(name: string): Promise<string>;
}
const { floorFirstTry } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '3s' });

export async function floorTransfer(lastEvent: string): Promise<number> {
  return takeMessages(lastEvent);
}

export async function floorTransferWithLocalActivity(lastEvent: string): Promise<number> {
  return takeMessages(lastEvent, floorFirstTry);
}

/** The floor's own handler stays synchronous: (c) pays no promise per message that (d) adds. */
async function takeMessages(lastEvent: string, firstTry?: (name: string) => Promise<string>): Promise<number> {
  let seen = 0;
  let done = false;
  const take = (name: string) => {
    seen += 1;
    if (name === lastEvent) done = true;
    return seen;
  };
  if (firstTry) {
    setHandler(floorEvent, async (name) => {
      const n = take(name);
      await firstTry(name);
      return n;
    });
  } else {
    setHandler(floorEvent, take);
  }
  await condition(() => done && allHandlersFinished());
  return seen;
}
