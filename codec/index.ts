// The one data converter of the project: the API's client, the worker, `npm start`, the bench
// and the tests all take theirs from here, so they always agree on how payloads are sealed.
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import type { KeyRing } from './key-ring';

export { EncryptionCodec, COMPRESSION_METADATA, DEFLATE, DEFLATE_WITH_DICTIONARY, ENCRYPTED_ENCODING, KEY_ID_METADATA, isEncrypted, PayloadDecryptionError } from './encryption-codec';
export { parseKeyRing, newKeyEntry, KeyRingError, type KeyRing } from './key-ring';

export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

export function dataConverterFor(ring: KeyRing): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(ring)], failureConverterPath: FAILURE_CONVERTER_PATH };
}
