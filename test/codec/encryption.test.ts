// The payload codec and the failure converter, without a server: sealing, key rotation, refusal of
// tampered or relabelled payloads, pass-through of payloads written before encryption.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { decodeFailure, encodeFailure } from '@temporalio/common/lib/internal-non-workflow';
import { ApplicationFailure } from '@temporalio/common';
import { ConfigError, keyRingOf, loadConfig } from '../../config';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { temporal } from '@temporalio/proto';
import {
  COMPRESSION_METADATA,
  DEFLATE,
  DEFLATE_WITH_DICTIONARY,
  EncryptionCodec,
  ENCRYPTED_ENCODING,
  isEncrypted,
  KEY_ID_METADATA,
  newKeyEntry,
  parseKeyRing,
  PayloadDecryptionError,
} from '../../codec';
import { failureConverter } from '../../codec/failure-converter';
import { startApi } from '../../api/main';
import { DICTIONARIES } from '../../codec/dictionaries';
import { loadCalendar } from '../../activities/policy/calendar/calendar';
import { policiesFrom } from '../../activities/policy/registry';
import { createPolicyService } from '../../api/policy-service';

const child = { ref: 'LCS-424242', displayName: 'Maisie Quartermaine', dateOfBirth: '2016-07-19' };
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('utf8');
const toPayload = (value: unknown) => defaultPayloadConverter.toPayload(value)!;

test('a payload is sealed whole: no data or encoding in clear, the key id in its metadata, and it opens again', async () => {
  const ring = parseKeyRing(newKeyEntry('k1'));
  const codec = new EncryptionCodec(ring);
  const plain = toPayload(child);
  const [sealed] = await codec.encode([plain]);
  expect(text(sealed.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
  expect(text(sealed.metadata![KEY_ID_METADATA])).toBe('k1');
  expect(Object.keys(sealed.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA].sort());
  for (const needle of [child.ref, child.displayName, child.dateOfBirth, 'json/plain']) {
    expect(Buffer.from(sealed.data!).includes(needle)).toBe(false);
  }
  const [opened] = await codec.decode([sealed]);
  expect(defaultPayloadConverter.fromPayload(opened)).toEqual(child);
  // A fresh IV each time: the same value never seals to the same bytes.
  const [again] = await codec.encode([plain]);
  expect(Buffer.from(again.data!).equals(Buffer.from(sealed.data!))).toBe(false);
});

test('after rotation, payloads written with the old key still open and new ones use the new key', async () => {
  const k1 = newKeyEntry('2026-06');
  const k2 = newKeyEntry('2026-12');
  const before = new EncryptionCodec(parseKeyRing(k1));
  const [old] = await before.encode([toPayload(child)]);

  const rotated = new EncryptionCodec(parseKeyRing(`${k2},${k1}`, '2026-12'));
  expect(defaultPayloadConverter.fromPayload((await rotated.decode([old]))[0])).toEqual(child);
  const [fresh] = await rotated.encode([toPayload(child)]);
  expect(text(fresh.metadata![KEY_ID_METADATA])).toBe('2026-12');

  // Retiring the old key too early is loud, and names the key that is missing.
  const retired = new EncryptionCodec(parseKeyRing(k2));
  await expect(retired.decode([old])).rejects.toThrow(new PayloadDecryptionError('No key 2026-06 in PAYLOAD_KEYS to decrypt a payload with'));
  expect(defaultPayloadConverter.fromPayload((await retired.decode([fresh]))[0])).toEqual(child);
});

test('a tampered payload, a payload relabelled to another key, or a truncated one does not open', async () => {
  const ring = parseKeyRing(`${newKeyEntry('a')},${newKeyEntry('b')}`);
  const codec = new EncryptionCodec(ring);
  const [sealed] = await codec.encode([toPayload(child)]);
  const flipped = Buffer.from(sealed.data!);
  flipped[20] ^= 1;
  await expect(codec.decode([{ ...sealed, data: flipped }])).rejects.toThrow(/does not authenticate under key a/);
  const relabelled: Payload = { ...sealed, metadata: { ...sealed.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('b') } };
  await expect(codec.decode([relabelled])).rejects.toThrow(/does not authenticate under key b/);
  await expect(codec.decode([{ ...sealed, data: new Uint8Array(10) }])).rejects.toThrow(/truncated/);
});

// A transfer's state as a workflow answers or publishes it: repetitive JSON, as history holds it.
const stateLike = {
  transferId: 'tr-1',
  childRefs: [child.ref],
  deadlines: Array.from({ length: 20 }, (_, i) => ({ id: `d${i}`, rule: `T-ISL-${i}`, state: 'pending', due: '2026-12-14T17:00:00.000Z', source: 'policy' })),
  checklist: Array.from({ length: 10 }, (_, i) => ({ itemId: `item-${i}`, state: 'open', description: 'Chronology up to date' })),
};

test('a large payload is deflated before it is sealed, says so in its metadata, and opens to the same value', async () => {
  const ring = parseKeyRing(newKeyEntry('k1'));
  const plain = toPayload(stateLike);
  const [sealed] = await new EncryptionCodec(ring).encode([plain]);
  const [uncompressed] = await new EncryptionCodec(ring, false).encode([plain]);
  expect(text(sealed.metadata![COMPRESSION_METADATA])).toBe(DEFLATE_WITH_DICTIONARY);
  expect(uncompressed.metadata![COMPRESSION_METADATA]).toBeUndefined();
  expect(sealed.data!.length * 3).toBeLessThan(uncompressed.data!.length);
  expect(Buffer.from(sealed.data!).includes(child.ref)).toBe(false);
  const [opened] = await new EncryptionCodec(ring).decode([sealed]);
  expect(defaultPayloadConverter.fromPayload(opened)).toEqual(stateLike);
});

test('a payload sealed before compression (no marker) still opens, also after a key rotation', async () => {
  const k1 = newKeyEntry('2026-06');
  const [old] = await new EncryptionCodec(parseKeyRing(k1), false).encode([toPayload(stateLike)]);
  const rotated = new EncryptionCodec(parseKeyRing(`${newKeyEntry('2026-12')},${k1}`, '2026-12'));
  expect(defaultPayloadConverter.fromPayload((await rotated.decode([old]))[0])).toEqual(stateLike);
  const [fresh] = await rotated.encode([toPayload(stateLike)]);
  expect(text(fresh.metadata![KEY_ID_METADATA])).toBe('2026-12');
  expect(text(fresh.metadata![COMPRESSION_METADATA])).toBe(DEFLATE_WITH_DICTIONARY);
  expect(defaultPayloadConverter.fromPayload((await rotated.decode([fresh]))[0])).toEqual(stateLike);
});

/** A payload as the codec sealed it before it had dictionaries: plain deflate, marked `deflate-raw`. */
function sealedWithPlainDeflate(keyEntry: string, keyId: string, payload: Payload): Payload {
  const key = parseKeyRing(keyEntry).keys.get(keyId)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`${keyId}:${DEFLATE}`));
  const plain = deflateRawSync(temporal.api.common.v1.Payload.encode(payload).finish());
  const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return {
    metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(keyId), [COMPRESSION_METADATA]: Buffer.from(DEFLATE) },
    data: new Uint8Array(sealed),
  };
}

test('a payload deflated without a dictionary (sealed before dictionaries) still opens', async () => {
  const k = newKeyEntry('2026-11');
  const old = sealedWithPlainDeflate(k, '2026-11', toPayload(stateLike));
  const codec = new EncryptionCodec(parseKeyRing(k));
  expect(defaultPayloadConverter.fromPayload((await codec.decode([old]))[0])).toEqual(stateLike);
  // Relabelled as if it used the dictionary, it does not authenticate.
  const relabelled: Payload = { ...old, metadata: { ...old.metadata, [COMPRESSION_METADATA]: Buffer.from(DEFLATE_WITH_DICTIONARY) } };
  await expect(codec.decode([relabelled])).rejects.toThrow(/does not authenticate/);
  // A dictionary this codec does not have is named, not guessed.
  const unknown: Payload = { ...old, metadata: { ...old.metadata, [COMPRESSION_METADATA]: Buffer.from(`${DEFLATE};dictionary=99`) } };
  await expect(codec.decode([unknown])).rejects.toThrow(/compressed with deflate-raw;dictionary=99/);
});

test('dictionary 1 is frozen: payloads sealed with it must open for as long as their history is kept', () => {
  const sha = createHash('sha256').update(DICTIONARIES.get('1')!).digest('hex');
  expect(sha).toBe('5ec9db1786ff9e51858224177528d8f25f0d52ddcbf6440f63800069b9c00d63');
});

test('with the dictionary, every shipped authority\'s schedule seals smaller than with plain deflate', async () => {
  const k = newKeyEntry('k');
  const codec = new EncryptionCodec(parseKeyRing(k));
  const service = createPolicyService(loadCalendar(), policiesFrom());
  for (const policy of policiesFrom().allInForce('2026-12-01')) {
    const kind = policy.kinds.filter((x) => !x.outOfScope).at(-1)!;
    const schedule = service.schedule({
      request: { transferId: 'x', authority: policy.authority, kind: kind.id, children: [{ ref: 'C-1', dateOfBirth: '2012-01-01', legalStatus: 's17', lookedAfter: false }], from: { service: 'a', team: 'a' }, to: { service: 'b', team: 'b' }, people: { allocatedSocialWorker: { id: 'sw', role: 'social-worker' }, lineManager: { id: 'lm', role: 'line-manager' }, transferringManager: { id: 'tm', role: 'team-manager' }, receivingManager: { id: 'tm2', role: 'team-manager' }, chain: { transferring: [], receiving: [] } }, trigger: { event: 'trigger', date: '2027-05-03' } },
      decidedOn: '2027-04-01',
      notifiedOn: '2027-04-01',
      heldDays: 0,
    });
    const payload = toPayload(schedule);
    const [withDictionary] = await codec.encode([payload]);
    const plain = sealedWithPlainDeflate(k, 'k', payload);
    expect({ authority: policy.authority, smaller: withDictionary.data!.length < plain.data!.length * 0.9 }).toEqual({ authority: policy.authority, smaller: true });
    expect(defaultPayloadConverter.fromPayload((await codec.decode([withDictionary]))[0])).toEqual(schedule);
  }
});

test('the compression marker is authenticated: removed or changed, the payload does not open', async () => {
  const codec = new EncryptionCodec(parseKeyRing(newKeyEntry('k')));
  const [sealed] = await codec.encode([toPayload(stateLike)]);
  const { [COMPRESSION_METADATA]: _marker, ...unmarked } = sealed.metadata!;
  await expect(codec.decode([{ ...sealed, metadata: unmarked }])).rejects.toThrow(/does not authenticate under key k/);
  const other: Payload = { ...sealed, metadata: { ...sealed.metadata, [COMPRESSION_METADATA]: new TextEncoder().encode('zstd') } };
  await expect(codec.decode([other])).rejects.toThrow(/compressed with zstd/);
});

test('payloads written before encryption pass through unchanged, so older histories replay', async () => {
  const codec = new EncryptionCodec(parseKeyRing(newKeyEntry('k')));
  const plain = toPayload(child);
  expect(isEncrypted(plain)).toBe(false);
  const [same] = await codec.decode([plain]);
  expect(same).toBe(plain);
});

test('failure messages and stack traces are encoded into the failure\'s encrypted attributes', async () => {
  const codec = new EncryptionCodec(parseKeyRing(newKeyEntry('k')));
  const error = ApplicationFailure.create({ message: `child ${child.ref} (${child.displayName}) cannot move`, type: 'TestRefusal', nonRetryable: true });
  const failure = failureConverter.errorToFailure(error, defaultPayloadConverter);
  const encoded = await encodeFailure([codec], failure);
  expect(encoded.message).toBe('Encoded failure');
  expect(encoded.stackTrace).toBe('');
  expect(isEncrypted(encoded.encodedAttributes as Payload)).toBe(true);
  expect(JSON.stringify(encoded)).not.toContain(child.ref);
  const decoded = await decodeFailure([codec], encoded);
  const back = failureConverter.failureToError(decoded, defaultPayloadConverter);
  expect(back.message).toBe(error.message);
  expect((back as ApplicationFailure).type).toBe('TestRefusal');
});

test('PAYLOAD_KEYS is validated at start-up, and a process that talks to Temporal needs it', () => {
  const bad = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      return (err as ConfigError).problems;
    }
    return [];
  };
  expect(bad({ PAYLOAD_KEYS: 'k1:c2hvcnQ=' })).toEqual([{ variable: 'PAYLOAD_KEYS', message: 'key k1 must be 32 bytes (AES-256), base64-encoded' }]);
  expect(bad({ PAYLOAD_KEYS: 'no-colon' })[0].variable).toBe('PAYLOAD_KEYS');
  expect(bad({ PAYLOAD_KEYS: `${newKeyEntry('k1')},${newKeyEntry('k1')}` })[0].message).toMatch(/listed twice/);
  expect(bad({ PAYLOAD_KEYS: newKeyEntry('k1'), PAYLOAD_KEY_ID: 'k9' })).toEqual([{ variable: 'PAYLOAD_KEY_ID', message: 'the current key id k9 is not in the ring' }]);
  expect(bad({ PAYLOAD_KEY_ID: 'k1' })[0].variable).toBe('PAYLOAD_KEYS');
  expect(() => keyRingOf(loadConfig({}))).toThrow(ConfigError);
  const ring = keyRingOf(loadConfig({ PAYLOAD_KEYS: `${newKeyEntry('new')},${newKeyEntry('old')}` }));
  expect(ring.currentKeyId).toBe('new');
  expect([...ring.keys.keys()]).toEqual(['new', 'old']);
});

test('the API does not start without payload keys', async () => {
  const config = loadConfig({ PORT: '0', TEMPORAL_ADDRESS: '127.0.0.1:1', AUTH_JWT_SECRET: 'x'.repeat(40), LOG_LEVEL: 'silent' });
  await expect(startApi(config)).rejects.toThrow(/PAYLOAD_KEYS: is required/);
});
