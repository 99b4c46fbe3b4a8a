// The pages over HTTP without a browser or Temporal: what an unsigned-in visitor gets, that every
// form needs its CSRF token before anything reaches Temporal, the cookies' flags, an unreachable
// identity provider, and that the local provider refuses to run in production.
import { execFile } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import type { OidcRelyingParty } from '../../api/pages/oidc';
import { createRelyingParty } from '../../api/pages/oidc';
import { createSealer, SESSION_COOKIE } from '../../api/pages/session';
import { closedPort, testApp, unreachableClient } from '../api/helpers';

const SECRET = 'http-test-session-secret-that-is-long-enough';

async function appWith(relyingParty: OidcRelyingParty) {
  return testApp(await unreachableClient(), { pages: { relyingParty, sessionSecret: SECRET, sessionMinutes: 15 } });
}

const unreachableProvider = async () =>
  createRelyingParty({
    issuerUrl: `http://127.0.0.1:${await closedPort()}`,
    clientId: 'case-transfers',
    redirectUri: 'http://127.0.0.1/app/auth/callback',
    postLogoutRedirectUri: 'http://127.0.0.1/app/signed-out',
    scopes: 'openid',
    rolesClaim: 'roles',
    teamsClaim: 'teams',
  });

test('a visitor who is not signed in is sent to sign in, and back to where they were going', async () => {
  const app = await appWith(await unreachableProvider());
  const res = await request(app).get('/app/transfers/t-1/escalations/esc-1/response');
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe(`/app/sign-in?returnTo=${encodeURIComponent('/app/transfers/t-1/escalations/esc-1/response')}`);
  // The stylesheet needs no session, and names its fonts under /app/assets.
  const css = await request(app).get('/app/assets/govuk-frontend.css');
  expect(css.status).toBe(200);
  expect(css.text).toContain('url(/app/assets/fonts/');
  expect((await request(app).get('/app/assets/fonts/bold-b542beb274-v2.woff2')).status).toBe(200);
  const missing = await request(app).get('/app/assets/no-such-font.woff2');
  expect([missing.status, missing.headers['content-type']]).toEqual([404, expect.stringMatching(/text\/html/)]);
  expect(missing.text).toContain('Page not found');
});

test('an unreachable identity provider is a 503 page, not a 500', async () => {
  const app = await appWith(await unreachableProvider());
  const res = await request(app).get('/app/sign-in');
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/text\/html/);
  expect(res.text).toContain('the service is unavailable');
});

test('every form needs the session\'s CSRF token; without it nothing reaches Temporal', async () => {
  const app = await appWith(await unreachableProvider());
  const cookie = `${SESSION_COOKIE}=${await createSealer(SECRET).seal({ sub: 'sm-gu', roles: ['service-manager'], teams: ['t'], csrf: 'the-right-token-000000000000' }, 60)}`;
  for (const form of [{}, { _csrf: 'a-wrong-token-00000000000000' }]) {
    const res = await request(app).post('/app/transfers/t-1/meeting').set('Cookie', cookie).type('form').send({ ...form, status: 'scheduled' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('This form has expired');
  }
  // With the token it goes on to Temporal, which this app cannot reach.
  const res = await request(app)
    .post('/app/transfers/t-1/meeting')
    .set('Cookie', cookie)
    .type('form')
    .send({ _csrf: 'the-right-token-000000000000', status: 'scheduled', 'on-day': '1', 'on-month': '3', 'on-year': '2027' });
  expect(res.status).toBe(503);
  expect((await request(app).post('/app/sign-out').set('Cookie', cookie).type('form').send({})).status).toBe(403);
});

test('the session cookie is HttpOnly, SameSite=Lax, scoped to /app and short-lived', async () => {
  const flow = { state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/app/my-work' };
  const relyingParty: OidcRelyingParty = {
    begin: async () => ({ url: 'https://idp.example/auth', flow }),
    finish: async () => ({ sub: 'sm-gu', roles: ['service-manager'], teams: ['t'] }),
    logoutUrl: async () => undefined,
  };
  const app = await appWith(relyingParty);
  const begin = await request(app).get('/app/sign-in?returnTo=/app/my-work');
  expect(begin.status).toBe(303);
  expect(begin.headers.location).toBe('https://idp.example/auth');
  const flowCookie = (begin.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
  const back = await request(app).get('/app/auth/callback?code=c&state=s').set('Cookie', flowCookie);
  expect(back.status).toBe(303);
  expect(back.headers.location).toBe('/app/my-work');
  const session = (back.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
  expect(session).toMatch(/HttpOnly/);
  expect(session).toMatch(/SameSite=Lax/);
  expect(session).toMatch(/Path=\/app/);
  expect(session).toMatch(/Max-Age=900/);
  expect(session).not.toContain('sm-gu');
  // A callback without the flow cookie (another browser, or too late) signs no one in.
  const stray = await request(app).get('/app/auth/callback?code=c&state=s');
  expect(stray.status).toBe(400);
  expect(stray.headers['set-cookie']).toBeUndefined();
});

test('the local OpenID provider refuses to run with NODE_ENV=production', async () => {
  const script = path.resolve(__dirname, '..', '..', 'scripts', 'dev-oidc-provider.mjs');
  const outcome = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, [script], { env: { ...process.env, NODE_ENV: 'production', DEV_OIDC_PORT: '0' } }, (err, _stdout, stderr) =>
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stderr }),
    );
    child.stdin?.end();
  });
  expect(outcome.code).toBe(2);
  expect(outcome.stderr).toContain('refused');
});
