// Maps what the Temporal client throws onto problem+json: a rejected update becomes 409/403/404,
// an unreachable server 503, never a bare 500 for a known condition.
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

function isUnavailable(err: unknown): boolean {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    const code = (cur as { code?: number }).code;
    const msg = String((cur as { message?: string }).message ?? '');
    // gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4), or a connection that never came up.
    if (code === 14 || code === 4 || /UNAVAILABLE|ECONNREFUSED|Failed to connect|deadline/i.test(msg)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** gRPC RESOURCE_EXHAUSTED: Temporal's per-namespace rate limits (e.g. 10 visibility calls a second per frontend by default). */
function isRateLimited(err: unknown): boolean {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    if ((cur as { code?: number }).code === 8) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** One refused rule as a problem's error: the field, the rule, and the earliest or latest date it allows. */
export function violationError(v: RuleViolation): { path: string; message: string; rule: string; earliestOn?: string; latestOn?: string } {
  return { path: v.field ?? '(body)', message: v.message, rule: v.rule, earliestOn: v.earliestOn, latestOn: v.latestOn };
}

export function toHttpProblem(err: unknown): HttpProblem | undefined {
  if (err instanceof HttpProblem) return err;
  if (err instanceof WorkflowNotFoundError) return new HttpProblem(404, 'No such transfer');
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
      if ('rule' in details) extra.rules = [(details as { rule: string }).rule];
      Object.assign(extra, details);
    }
    return new HttpProblem(status, failure.message, extra);
  }
  if (isRateLimited(err)) {
    return new HttpProblem(503, 'The workflow service (Temporal) is busy; try again shortly', { retryAfter: 1 }, { 'Retry-After': '1' });
  }
  if (isUnavailable(err)) {
    return new HttpProblem(503, 'The workflow service (Temporal) is unreachable; try again shortly', { retryAfter: 5 });
  }
  return undefined;
}
