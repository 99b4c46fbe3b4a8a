// Webhook signing: HMAC-SHA256 over `${timestamp}.${rawBody}` with the shared secret, sent as
// `sha256=<hex>`. Signing the timestamp with the body lets a receiver refuse replays of old
// requests; the verifier below is what receivers (and our tests) run.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Case-Transfers-Timestamp';
export const SIGNATURE_HEADER = 'X-Case-Transfers-Signature';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** A signed request older (or further in the future) than this is refused. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export function signWebhook(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return `sha256=${mac}`;
}

export type VerifyFailure = 'missing-header' | 'malformed-timestamp' | 'stale-timestamp' | 'malformed-signature' | 'bad-signature';
export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: VerifyFailure };

export interface VerifyInput {
  secret: string;
  /** The body exactly as received, before any JSON parsing. */
  rawBody: string | Buffer;
  timestamp: string | null | undefined;
  signature: string | null | undefined;
  nowSeconds?: number;
  toleranceSeconds?: number;
}

export function verifyWebhookSignature(input: VerifyInput): VerifyResult {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) return { ok: false, reason: 'missing-header' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed-timestamp' };
  const ts = Number(timestamp);
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS)) {
    return { ok: false, reason: 'stale-timestamp' };
  }
  const match = /^sha256=([0-9a-f]{64})$/.exec(signature);
  if (!match) return { ok: false, reason: 'malformed-signature' };
  const expected = Buffer.from(signWebhook(input.secret, timestamp, input.rawBody).slice('sha256='.length), 'hex');
  const given = Buffer.from(match[1], 'hex');
  // Both are 32 bytes here, as timingSafeEqual requires.
  if (!timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  return { ok: true, timestamp: ts };
}
