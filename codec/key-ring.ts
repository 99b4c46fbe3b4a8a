// The payload key ring: every key that may have encrypted something still in Temporal, and the
// one new payloads are written with. `PAYLOAD_KEYS` is `id:base64key,id:base64key,...`; rotating
// is adding a key, making it current, and keeping the old ones until the retention period of
// the transfers they wrote has passed.
import { randomBytes } from 'node:crypto';

export interface KeyRing {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export class KeyRingError extends Error {
  override name = 'KeyRingError';
}

/** Parses `PAYLOAD_KEYS`; the current key is `currentKeyId`, or the first listed. */
export function parseKeyRing(spec: string, currentKeyId?: string): KeyRing {
  const keys = new Map<string, Buffer>();
  for (const [i, entry] of spec.split(',').map((e) => e.trim()).entries()) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!KEY_ID_PATTERN.test(id)) throw new KeyRingError(`entry ${i + 1} must be id:base64key with an id of 1-64 of A-Z a-z 0-9 . _ -`);
    if (keys.has(id)) throw new KeyRingError(`key id ${id} is listed twice`);
    const encoded = entry.slice(colon + 1);
    const key = Buffer.from(encoded, 'base64');
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded) || key.length !== 32) {
      throw new KeyRingError(`key ${id} must be 32 bytes (AES-256), base64-encoded`);
    }
    keys.set(id, key);
  }
  const current = currentKeyId ?? keys.keys().next().value!;
  if (!keys.has(current)) throw new KeyRingError(`the current key id ${current} is not in the ring`);
  return { currentKeyId: current, keys };
}

/** A fresh key ring entry, `id:base64key`. */
export function newKeyEntry(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}
