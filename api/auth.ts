// Bearer-token authentication: JWKS (RS256/ES256) in production, an HS256 secret otherwise.
// The actor of every event is built from the verified token, never from a request body.
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { ROLES, type Role } from '../workflows/definitions';
import { HttpProblem } from './problem';

export interface Principal {
  sub: string;
  name?: string;
  roles: Role[];
  teams: string[];
}

export interface AuthSettings {
  jwksUrl?: string;
  secret?: string;
  issuer: string;
  audience: string;
  /** The longest a token may live, from its `iat` (or from now) to its `exp`; default 24 h. */
  maxLifetimeSeconds?: number;
}

const claimsSchema = z.object({
  sub: z.string().min(1),
  name: z.string().optional(),
  roles: z.array(z.string()).default([]),
  teams: z.array(z.string()).default([]),
});

export type TokenVerifier = (token: string) => Promise<Principal>;

export const DEFAULT_MAX_LIFETIME_SECONDS = 24 * 3600;

export function invalidToken(detail: string, error: 'invalid_token' | 'invalid_request' = 'invalid_token'): HttpProblem {
  const challenge = detail.startsWith('A bearer') ? 'Bearer realm="case-transfers"' : `Bearer realm="case-transfers", error="${error}"`;
  return new HttpProblem(401, detail, {}, { 'WWW-Authenticate': challenge });
}

export function createVerifier(settings: AuthSettings): TokenVerifier {
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (settings.jwksUrl) {
    key = createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 3000 });
    algorithms = ['RS256', 'ES256'];
  } else if (settings.secret) {
    key = new TextEncoder().encode(settings.secret);
    algorithms = ['HS256'];
  } else {
    throw new Error('Set AUTH_JWKS_URL or AUTH_JWT_SECRET');
  }
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as Uint8Array, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms,
        // A token without an expiry would be good for ever once leaked.
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'invalid';
      // The identity provider's key set cannot be had: the token may be fine, so not a 401.
      if (settings.jwksUrl && (code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JWKS_INVALID' || !code.startsWith('ERR_J'))) {
        throw new HttpProblem(503, 'The identity provider\'s keys cannot be fetched; try again shortly', {}, { 'Retry-After': '5' });
      }
      if (code === 'ERR_JWT_EXPIRED') throw invalidToken('The token has expired');
      if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && (err as { claim?: string }).claim === 'exp') {
        throw invalidToken('The token has no expiry (exp)');
      }
      throw invalidToken('The token is not valid');
    }
    const maxLifetime = settings.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS;
    const now = Math.floor(Date.now() / 1000);
    const issuedAt = typeof payload.iat === 'number' ? Math.min(payload.iat, now) : now;
    if (payload.exp! - issuedAt > maxLifetime || payload.exp! - now > maxLifetime) {
      throw invalidToken(`The token lives longer than the ${maxLifetime} s this service accepts`);
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw invalidToken('The token lacks the sub, roles or teams claims');
    const roles = claims.data.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r));
    return { sub: claims.data.sub, name: claims.data.name, roles, teams: claims.data.teams };
  };
}

export async function mintToken(
  secret: string,
  claims: { sub: string; name?: string; roles: string[]; teams: string[] },
  opts: { issuer?: string; audience?: string; expiresIn?: string } = {},
): Promise<string> {
  return new SignJWT({ name: claims.name, roles: claims.roles, teams: claims.teams })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuer(opts.issuer ?? 'case-transfers')
    .setAudience(opts.audience ?? 'case-transfers-api')
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '8h')
    .sign(new TextEncoder().encode(secret));
}

/**
 * Failed authentications per key (a client address) in fixed windows. Only failures count, when
 * they happen, so any number of good requests at once never trips it.
 */
export function authFailureCounter(opts: { limit: number; windowMs: number }) {
  const windows = new Map<string, { failures: number; resetAt: number }>();
  const current = (key: string, now: number) => {
    const w = windows.get(key);
    return w && w.resetAt > now ? w : undefined;
  };
  return {
    /** Seconds until the key may try again, or 0 when it may now. */
    blockedFor(key: string, now = Date.now()): number {
      const w = current(key, now);
      return w && w.failures >= opts.limit ? Math.max(1, Math.ceil((w.resetAt - now) / 1000)) : 0;
    },
    fail(key: string, now = Date.now()): void {
      const w = current(key, now);
      if (w) w.failures += 1;
      else {
        if (windows.size > 10_000) for (const [k, old] of windows) if (old.resetAt <= now) windows.delete(k);
        windows.set(key, { failures: 1, resetAt: now + opts.windowMs });
      }
    },
  };
}
