// Tokens must expire, within the configured lifetime; guessing tokens is rate-limited per client
// address, and good requests from the address do not count against it.
import { SignJWT } from 'jose';
import request from 'supertest';
import { createVerifier } from '../../api/auth';
import { TEST_SECRET, tokenFor } from '../support/fixtures';
import { expectProblem, testApp, unreachableClient } from '../api/helpers';

const key = new TextEncoder().encode(TEST_SECRET);
const now = () => Math.floor(Date.now() / 1000);

function sign(claims: { iat?: number; exp?: number }) {
  const jwt = new SignJWT({ roles: ['operator'], teams: [] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('ops-1')
    .setIssuer('case-transfers')
    .setAudience('case-transfers-api');
  if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  return jwt.sign(key);
}

describe('token lifetime', () => {
  let app: ReturnType<typeof testApp>;
  beforeAll(async () => {
    app = testApp(await unreachableClient(), {
      verifyToken: createVerifier({ secret: TEST_SECRET, issuer: 'case-transfers', audience: 'case-transfers-api', maxLifetimeSeconds: 3600 }),
      authFailureLimit: { limit: 1_000 },
    });
  });
  const get = (token: string) => request(app).get('/v1/policies').set('Authorization', `Bearer ${token}`);

  test('a token without exp is refused and told why', async () => {
    const res = await get(await sign({ iat: now() }));
    expectProblem(res, 401);
    expect(res.body.detail).toMatch(/no expiry/);
  });

  test('a token living longer than the maximum is refused, from its iat or, without one, from now', async () => {
    const long = await get(await sign({ iat: now(), exp: now() + 2 * 3600 }));
    expectProblem(long, 401);
    expect(long.body.detail).toMatch(/longer than the 3600 s/);
    expectProblem(await get(await sign({ exp: now() + 2 * 3600 })), 401);
    // Issued long ago, still in date, but minted for longer than allowed.
    expectProblem(await get(await sign({ iat: now() - 3000, exp: now() + 1200 })), 401);
  });

  test('a token within the maximum is accepted', async () => {
    expect((await get(await sign({ iat: now(), exp: now() + 1800 }))).status).toBe(200);
    expect((await get(await sign({ exp: now() + 1800 }))).status).toBe(200);
  });

  test('the default maximum is a day, and the minted tokens fit it', async () => {
    const byDefault = testApp(await unreachableClient());
    const res = await request(byDefault).get('/v1/policies').set('Authorization', `Bearer ${await sign({ iat: now(), exp: now() + 25 * 3600 })}`);
    expectProblem(res, 401);
    expect((await request(byDefault).get('/v1/policies').set('Authorization', `Bearer ${await tokenFor('ops', ['operator'])}`)).status).toBe(200);
  });
});

describe('failed authentication per client address', () => {
  test('after the limit of 401s an address gets 429 with Retry-After, even with a good token; another address does not', async () => {
    const app = testApp(await unreachableClient(), { authFailureLimit: { limit: 5 } });
    app.set('trust proxy', true);
    const good = await tokenFor('ops', ['operator']);
    const from = (ip: string, token: string) => request(app).get('/v1/policies').set('X-Forwarded-For', ip).set('Authorization', `Bearer ${token}`);

    // Good requests do not count, not even many at once.
    const many = await Promise.all(Array.from({ length: 40 }, () => from('203.0.113.7', good)));
    expect(many.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    for (let i = 0; i < 5; i++) expectProblem(await from('203.0.113.7', 'not.a.token'), 401);
    const limited = await from('203.0.113.7', 'not.a.token');
    expectProblem(limited, 429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body.detail).toMatch(/failed authentications/);
    expectProblem(await from('203.0.113.7', good), 429);

    expect((await from('198.51.100.9', good)).status).toBe(200);
    expectProblem(await from('198.51.100.9', 'not.a.token'), 401);
  });
});
