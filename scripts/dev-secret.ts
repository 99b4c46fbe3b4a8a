// The embedded default's HS256 secret: created once and kept in data/ so that tokens minted with
// `npm run token` keep working across restarts. Production sets AUTH_JWKS_URL instead.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', existsSync(path.resolve(__dirname, '..', 'package.json')) ? '' : '..');
export const DEV_SECRET_FILE = path.join(ROOT, 'data', 'dev-jwt-secret');

export function devSecret(create: boolean): { secret: string; created: boolean } | undefined {
  if (existsSync(DEV_SECRET_FILE)) return { secret: readFileSync(DEV_SECRET_FILE, 'utf8').trim(), created: false };
  if (!create) return undefined;
  mkdirSync(path.dirname(DEV_SECRET_FILE), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(DEV_SECRET_FILE, `${secret}\n`, { mode: 0o600 });
  return { secret, created: true };
}
