import crypto from 'node:crypto';
import {
  SIGNATURE_TOLERANCE_SECONDS,
  signWebhook,
  verifyWebhookSignature,
} from '../../../activities/notifications/signature';

const secret = 'whsec-test-0123456789abcdef';
const body = '{"id":"transfer-x:1","type":"transfer.started"}';
const ts = 1_800_000_000;

test('the signature is sha256=<hex HMAC-SHA256 of "timestamp.body">', () => {
  const sig = signWebhook(secret, ts, body);
  expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
  const expected = crypto.createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
  expect(sig).toBe(`sha256=${expected}`);
  // The timestamp is part of what is signed.
  expect(signWebhook(secret, ts + 1, body)).not.toBe(sig);
});

test('a fresh, untampered request verifies', () => {
  const result = verifyWebhookSignature({
    secret,
    rawBody: Buffer.from(body),
    timestamp: String(ts),
    signature: signWebhook(secret, ts, body),
    nowSeconds: ts + 10,
  });
  expect(result).toEqual({ ok: true, timestamp: ts });
});

test.each([
  ['a changed body', { rawBody: body.replace('started', 'completed') }, 'bad-signature'],
  ['another secret', { secret: 'another-secret-of-some-length' }, 'bad-signature'],
  ['a timestamp swapped after signing', { timestamp: String(ts - 1) }, 'bad-signature'],
  ['no signature header', { signature: undefined }, 'missing-header'],
  ['no timestamp header', { timestamp: '' }, 'missing-header'],
  ['a timestamp that is not a number', { timestamp: '17e8' }, 'malformed-timestamp'],
  ['a signature without the sha256= prefix', { signature: signWebhook(secret, ts, body).slice(7) }, 'malformed-signature'],
  ['upper-case hex', { signature: signWebhook(secret, ts, body).toUpperCase().replace('SHA256', 'sha256') }, 'malformed-signature'],
  ['a truncated signature', { signature: signWebhook(secret, ts, body).slice(0, -2) }, 'malformed-signature'],
] as const)('%s is rejected', (_name, change, reason) => {
  const result = verifyWebhookSignature({
    secret,
    rawBody: body,
    timestamp: String(ts),
    signature: signWebhook(secret, ts, body),
    nowSeconds: ts,
    ...change,
  });
  expect(result).toEqual({ ok: false, reason });
});

test('timestamps more than five minutes old (or ahead) are refused; exactly five minutes is accepted', () => {
  expect(SIGNATURE_TOLERANCE_SECONDS).toBe(300);
  const check = (nowSeconds: number) =>
    verifyWebhookSignature({ secret, rawBody: body, timestamp: String(ts), signature: signWebhook(secret, ts, body), nowSeconds });
  expect(check(ts + 300).ok).toBe(true);
  expect(check(ts + 301)).toEqual({ ok: false, reason: 'stale-timestamp' });
  expect(check(ts - 301)).toEqual({ ok: false, reason: 'stale-timestamp' });
});

test('the comparison is constant-time (crypto.timingSafeEqual on the decoded digests)', () => {
  const spy = jest.spyOn(crypto, 'timingSafeEqual');
  try {
    verifyWebhookSignature({ secret, rawBody: body, timestamp: String(ts), signature: `sha256=${'0'.repeat(64)}`, nowSeconds: ts });
    expect(spy).toHaveBeenCalledTimes(1);
    const [a, b] = spy.mock.calls[0] as [Buffer, Buffer];
    expect(a.length).toBe(32);
    expect(b.length).toBe(32);
  } finally {
    spy.mockRestore();
  }
});
