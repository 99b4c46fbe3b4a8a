// POSTs one transfer event to the case-management system, signed, with the event id as the
// Idempotency-Key so the receiver can drop the repeats that retries produce.
import { Context } from '@temporalio/activity';
import type { TransferEventMessage } from '../../workflows/definitions';
import { permanentDeliveryError } from './errors';
import type { WebhookSettings } from './settings';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './signature';
import { toWebhookEvent, webhookEventSchema } from './webhook-schema';

export type HttpOutcome = 'delivered' | 'retry' | 'permanent';

/**
 * 2xx delivered; 408, 429 and 5xx are the receiver's passing trouble, so retry; anything else
 * (other 4xx, and 3xx: redirects are not followed, so a signed event never goes to a host that was
 * not configured) would fail the same way every time.
 */
export function classifyHttpStatus(status: number): HttpOutcome {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'permanent';
}

/** The activity's cancellation, when running as one, so a cancelled activity stops waiting. */
function activityCancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

// Duck-typed: fetch's errors may come from another realm (undici, test sandboxes), where
// `instanceof Error` is false.
type ErrorLike = { name?: string; message?: string; code?: string; cause?: ErrorLike };
function describeNetworkError(err: unknown): string {
  const e = (err ?? {}) as ErrorLike;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer (${e.name})`;
  const cause = e.cause;
  return [e.message ?? String(err), cause?.code ?? cause?.message].filter(Boolean).join(': ');
}

export interface PostOptions {
  nowMs?: () => number;
}

export async function postWebhookEvent(
  settings: WebhookSettings,
  message: TransferEventMessage,
  opts: PostOptions = {},
): Promise<{ status: number; id: string }> {
  const event = toWebhookEvent(message);
  const checked = webhookEventSchema.safeParse(event);
  if (!checked.success) {
    // A body that breaks the published contract would be sent the same on every retry.
    throw permanentDeliveryError(`webhook event ${event.id} does not match its schema: ${checked.error.message}`);
  }
  const body = JSON.stringify(checked.data);
  const timestamp = Math.floor((opts.nowMs?.() ?? Date.now()) / 1000);
  const timeout = AbortSignal.timeout(settings.timeoutMs);
  const cancelled = activityCancellation();
  const host = new URL(settings.url).host;

  let res: Response;
  try {
    res = await fetch(settings.url, {
      method: 'POST',
      redirect: 'manual',
      signal: cancelled ? AbortSignal.any([timeout, cancelled]) : timeout,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'case-transfers-webhook/1',
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(settings.secret, timestamp, body),
        [IDEMPOTENCY_HEADER]: event.id,
      },
      body,
    });
  } catch (err) {
    throw new Error(`webhook to ${host} failed: ${describeNetworkError(err)}`, { cause: err });
  }
  const outcome = classifyHttpStatus(res.status);
  if (outcome === 'delivered') {
    await res.body?.cancel().catch(() => undefined);
    return { status: res.status, id: event.id };
  }
  const answer = (await res.text().catch(() => '')).slice(0, 200);
  const summary = `webhook to ${host} answered ${res.status} for ${event.id}${answer ? `: ${answer}` : ''}`;
  if (outcome === 'retry') throw new Error(summary);
  throw permanentDeliveryError(summary, { status: res.status });
}
