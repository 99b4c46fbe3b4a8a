// Sign-in through the council's OpenID Connect provider: authorisation code with PKCE (S256),
// state and nonce, using openid-client. The provider is discovered on first use, so the API starts
// while the identity provider is down and the pages answer 503 until it is back.
import { generators, Issuer, type BaseClient, type IdTokenClaims } from 'openid-client';
import { ROLES, type Role } from '../../workflows/definitions';
import { HttpProblem } from '../problem';
import type { SignInFlow } from './session';

export interface OidcSettings {
  issuerUrl: string;
  clientId: string;
  clientSecret?: string;
  /** e.g. https://transfers.example.gov.uk/app/auth/callback */
  redirectUri: string;
  postLogoutRedirectUri: string;
  scopes: string;
  rolesClaim: string;
  teamsClaim: string;
}

export interface SignedInPerson {
  sub: string;
  name?: string;
  roles: Role[];
  teams: string[];
  idToken?: string;
}

export interface OidcRelyingParty {
  /** Where to send the browser, and what to remember until it comes back. */
  begin(returnTo: string): Promise<{ url: string; flow: SignInFlow }>;
  /** Exchanges the code (with the PKCE verifier) and reads the person's roles and teams. */
  finish(callbackUrl: string, flow: SignInFlow): Promise<SignedInPerson>;
  /** The provider's end-session URL, when it has one. */
  logoutUrl(idToken?: string): Promise<string | undefined>;
}

/** Reads `a.b.c` from the claims; a space- or comma-separated string counts as a list. */
export function claimList(claims: Record<string, unknown>, path: string): string[] {
  let cur: unknown = claims;
  for (const key of path.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
  if (Array.isArray(cur)) return cur.filter((v): v is string => typeof v === 'string' && v.length > 0);
  if (typeof cur === 'string') return cur.split(/[\s,]+/).filter(Boolean);
  return [];
}

export function personFromClaims(claims: Record<string, unknown>, settings: Pick<OidcSettings, 'rolesClaim' | 'teamsClaim'>): SignedInPerson {
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  if (!sub) throw new HttpProblem(401, 'The identity provider sent no subject');
  const roles = claimList(claims, settings.rolesClaim).filter((r): r is Role => (ROLES as readonly string[]).includes(r));
  return { sub, name: typeof claims.name === 'string' ? claims.name : undefined, roles, teams: claimList(claims, settings.teamsClaim) };
}

export function createRelyingParty(settings: OidcSettings): OidcRelyingParty {
  let client: Promise<BaseClient> | undefined;
  const getClient = () => {
    client ??= Issuer.discover(settings.issuerUrl).then(
      (issuer) =>
        new issuer.Client({
          client_id: settings.clientId,
          client_secret: settings.clientSecret,
          redirect_uris: [settings.redirectUri],
          post_logout_redirect_uris: [settings.postLogoutRedirectUri],
          response_types: ['code'],
          token_endpoint_auth_method: settings.clientSecret ? 'client_secret_basic' : 'none',
        }),
    );
    // A failed discovery is retried on the next sign-in rather than remembered.
    return client.catch((err: unknown) => {
      client = undefined;
      throw new HttpProblem(503, 'The sign-in service cannot be reached; try again shortly', { cause: String((err as Error)?.message ?? err) }, { 'Retry-After': '5' });
    });
  };

  return {
    async begin(returnTo) {
      const c = await getClient();
      const flow: SignInFlow = { state: generators.state(), nonce: generators.nonce(), codeVerifier: generators.codeVerifier(), returnTo };
      const url = c.authorizationUrl({
        scope: settings.scopes,
        state: flow.state,
        nonce: flow.nonce,
        code_challenge: generators.codeChallenge(flow.codeVerifier),
        code_challenge_method: 'S256',
      });
      return { url, flow };
    },
    async finish(callbackUrl, flow) {
      const c = await getClient();
      const params = c.callbackParams(callbackUrl);
      let claims: IdTokenClaims & Record<string, unknown>;
      let idToken: string | undefined;
      try {
        const tokens = await c.callback(settings.redirectUri, params, { state: flow.state, nonce: flow.nonce, code_verifier: flow.codeVerifier });
        claims = tokens.claims();
        idToken = tokens.id_token;
        // Providers put roles and teams in the ID token or only behind userinfo: read both.
        if (tokens.access_token && c.issuer.metadata.userinfo_endpoint) {
          const info = await c.userinfo(tokens.access_token);
          if (info.sub === claims.sub) claims = { ...info, ...claims };
        }
      } catch (err) {
        throw new HttpProblem(401, `Sign-in did not complete: ${(err as Error).message}`);
      }
      return { ...personFromClaims(claims, settings), idToken };
    },
    async logoutUrl(idToken) {
      const c = await getClient().catch(() => undefined);
      if (!c?.issuer.metadata.end_session_endpoint) return undefined;
      return c.endSessionUrl({ id_token_hint: idToken, post_logout_redirect_uri: settings.postLogoutRedirectUri });
    },
  };
}
