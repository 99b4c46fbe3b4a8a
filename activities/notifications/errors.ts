// How a delivery failure reaches Temporal: a PermanentDeliveryError is not retried (the workflow
// names the type in nonRetryableErrorTypes and the failure itself says so); anything else is a plain
// Error, which the workflow's retry policy retries.
import { ApplicationFailure } from '@temporalio/common';

export const PERMANENT_DELIVERY_ERROR = 'PermanentDeliveryError';

export function permanentDeliveryError(message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type: PERMANENT_DELIVERY_ERROR,
    message,
    nonRetryable: true,
    details: details === undefined ? undefined : [details],
  });
}

export function isPermanentDeliveryError(err: unknown): err is ApplicationFailure {
  return err instanceof ApplicationFailure && err.type === PERMANENT_DELIVERY_ERROR;
}
