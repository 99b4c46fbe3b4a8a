// Who may see and act on a transfer, and the one path every human event takes to its workflow.
// The JSON routes (app.ts) and the pages for people (pages/) both go through here, so a form on a
// page is exactly the event the API takes, under exactly the same authorisation.
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  EVENT_PERMISSIONS,
  answerState,
  eventUpdates,
  getStateQuery,
  highestRank,
  workflowIdFor,
  type Actor,
  type EventName,
  type EventResult,
  type Permission,
  type Side,
  type StartTransferInput,
  type TransferState,
} from '../workflows/definitions';
import type { Principal } from './auth';
import { sidesOfTeams, withAccess } from '../workflows/access';
import { Refusal } from '../workflows/lifecycle/requests';
import { HttpProblem, PROBLEM_BASE } from './problem';
import { isCallCancelled, isDeadlineExceeded, isUpdateAborted, retryWhileBusy } from './temporal-errors';

export function actorOf(p: Principal, sides: Side[]): Actor {
  return { id: p.sub, roles: p.roles, sides, kind: p.roles.includes('integration') ? 'integration' : 'person' };
}

export function sidesOf(p: Principal, t: { from: { team: string }; to: { team: string } }): Side[] {
  return sidesOfTeams(p.teams, t);
}

export const seesAll = (p: Principal) => p.roles.includes('operator') || p.roles.includes('integration');
/** The sender as the workflow's access check takes it. */
const callerOf = (p: Principal) => ({ teams: p.teams, seesAll: seesAll(p) });
export const isManager = (p: Principal) => highestRank(actorOf(p, [])) >= 0;
export const isIntegration = (p: Principal) => p.roles.includes('integration');

/** Function level: could this principal send this event to any transfer at all? */
export function mayEverSend(permission: Permission, p: Principal): boolean {
  if (isIntegration(p)) return Boolean(permission.integration);
  if (permission.allocatedSocialWorker) return true; // decided per transfer, by person id
  return Boolean(permission.managerSides) && isManager(p);
}

/** Canonical JSON (sorted keys) so that the same body always hashes the same. */
export function canonicalHash(value: unknown): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]))
        : v;
  return createHash('sha256').update(JSON.stringify(canon(value))).digest('hex');
}

export interface SendEvent {
  principal: Principal;
  name: EventName;
  transferId: string;
  payload: Record<string, unknown>;
  /** The Idempotency-Key; with `scope` (the route) it becomes the Temporal update id. */
  key?: string;
  scope: string;
  /** A check that needs the payload and the actor, e.g. which side sends which remediation. */
  authorise?: (payload: Record<string, unknown>, actor: Actor) => void;
  /** A check of the payload against the transfer as read (e.g. the kind's trigger events), before anything is sent. */
  check?: (payload: Record<string, unknown>, state: TransferState) => void;
}

export interface TransferService {
  /** Bounds one call to Temporal by the request timeout (or `deadline`), retrying while Temporal is busy. */
  temporal<T>(fn: () => Promise<T>, deadline?: number): Promise<T>;
  settledState(workflowId: string): Promise<TransferState>;
  loadState(transferId: string): Promise<TransferState>;
  /** The transfer, or 403 for a principal who may not see it. */
  visibleState(principal: Principal, transferId: string): Promise<TransferState>;
  /** Authorises and sends one event as a workflow update; the state after it. */
  send(event: SendEvent): Promise<TransferState>;
}

/** How long a request keeps retrying while Temporal answers RESOURCE_EXHAUSTED before its 503. */
const BUSY_RETRY_MS = 3_000;
/**
 * A transfer busy with another change is free again within a step; many changes sent to it at
 * once take turns, so they keep trying until this long before the request's deadline.
 */
const TRANSFER_BUSY_MARGIN_MS = 1_000;
/** The longest one attempt of a state query waits; see queryState. */
const QUERY_ATTEMPT_MS = 2_500;

export function createTransferService(client: Client, timeoutMs: number): TransferService {
  // One deadline for the call however often a busy Temporal makes it go round again.
  const temporal = <T>(fn: () => Promise<T>, deadline = Date.now() + timeoutMs): Promise<T> =>
    retryWhileBusy(() => client.withDeadline(deadline, fn), Math.min(deadline, Date.now() + BUSY_RETRY_MS), deadline - TRANSFER_BUSY_MARGIN_MS);

  /**
   * Temporal can leave a query unanswered until its deadline when the workflow closes while the
   * query is in flight (many events at once on a transfer that one of them finishes). Each attempt
   * is therefore bounded; after an unanswered one, a finished transfer's state is its workflow's
   * result, read from history without a worker, and a running one is asked again. (A query the
   * server dropped because the workflow closed under it is asked again by `temporal`.)
   */
  async function queryState(workflowId: string, deadline: number): Promise<TransferState> {
    const handle = client.workflow.getHandle<(input: StartTransferInput) => Promise<TransferState>>(workflowId);
    for (;;) {
      const attemptUntil = Math.min(deadline, Date.now() + QUERY_ATTEMPT_MS);
      try {
        return await temporal(() => handle.query(getStateQuery), attemptUntil);
      } catch (err) {
        const attemptTimedOut = isDeadlineExceeded(err) || (isCallCancelled(err) && Date.now() >= attemptUntil - 100);
        if (!attemptTimedOut || Date.now() >= deadline) throw err;
        const finished = await temporal(async () => {
          const { status } = await handle.describe();
          return status.name === 'COMPLETED' ? handle.result() : undefined;
        }, deadline).catch(() => undefined);
        if (finished) return finished;
        if (attemptUntil >= deadline) throw err;
      }
    }
  }

  /**
   * The transfer's state once its start has settled: a query can overtake the first workflow task's
   * local activities, and the state then has no history, schedule or status yet.
   */
  async function settledState(workflowId: string): Promise<TransferState> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const state = await queryState(workflowId, deadline);
      if (state.history.length > 0 || attempt >= 50) return state;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const loadState = (transferId: string) => settledState(workflowIdFor(transferId));

  async function visibleState(principal: Principal, transferId: string): Promise<TransferState> {
    const state = await loadState(transferId);
    if (!seesAll(principal) && sidesOf(principal, state).length === 0) {
      throw new HttpProblem(403, 'Only the transfer\'s teams, operators and integrations may see it');
    }
    return state;
  }

  /** The actor on this transfer as read, or the 403 for someone not on its teams or not permitted. */
  function actorOn(principal: Principal, name: EventName, state: TransferState): Actor {
    // The workflow's own check (workflows/access.ts), so the two can never disagree.
    try {
      return withAccess(state, name, { actor: actorOf(principal, []), payload: undefined, caller: callerOf(principal) }).actor;
    } catch (err) {
      throw err instanceof Refusal ? new HttpProblem(403, err.message) : err;
    }
  }

  async function send({ principal, name, transferId, payload, key, scope, authorise, check }: SendEvent): Promise<TransferState> {
    if (!mayEverSend(EVENT_PERMISSIONS[name], principal)) throw new HttpProblem(403, `Your role may not record ${name}`);
    // One call per event: the workflow's validator decides the team and side check from the
    // caller's teams and the update answers the whole state. Only a route with a check of its own
    // on the transfer (which side may send a remediation, the kind's trigger events) reads first.
    let read: TransferState | undefined;
    let actor = actorOf(principal, []);
    if (authorise || check) {
      read = await loadState(transferId);
      actor = actorOn(principal, name, read);
      authorise?.(payload, actor);
      check?.(payload, read);
    }
    // The key becomes the update id, so Temporal itself answers a retry with the first
    // outcome; the event id adds the body's hash so a reused key with another body shows.
    const updateId = key ? createHash('sha256').update(`${scope}:${transferId}:${principal.sub}:${key}`).digest('hex') : randomUUID();
    const eventId = `${updateId}.${canonicalHash(payload).slice(0, 16)}`;
    const workflowId = workflowIdFor(read?.transferId ?? transferId);
    let next: TransferState;
    try {
      const result: EventResult = await temporal(() =>
        client.workflow.getHandle(workflowId).executeUpdate(eventUpdates[name] as never, {
          args: [{ eventId, actor, payload, caller: callerOf(principal) }],
          updateId,
        }),
      );
      next = result.state ?? (result.answer && read ? answerState(read, result.answer) : await loadState(transferId));
    } catch (err) {
      // The workflow has finished (cancelled, rejected, closed): it answers no updates. An
      // update still in flight when the workflow closed is aborted; any other abort is a retry.
      const finished =
        err instanceof WorkflowNotFoundError ||
        (isUpdateAborted(err) && (await temporal(() => client.workflow.getHandle(workflowId).describe())).status.name !== 'RUNNING');
      if (!finished) throw err;
      // No such transfer: the 404. Any other failure to read it is that failure (a 503), not a 404.
      const final = await loadState(transferId).catch((readErr: unknown) => {
        if (readErr instanceof WorkflowNotFoundError) return undefined;
        throw readErr;
      });
      if (!final) throw err;
      actorOn(principal, name, final);
      if (!final.history.some((h) => h.eventId === eventId)) {
        throw new HttpProblem(409, `The transfer is ${final.status} and accepts no more events`, { type: `${PROBLEM_BASE}invalidstate` });
      }
      next = final;
    }
    const earlier = key ? next.history.find((h) => h.eventId?.startsWith(`${updateId}.`)) : undefined;
    if (earlier && earlier.eventId !== eventId) {
      throw new HttpProblem(409, 'This Idempotency-Key was already used with a different body', { type: `${PROBLEM_BASE}idempotency-key-reused` });
    }
    return next;
  }

  return { temporal, settledState, loadState, visibleState, send };
}
