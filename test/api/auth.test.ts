// Token verification as API.md says: HS256 with the shared secret, or RS256/ES256 against a JWKS
// (here a tiny JWKS server on 127.0.0.1 with keys jose generates). Issuer case-transfers, audience
// case-transfers-api; anything expired, wrongly signed or for someone else is a 401.
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import request from 'supertest';
import { createVerifier } from '../../api/auth';
import { TEST_SECRET } from '../support/fixtures';
import { closedPort, expectProblem, testApp, unreachableClient } from './helpers';

const ISSUER = 'case-transfers';
const AUDIENCE = 'case-transfers-api';
const now = () => Math.floor(Date.now() / 1000);

interface SignOpts {
  alg: string;
  key: KeyLike | Uint8Array;
  kid?: string;
  sub?: string | null;
  iss?: string;
  aud?: string;
  exp?: number;
  nbf?: number;
  claims?: Record<string, unknown>;
}

function sign(o: SignOpts): Promise<string> {
  const jwt = new SignJWT({ roles: ['operator'], teams: [], ...o.claims })
    .setProtectedHeader({ alg: o.alg, ...(o.kid ? { kid: o.kid } : {}) })
    .setIssuer(o.iss ?? ISSUER)
    .setAudience(o.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(o.exp ?? now() + 600);
  if (o.sub !== null) jwt.setSubject(o.sub ?? 'person-1');
  if (o.nbf) jwt.setNotBefore(o.nbf);
  return jwt.sign(o.key);
}

const secret = new TextEncoder().encode(TEST_SECRET);
const get = (app: Parameters<typeof request>[0], token?: string) => {
  const r = request(app).get('/v1/policies');
  return token === undefined ? r : r.set('Authorization', `Bearer ${token}`);
};

async function expect401(res: request.Response, detail?: RegExp) {
  expectProblem(res, 401);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="case-transfers"/);
  if (detail) expect(res.body.detail).toMatch(detail);
}

describe('HS256 with the shared secret', () => {
  let app: ReturnType<typeof testApp>;
  beforeAll(async () => {
    app = testApp(await unreachableClient());
  });

  test('a good token is accepted', async () => {
    const res = await get(app, await sign({ alg: 'HS256', key: secret }));
    expect(res.status).toBe(200);
  });

  test('missing or malformed Authorization is 401', async () => {
    await expect401(await get(app), /bearer token is required/);
    await expect401(await request(app).get('/v1/policies').set('Authorization', 'Basic dXNlcjpwYXNz'));
    await expect401(await request(app).get('/v1/policies').set('Authorization', 'Bearer'));
    await expect401(await get(app, 'not.a.jwt'), /not valid/);
  });

  test('an expired token is 401 and says so', async () => {
    await expect401(await get(app, await sign({ alg: 'HS256', key: secret, exp: now() - 120 })), /expired/);
  });

  test('a wrong signature is 401', async () => {
    await expect401(await get(app, await sign({ alg: 'HS256', key: new TextEncoder().encode('another-secret-of-at-least-32-bytes!!') })));
    const good = await sign({ alg: 'HS256', key: secret });
    const [h, , s] = good.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', roles: ['integration'], teams: [], iss: ISSUER, aud: AUDIENCE, exp: now() + 60 })).toString('base64url');
    await expect401(await get(app, `${h}.${forged}.${s}`));
  });

  test('wrong issuer or audience is 401', async () => {
    await expect401(await get(app, await sign({ alg: 'HS256', key: secret, iss: 'someone-else' })));
    await expect401(await get(app, await sign({ alg: 'HS256', key: secret, aud: 'another-api' })));
  });

  test('an unsigned token (alg none), a token not yet valid, a token without sub: 401', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'x', roles: ['integration'], iss: ISSUER, aud: AUDIENCE, exp: now() + 60 })).toString('base64url');
    await expect401(await get(app, `${header}.${payload}.`));
    await expect401(await get(app, await sign({ alg: 'HS256', key: secret, nbf: now() + 3600 })));
    await expect401(await get(app, await sign({ alg: 'HS256', key: secret, sub: null })));
  });

  test('a 401 carries no stack trace and names no internals', async () => {
    const res = await get(app, await sign({ alg: 'HS256', key: secret, exp: now() - 120 }));
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+|JWTExpired|jose/);
  });
});

describe('RS256 and ES256 against a JWKS', () => {
  let jwks: Server;
  let jwksUrl: string;
  let app: ReturnType<typeof testApp>;
  let rsa: { privateKey: KeyLike; publicKey: KeyLike };
  let ec: { privateKey: KeyLike; publicKey: KeyLike };
  let fetches = 0;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    const keys: JWK[] = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    jwks = createServer((req, res) => {
      fetches += 1;
      if (req.url !== '/.well-known/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as { port: number }).port}/.well-known/jwks.json`;
    app = testApp(await unreachableClient(), { verifyToken: createVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE }) });
  });

  afterAll(async () => {
    await new Promise((r) => jwks.close(r));
  });

  test('an RS256 token signed by the identity provider\'s key is accepted', async () => {
    const res = await get(app, await sign({ alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1' }));
    expect(res.status).toBe(200);
    expect(fetches).toBeGreaterThan(0);
  });

  test('an ES256 token is accepted too', async () => {
    expect((await get(app, await sign({ alg: 'ES256', key: ec.privateKey, kid: 'ec-1' }))).status).toBe(200);
  });

  test('a key the JWKS does not hold, even under a known kid, is 401', async () => {
    const stranger = await generateKeyPair('RS256');
    await expect401(await get(app, await sign({ alg: 'RS256', key: stranger.privateKey, kid: 'rsa-1' })));
    await expect401(await get(app, await sign({ alg: 'RS256', key: stranger.privateKey, kid: 'unknown-kid' })));
  });

  test('an HS256 token is refused when a JWKS is configured', async () => {
    await expect401(await get(app, await sign({ alg: 'HS256', key: secret })));
  });

  test('expired, wrong issuer, wrong audience: 401', async () => {
    await expect401(await get(app, await sign({ alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1', exp: now() - 120 })), /expired/);
    await expect401(await get(app, await sign({ alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1', iss: 'other-idp' })));
    await expect401(await get(app, await sign({ alg: 'ES256', key: ec.privateKey, kid: 'ec-1', aud: 'other-api' })));
  });

  test('an unreachable JWKS is a 503 with Retry-After, not a 401 for a token that may be fine', async () => {
    const down = testApp(await unreachableClient(), {
      verifyToken: createVerifier({ jwksUrl: `http://127.0.0.1:${await closedPort()}/jwks.json`, issuer: ISSUER, audience: AUDIENCE }),
    });
    const res = await get(down, await sign({ alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1' }));
    expectProblem(res, 503);
    expect(res.headers['retry-after']).toBe('5');
  });
});
