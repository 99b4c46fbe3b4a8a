// Drives the case-transfer workflow directly through the Temporal client, as an integration that
// talks to Temporal would: start, updates (the API's path) and signals.
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import {
  eventSignals,
  eventUpdates,
  getStateQuery,
  TASK_QUEUE,
  workflowIdFor,
  type Actor,
  type EventName,
  type EventPayloads,
  type EventResult,
  type Side,
  type TransferRequest,
  type TransferState,
} from '../../workflows/definitions';

export const actors = {
  integration: { id: 'lcs', roles: ['integration'], sides: [], kind: 'integration' } as Actor,
  transferringTm: { id: 'tm-cy', roles: ['team-manager'], sides: ['transferring'], kind: 'person' } as Actor,
  receivingTm: { id: 'tm-di', roles: ['team-manager'], sides: ['receiving'], kind: 'person' } as Actor,
  transferringSm: { id: 'sm-ed', roles: ['service-manager'], sides: ['transferring'], kind: 'person' } as Actor,
  receivingSm: { id: 'sm-gu', roles: ['service-manager'], sides: ['receiving'], kind: 'person' } as Actor,
  receivingAd: { id: 'ad-io', roles: ['assistant-director'], sides: ['receiving'], kind: 'person' } as Actor,
  receivingHos: { id: 'hos-ha', roles: ['head-of-service'], sides: ['receiving'], kind: 'person' } as Actor,
  transferringHos: { id: 'hos-tx', roles: ['head-of-service'], sides: ['transferring'], kind: 'person' } as Actor,
  allocatedSw: { id: 'sw-anna', roles: ['social-worker'], sides: ['transferring'], kind: 'person' } as Actor,
};

export function manager(id: string, role: string, ...sides: Side[]): Actor {
  return { id, roles: [role as Actor['roles'][number]], sides, kind: 'person' };
}

export async function startTransfer(
  client: Client,
  request: TransferRequest,
  receivedOn: string,
  taskQueue: string = TASK_QUEUE,
): Promise<WorkflowHandleWithFirstExecutionRunId> {
  return client.workflow.start('caseTransfer', {
    workflowId: workflowIdFor(request.transferId),
    taskQueue,
    args: [{ request, requestHash: 'test', startedBy: actors.integration, receivedOn }],
  });
}

export async function update<E extends EventName>(
  handle: WorkflowHandle,
  name: E,
  actor: Actor,
  payload: EventPayloads[E],
): Promise<TransferState> {
  // The update answers small (status, version, detail); the state it left is read by a query.
  await handle.executeUpdate(eventUpdates[name] as never, { args: [{ actor, payload }] });
  return state(handle);
}

/** The update's own (small) answer. */
export async function updateResult<E extends EventName>(
  handle: WorkflowHandle,
  name: E,
  actor: Actor,
  payload: EventPayloads[E],
  eventId?: string,
): Promise<EventResult> {
  return handle.executeUpdate(eventUpdates[name] as never, { args: [{ actor, payload, eventId }] });
}

export async function signal<E extends EventName>(
  handle: WorkflowHandle,
  name: E,
  actor: Actor,
  payload: EventPayloads[E],
  eventId?: string,
): Promise<void> {
  await handle.signal(eventSignals[name] as never, { actor, payload, eventId });
}

/**
 * The state once the first workflow task has run: on a busy machine a query can overtake it and
 * see a transfer with no history, schedule or status yet. Bounded, so a stuck workflow still fails.
 */
export async function state(handle: WorkflowHandle, settleMs = 30_000): Promise<TransferState> {
  const until = Date.now() + settleMs;
  for (;;) {
    const s: TransferState = await handle.query(getStateQuery);
    if (s.history.length > 0 || Date.now() > until) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls the state until the predicate holds (signals are applied asynchronously). */
export async function eventually(
  handle: WorkflowHandle,
  predicate: (s: TransferState) => boolean,
  timeoutMs = 10_000,
): Promise<TransferState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await state(handle);
    if (predicate(s) || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Lengthens a transfer's history to at least `events`: its first checklist item done and reopened
 * by the transferring manager, ten updates at a time.
 */
export async function lengthenHistory(handle: WorkflowHandle, events: number): Promise<void> {
  const itemId = (await state(handle)).checklist[0].itemId;
  while (((await handle.fetchHistory()).events?.length ?? 0) < events) {
    for (let i = 0; i < 10; i++) {
      const payload = i % 2 === 0 ? { itemId, state: 'done' } : { itemId, state: 'open', reason: 'done too early' };
      await handle.executeUpdate(eventUpdates.checklistItem as never, { args: [{ actor: actors.transferringTm, payload }] });
    }
  }
}
