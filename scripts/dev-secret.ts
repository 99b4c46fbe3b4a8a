// The embedded default's HS256 secret: created once and kept in data/ so that tokens minted with
// `npm run token` keep working across restarts. Production sets AUTH_JWKS_URL instead.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { newKeyEntry } from '../codec/key-ring';

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

export const DEV_PAYLOAD_KEYS_FILE = path.join(ROOT, 'data', 'dev-payload-keys');

/**
 * The embedded default's payload key ring (PAYLOAD_KEYS syntax), kept beside the SQLite file whose
 * payloads it encrypts: losing it makes every stored transfer unreadable.
 */
export function devPayloadKeys(create: boolean): { keys: string; created: boolean } | undefined {
  if (existsSync(DEV_PAYLOAD_KEYS_FILE)) return { keys: readFileSync(DEV_PAYLOAD_KEYS_FILE, 'utf8').trim(), created: false };
  if (!create) return undefined;
  mkdirSync(path.dirname(DEV_PAYLOAD_KEYS_FILE), { recursive: true });
  const keys = newKeyEntry(`dev-${new Date().toISOString().slice(0, 10)}`);
  writeFileSync(DEV_PAYLOAD_KEYS_FILE, `${keys}\n`, { mode: 0o600 });
  return { keys, created: true };
}
