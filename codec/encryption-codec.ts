// AES-256-GCM over each whole payload (metadata and data), so the encoding, the message type and
// the JSON all leave this process encrypted. The key id travels in the payload's metadata, which
// is what lets a payload written before a rotation still be read after it. The key id is also
// the additional authenticated data: a payload cannot be relabelled to another key.
// A payload of some size is deflated before it is sealed (JSON state shrinks several-fold, and
// history bytes are what Temporal stores and sends on every replay); the metadata says so, and it
// is authenticated with the key id. A payload sealed without it still opens as it always did.
// Deflate uses the codec's current dictionary (./dictionaries), named in the metadata too
// (`deflate-raw;dictionary=1`); a payload deflated without one (`deflate-raw`) still opens.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { CURRENT_DICTIONARY, DICTIONARIES } from './dictionaries';
import type { KeyRing } from './key-ring';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const COMPRESSION_METADATA = 'encryption-compression';
export const DEFLATE = 'deflate-raw';
const WITH_DICTIONARY = `${DEFLATE};dictionary=`;
/** The compression marker of a payload sealed now, and the dictionary it names. */
export const DEFLATE_WITH_DICTIONARY = `${WITH_DICTIONARY}${CURRENT_DICTIONARY}`;
const SEALING_DICTIONARY = DICTIONARIES.get(CURRENT_DICTIONARY);

/** The dictionary a compression marker names: undefined for plain deflate; throws for a marker this codec does not read. */
function dictionaryOf(compression: string, keyId: string): Buffer | undefined {
  if (compression === DEFLATE) return undefined;
  const dictionary = compression.startsWith(WITH_DICTIONARY) ? DICTIONARIES.get(compression.slice(WITH_DICTIONARY.length)) : undefined;
  if (!dictionary) throw new PayloadDecryptionError(`An encrypted payload (key ${keyId}) is compressed with ${compression}, which this codec does not read`);
  return dictionary;
}

/** Below this a deflated payload is rarely smaller by enough to matter. */
const COMPRESS_FROM_BYTES = 256;
/** Well above Temporal's payload limit: a payload that inflates past it is refused, not read. */
const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

const IV_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = new TextEncoder();
const text = new TextDecoder();

export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.encoding;
  return encoding !== undefined && encoding !== null && text.decode(encoding) === ENCRYPTED_ENCODING;
}

/** What the cipher authenticates besides the data: the key id, and the compression if any (a key id has no ':'). */
const aad = (keyId: string, compression?: string) => utf8.encode(compression ? `${keyId}:${compression}` : keyId);

export class EncryptionCodec implements PayloadCodec {
  constructor(
    private readonly ring: KeyRing,
    private readonly compress = true,
  ) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.ring.currentKeyId;
    const key = this.ring.keys.get(keyId)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      let plain: Uint8Array = temporal.api.common.v1.Payload.encode(payload).finish();
      let compression: string | undefined;
      if (this.compress && plain.length >= COMPRESS_FROM_BYTES) {
        const deflated = deflateRawSync(plain, { dictionary: SEALING_DICTIONARY });
        if (deflated.length < plain.length) {
          plain = deflated;
          compression = DEFLATE_WITH_DICTIONARY;
        }
      }
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(keyId, compression));
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      const metadata: Payload['metadata'] = { encoding: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(keyId) };
      if (compression) metadata[COMPRESSION_METADATA] = utf8.encode(compression);
      return { metadata, data: new Uint8Array(sealed) };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    // Payloads written before encryption was switched on (and the committed replay histories)
    // are passed through as they are.
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private decrypt(payload: Payload): Payload {
    const rawId = payload.metadata?.[KEY_ID_METADATA];
    if (!rawId) throw new PayloadDecryptionError('An encrypted payload has no key id');
    const keyId = text.decode(rawId);
    const key = this.ring.keys.get(keyId);
    if (!key) throw new PayloadDecryptionError(`No key ${keyId} in PAYLOAD_KEYS to decrypt a payload with`);
    const rawCompression = payload.metadata?.[COMPRESSION_METADATA];
    const compression = rawCompression ? text.decode(rawCompression) : undefined;
    const dictionary = compression === undefined ? undefined : dictionaryOf(compression, keyId);
    const sealed = Buffer.from(payload.data ?? new Uint8Array());
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`An encrypted payload (key ${keyId}) is truncated`);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
    decipher.setAAD(aad(keyId, compression));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`A payload does not authenticate under key ${keyId}`);
    }
    if (compression) plain = inflateRawSync(plain, { maxOutputLength: MAX_INFLATED_BYTES, dictionary });
    return temporal.api.common.v1.Payload.decode(plain);
  }
}
