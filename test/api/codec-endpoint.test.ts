// The codec endpoint the Temporal UI decodes through: Temporal's JSON protocol, operators only
// (bearer token or the session cookie), CORS for the UI's origin only. No Temporal needed.
import { defaultPayloadConverter } from '@temporalio/common';
import request from 'supertest';
import { CODEC_COOKIE } from '../../api/codec-endpoint';
import { EncryptionCodec, newKeyEntry, parseKeyRing } from '../../codec';
import { tokenFor } from '../support/fixtures';
import { expectProblem, testApp, unreachableClient } from './helpers';

const UI = 'http://127.0.0.1:18233';
const codec = new EncryptionCodec(parseKeyRing(newKeyEntry('ui-test')));
let app: ReturnType<typeof testApp>;
let operator: string;
let manager: string;

beforeAll(async () => {
  app = testApp(await unreachableClient(), { codec: { codec, allowedOrigin: UI, namespace: 'default' } });
  operator = await tokenFor('op-1', ['operator']);
  manager = await tokenFor('tm-1', ['team-manager'], ['team-a']);
});

const asJson = (value: unknown) => {
  const p = defaultPayloadConverter.toPayload(value)!;
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
    data: Buffer.from(p.data!).toString('base64'),
  };
};
const valueOf = (p: { metadata: Record<string, string>; data: string }) =>
  defaultPayloadConverter.fromPayload({
    metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    data: new Uint8Array(Buffer.from(p.data, 'base64')),
  });

test('an operator encodes and decodes payloads in Temporal\'s codec JSON; plain payloads decode as they are', async () => {
  const value = { ref: 'LCS-777', dateOfBirth: '2017-01-02' };
  const enc = await request(app).post('/codec/encode').set('Authorization', `Bearer ${operator}`).set('X-Namespace', 'default').send({ payloads: [asJson(value)] });
  expect(enc.status).toBe(200);
  expect(enc.body.payloads).toHaveLength(1);
  expect(Buffer.from(enc.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
  expect(enc.text).not.toContain('LCS-777');
  const plain = asJson({ other: true });
  const dec = await request(app).post('/codec/decode').set('Authorization', `Bearer ${operator}`).send({ payloads: [enc.body.payloads[0], plain] });
  expect(dec.status).toBe(200);
  expect(dec.body.payloads.map(valueOf)).toEqual([value, { other: true }]);
});

test('no token is 401, a non-operator is 403, another namespace is 403, a bad body or payload is 400', async () => {
  const body = { payloads: [asJson('x')] };
  expectProblem(await request(app).post('/codec/decode').send(body), 401);
  expectProblem(await request(app).post('/codec/decode').set('Authorization', `Bearer ${manager}`).send(body), 403);
  expectProblem(await request(app).post('/codec/decode').set('Authorization', 'Bearer not.a.token').send(body), 401);
  expectProblem(await request(app).post('/codec/decode').set('Authorization', `Bearer ${operator}`).set('X-Namespace', 'elsewhere').send(body), 403);
  const bad = await request(app).post('/codec/decode').set('Authorization', `Bearer ${operator}`).send({ payloads: [{ data: '***' }] });
  expectProblem(bad, 400);
  expect(bad.body.errors[0].path).toMatch(/^payloads/);
  const foreign = await new EncryptionCodec(parseKeyRing(newKeyEntry('elsewhere'))).encode([defaultPayloadConverter.toPayload('x')!]);
  const undecodable = await request(app).post('/codec/decode').set('Authorization', `Bearer ${operator}`).send({
    payloads: foreign.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
      data: Buffer.from(p.data!).toString('base64'),
    })),
  });
  expectProblem(undecodable, 400);
  expect(undecodable.body.detail).toBe('No key elsewhere in PAYLOAD_KEYS to decrypt a payload with');
});

test('CORS answers the Temporal UI\'s origin only, with credentials', async () => {
  const preflight = await request(app)
    .options('/codec/decode')
    .set('Origin', UI)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'content-type,x-namespace');
  expect(preflight.status).toBe(204);
  expect(preflight.headers['access-control-allow-origin']).toBe(UI);
  expect(preflight.headers['access-control-allow-credentials']).toBe('true');
  expect(preflight.headers['access-control-allow-methods']).toBe('POST');
  expect(preflight.headers['access-control-allow-headers']).toMatch(/X-Namespace/);

  const other = await request(app).options('/codec/decode').set('Origin', 'http://127.0.0.1:9999').set('Access-Control-Request-Method', 'POST');
  expectProblem(other, 403);
  expect(other.headers['access-control-allow-origin']).toBeUndefined();
  const otherPost = await request(app).post('/codec/decode').set('Origin', 'https://evil.example').set('Authorization', `Bearer ${operator}`).send({ payloads: [] });
  expectProblem(otherPost, 403);

  const fromUi = await request(app).post('/codec/decode').set('Origin', UI).set('Authorization', `Bearer ${operator}`).send({ payloads: [] });
  expect(fromUi.status).toBe(200);
  expect(fromUi.headers['access-control-allow-origin']).toBe(UI);
  expect(fromUi.headers.vary).toMatch(/Origin/);
});

test('an operator signs a browser in; the cookie then authorises decoding, and only an operator gets one', async () => {
  const page = await request(app).get('/codec/session');
  expect(page.status).toBe(200);
  expect(page.text).toMatch(/<form method="post">/);

  const refused = await request(app).post('/codec/session').type('form').send({ token: manager });
  expectProblem(refused, 403);
  expect(refused.headers['set-cookie']).toBeUndefined();

  const signedIn = await request(app).post('/codec/session').type('form').send({ token: operator });
  expect(signedIn.status).toBe(200);
  const cookie = String(signedIn.headers['set-cookie']);
  expect(cookie).toMatch(new RegExp(`^${CODEC_COOKIE}=`));
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Strict/);
  expect(cookie).toMatch(/Path=\/codec/);

  const [sealed] = await codec.encode([defaultPayloadConverter.toPayload({ ok: 1 })!]);
  const res = await request(app)
    .post('/codec/decode')
    .set('Origin', UI)
    .set('Cookie', cookie.split(';')[0])
    .send({ payloads: [{ metadata: Object.fromEntries(Object.entries(sealed.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(sealed.data!).toString('base64') }] });
  expect(res.status).toBe(200);
  expect(res.body.payloads.map(valueOf)).toEqual([{ ok: 1 }]);
});

test('without codec settings the API has no codec endpoint', async () => {
  const bare = testApp(await unreachableClient());
  expectProblem(await request(bare).post('/codec/decode').set('Authorization', `Bearer ${operator}`).send({ payloads: [] }), 404);
});

test('the sign-in form, posted from the API\'s own origin, is not a cross-origin call', async () => {
  const res = await request(app).post('/codec/session').set('Host', '127.0.0.1:3000').set('Origin', 'http://127.0.0.1:3000').type('form').send({ token: operator });
  expect(res.status).toBe(200);
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
});
