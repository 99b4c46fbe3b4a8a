// Maps what the Temporal client throws onto problem+json: a rejected update becomes 409/403/404,
// a busy or unreachable server 503, never a bare 500 for a known condition.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import { FailureTypes, type RuleViolation } from '../workflows/definitions';
import { HttpProblem } from './problem';

const STATUS_BY_TYPE: Record<string, number> = {
  [FailureTypes.InvalidState]: 409,
  [FailureTypes.RuleViolation]: 409,
  [FailureTypes.Forbidden]: 403,
  [FailureTypes.NotFound]: 404,
};

function applicationFailure(err: unknown): ApplicationFailure | undefined {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    if (cur instanceof ApplicationFailure) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The gRPC status codes in the error or its causes, outermost first. */
function grpcCodes(err: unknown): number[] {
  const codes: number[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'number') codes.push(code);
    cur = (cur as { cause?: unknown }).cause;
  }
  return codes;
}

// RESOURCE_EXHAUSTED (8): Temporal refuses a query or update while the workflow's queue of them is
// full, e.g. many requests on one transfer while a workflow task is in flight. ABORTED (10): a
// conflicting write inside Temporal. Both pass within moments, so they are retried here briefly.
const BUSY_CODES = new Set([8, 10]);
// CANCELLED (1), DEADLINE_EXCEEDED (4), UNAVAILABLE (14): the server or the connection went away.
const UNREACHABLE_CODES = new Set([1, 4, 14]);

/** Some error in the chain has this gRPC code and a message matching `text`. */
function hasCause(err: unknown, code: number, text: RegExp): boolean {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    const { code: c, details, message } = cur as { code?: unknown; details?: unknown; message?: unknown };
    if (c === code && text.test(`${String(details ?? '')} ${String(message ?? '')}`)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** FAILED_PRECONDITION "no poller seen for task queue recently": a query with no worker to answer it. */
const isWorkerMissing = (err: unknown) => hasCause(err, 9, /no poller/i);

/**
 * FAILED_PRECONDITION "... due to Workflow Task in failed state": the transfer's workflow cannot
 * take a message until its failing workflow task succeeds (a worker fix deployed, or a transient
 * failure passing). Nothing was applied: the request can be retried with its key.
 */
export const isWorkflowTaskFailing = (err: unknown) => hasCause(err, 9, /workflow task in failed state/i);

/**
 * UNAVAILABLE "buffered query cleared, please retry": the workflow closed while the query waited
 * behind a workflow task. Asked again, the closed workflow answers it.
 */
export const isQueryCleared = (err: unknown) => hasCause(err, 14, /buffered query cleared/i);

/** CANCELLED: how a call can end when its own deadline passes while the server still holds it. */
export const isCallCancelled = (err: unknown) => grpcCodes(err).includes(1);

/**
 * FAILED_PRECONDITION "... update due to unexpected workflow task failure": the workflow task that
 * carried the update was failed, and with it the update (e.g. the task's completion was refused as
 * UnhandledCommand because a new event arrived while the workflow was finishing). Nothing was
 * applied; the next workflow task takes the update when it is sent again.
 */
export const isUpdateTaskFailed = (err: unknown) => hasCause(err, 9, /update due to unexpected workflow task failure/i);

/** UNAVAILABLE "workflow update was aborted": e.g. the workflow closed with the update in flight. */
export const isUpdateAborted = (err: unknown) => hasCause(err, 14, /update was aborted/i);

export function isDeadlineExceeded(err: unknown): boolean {
  return grpcCodes(err).includes(4);
}

export function isBusy(err: unknown): boolean {
  return grpcCodes(err).some((c) => BUSY_CODES.has(c));
}

/** The workflow refused an update because another change to the transfer was being applied. */
export const isTransferBusy = (err: unknown) => applicationFailure(err)?.type === FailureTypes.Busy;

function isUnavailable(err: unknown): boolean {
  if (grpcCodes(err).some((c) => UNREACHABLE_CODES.has(c))) return true;
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    const msg = String((cur as { message?: string }).message ?? '');
    // A connection that never came up, or one reset under a call in flight.
    if (/UNAVAILABLE|ECONNREFUSED|ECONNRESET|Failed to connect|deadline|RST_STREAM/i.test(msg)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** One refused rule as a problem's error: the field, the rule, and the earliest or latest date it allows. */
export function violationError(v: Pick<RuleViolation, 'field' | 'message' | 'rule' | 'earliestOn' | 'latestOn'>): { path: string; message: string; rule: string; earliestOn?: string; latestOn?: string } {
  return { path: v.field ?? '(body)', message: v.message, rule: v.rule, earliestOn: v.earliestOn, latestOn: v.latestOn };
}

/**
 * Runs a Temporal call again while it answers "busy", with short jittered pauses: while Temporal
 * does (RESOURCE_EXHAUSTED, or a query it dropped and asks to have again) until `until`, and while
 * the transfer refuses a change because it is applying another (which lasts as long as one step),
 * or the workflow task that carried an update was failed, until `transferBusyUntil` (epoch ms).
 * Only for calls that are safe to repeat: queries, starts with a fixed workflow id, and updates
 * with a fixed update id.
 */
export async function retryWhileBusy<T>(fn: () => Promise<T>, until: number, transferBusyUntil = until): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const pause = Math.min(400, 25 * 2 ** attempt) * (0.5 + Math.random());
      const bound = isTransferBusy(err) || isUpdateTaskFailed(err) ? transferBusyUntil : isBusy(err) || isQueryCleared(err) ? until : 0;
      if (Date.now() + pause >= bound) throw err;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

export function toHttpProblem(err: unknown): HttpProblem | undefined {
  if (err instanceof HttpProblem) return err;
  if (err instanceof WorkflowNotFoundError) return new HttpProblem(404, 'No such transfer');
  if (isTransferBusy(err)) {
    return new HttpProblem(503, 'Another change to this transfer is being applied; nothing was applied, try again shortly', { retryAfter: 1 }, { 'Retry-After': '1' });
  }
  if (isUpdateTaskFailed(err)) {
    return new HttpProblem(503, 'The transfer could not take this change just now; nothing was applied, try again shortly', { retryAfter: 1 }, { 'Retry-After': '1' });
  }
  const failure = applicationFailure(err);
  if (failure && (err instanceof WorkflowUpdateFailedError || err instanceof TemporalFailure || err instanceof WorkflowFailedError)) {
    const status = STATUS_BY_TYPE[failure.type ?? ''] ?? 409;
    const extra: Record<string, unknown> = { type: `https://case-transfers.invalid/problems/${(failure.type ?? 'conflict').toLowerCase()}` };
    const details = failure.details?.[0];
    if (failure.type === FailureTypes.RuleViolation && Array.isArray(details)) {
      const violations = details as RuleViolation[];
      extra.errors = violations.map(violationError);
      extra.rules = violations.map((v) => v.rule);
    } else if (details && typeof details === 'object' && ('rule' in details || 'errors' in details)) {
      const { rule, errors, earliestOn, latestOn } = details as { rule?: string; errors?: unknown; earliestOn?: string; latestOn?: string };
      if (rule) extra.rules = [rule];
      Object.assign(extra, details);
      // A refusal by a rule is still listed as an error naming it, when it names no field of its own.
      if (rule && !errors) extra.errors = [violationError({ message: failure.message, rule, earliestOn, latestOn })];
    }
    return new HttpProblem(status, failure.message, extra);
  }
  if (isWorkerMissing(err)) {
    return new HttpProblem(503, 'No worker is processing transfers right now; try again shortly', { retryAfter: 5 });
  }
  if (isWorkflowTaskFailing(err)) {
    return new HttpProblem(503, 'This transfer cannot take changes right now: its workflow is failing its tasks and operators must look at it; nothing was applied, try again later', { retryAfter: 60, workflowTaskFailing: true }, { 'Retry-After': '60' });
  }
  if (isBusy(err)) {
    return new HttpProblem(503, 'The workflow service (Temporal) is busy with this transfer; try again shortly', { retryAfter: 1 }, { 'Retry-After': '1' });
  }
  if (isUnavailable(err)) {
    return new HttpProblem(503, 'The workflow service (Temporal) is unreachable; try again shortly', { retryAfter: 5 });
  }
  return undefined;
}
