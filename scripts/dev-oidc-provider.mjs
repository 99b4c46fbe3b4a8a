// A local OpenID Connect provider (oidc-provider) for `npm start` and the browser tests, so the real
// sign-in flow (authorisation code with PKCE) runs on a development machine. Its people are the
// examples in scripts/dev-people.json; signing in is choosing one of them, with no password, so
// it refuses to run with NODE_ENV=production.
//
// Settings (environment): DEV_OIDC_PORT (0 picks a free one), DEV_OIDC_CLIENT_ID,
// DEV_OIDC_CLIENT_SECRET, DEV_OIDC_REDIRECT_URIS and DEV_OIDC_POST_LOGOUT_URIS (comma-separated),
// DEV_OIDC_PEOPLE (a JSON file like dev-people.json). Prints one JSON line with the issuer when ready.
/* global process, console, URLSearchParams */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Provider from 'oidc-provider';

if (process.env.NODE_ENV === 'production') {
  console.error('[dev-oidc] refused: the local OpenID provider signs anyone in and never runs with NODE_ENV=production');
  process.exit(2);
}

const env = process.env;
const here = path.dirname(fileURLToPath(import.meta.url));
const people = JSON.parse(readFileSync(env.DEV_OIDC_PEOPLE || path.join(here, 'dev-people.json'), 'utf8')).people;
const list = (v) => (v || '').split(',').map((s) => s.trim()).filter(Boolean);
const SCOPES = ['openid', 'profile', 'email', 'case-transfers'];

const html = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const page = (title, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)} - Local sign-in (development)</title>
<style>body{font-family:Arial,sans-serif;font-size:19px;line-height:1.4;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#0b0c0c}
fieldset{border:0;padding:0}legend{font-weight:bold;font-size:24px;margin-bottom:.5rem}label{display:block;padding:.4rem 0}
button{font-size:19px;padding:.5rem 1rem;background:#00703c;color:#fff;border:0;box-shadow:0 2px 0 #002d18;cursor:pointer}
button:focus,input:focus{outline:3px solid #fd0}.hint{color:#484949}</style></head><body><main>${body}</main></body></html>`;

const server = createServer();
await new Promise((resolve) => server.listen(Number(env.DEV_OIDC_PORT ?? 9090), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env.DEV_OIDC_CLIENT_ID || 'case-transfers',
      client_secret: env.DEV_OIDC_CLIENT_SECRET || 'dev-client-secret-not-for-production',
      redirect_uris: list(env.DEV_OIDC_REDIRECT_URIS),
      post_logout_redirect_uris: list(env.DEV_OIDC_POST_LOGOUT_URIS),
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
  ],
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'dev', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  scopes: SCOPES,
  claims: { openid: ['sub'], profile: ['name'], email: ['email'], 'case-transfers': ['roles', 'teams'] },
  // Roles and teams in the ID token too, as many councils' providers send them.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Sign out', `<h1>Sign out of the local provider?</h1>${form}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`);
      },
    },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: (_ctx, id) => {
    const p = people.find((x) => x.sub === id);
    return p ? { accountId: p.sub, claims: () => ({ sub: p.sub, name: p.name, email: p.email, roles: p.roles, teams: p.teams }) } : undefined;
  },
  // A first-party client: no consent screen, the requested scopes are granted.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
    if (existing) return existing;
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(SCOPES.join(' '));
    await grant.save();
    return grant;
  },
  ttl: { Session: 8 * 3600, Interaction: 600, AccessToken: 600, IdToken: 600, Grant: 8 * 3600, AuthorizationCode: 60 },
});

async function interaction(req, res) {
  const { uid, prompt } = await provider.interactionDetails(req, res);
  if (req.method === 'POST') {
    let body = '';
    for await (const chunk of req) body += chunk;
    const accountId = new URLSearchParams(body).get('person');
    if (people.some((p) => p.sub === accountId)) {
      return provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    }
  }
  if (prompt.name !== 'login') {
    return provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
  }
  const options = people
    .map((p, i) => `<label><input type="radio" name="person" value="${html(p.sub)}"${i === 0 ? ' required' : ''}> ${html(p.name)} <span class="hint">(${html(p.roles.join(', ') || 'no role')}; ${html(p.teams.join(', ') || 'all teams')})</span></label>`)
    .join('');
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(page('Sign in', `<h1>Sign in</h1><p>This is the local development provider: choose who to sign in as.</p>
<form method="post" action="/interaction/${html(uid)}"><fieldset><legend>Example people</legend>${options}</fieldset><button type="submit">Sign in</button></form>`));
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.statusCode = 400;
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(page('Sign-in problem', `<h1>Sign-in problem</h1><p>${html(err.message)}</p>`));
    });
  } else callback(req, res);
});

console.log(JSON.stringify({ level: 'info', msg: 'local OpenID provider listening', issuer }));
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
