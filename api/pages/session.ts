// Sessions for the pages: the signed-in person in a cookie that is signed (HS256) and then
// encrypted (A256GCM), so it can be neither read nor altered by the browser, and that expires
// after a short lifetime. The sign-in round trip (state, nonce, PKCE verifier) uses the same seal
// in a second, ten-minute cookie. No server-side store: any API process can read any session.
import { hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { compactDecrypt, CompactEncrypt, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { Request, Response } from 'express';
import type { Role } from '../../workflows/definitions';

export interface PageSession {
  sub: string;
  name?: string;
  roles: Role[];
  teams: string[];
  /** The CSRF token every form on the pages carries. */
  csrf: string;
  /** For the provider's logout (id_token_hint). */
  idToken?: string;
}

export interface SignInFlow {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

export const SESSION_COOKIE = 'ct_session';
export const FLOW_COOKIE = 'ct_signin';

export interface Sealer {
  seal(value: object, lifetimeSeconds: number): Promise<string>;
  /** The value, or undefined when the cookie was tampered with, is from another key, or expired. */
  unseal<T>(sealed: string): Promise<T | undefined>;
}

export function createSealer(secret: string): Sealer {
  if (secret.length < 32) throw new Error('The session secret must be at least 32 characters');
  const derive = (info: string) => new Uint8Array(hkdfSync('sha256', secret, 'case-transfers-pages', info, 32));
  const signKey = derive('session-signing');
  const encKey = derive('session-encryption');
  return {
    async seal(value, lifetimeSeconds) {
      const jws = await new SignJWT({ v: value } as unknown as JWTPayload)
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt()
        .setExpirationTime(`${lifetimeSeconds}s`)
        .sign(signKey);
      return new CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' }).encrypt(encKey);
    },
    async unseal<T>(sealed: string) {
      try {
        const { plaintext } = await compactDecrypt(sealed, encKey);
        const { payload } = await jwtVerify(new TextDecoder().decode(plaintext), signKey, { algorithms: ['HS256'] });
        return (payload as { v?: T }).v;
      } catch {
        return undefined;
      }
    },
  };
}

export function newCsrfToken(): string {
  return randomBytes(24).toString('base64url');
}

export function csrfMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

export function setCookie(res: Response, name: string, value: string, opts: { maxAgeSeconds: number; secure: boolean }): void {
  // Lax: the provider's redirect back to the callback is a top-level GET and must carry the flow cookie.
  res.cookie(name, value, { httpOnly: true, sameSite: 'lax', secure: opts.secure, path: '/app', maxAge: opts.maxAgeSeconds * 1000 });
}

export function clearCookie(res: Response, name: string, secure: boolean): void {
  res.clearCookie(name, { httpOnly: true, sameSite: 'lax', secure, path: '/app' });
}

/** Only a path inside the pages: never another origin, never a protocol-relative URL. */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || !/^\/app(\/[A-Za-z0-9._~%!$&'()*+,;=:@/?-]*)?$/.test(value) || value.includes('//')) return '/app/my-work';
  return value;
}
