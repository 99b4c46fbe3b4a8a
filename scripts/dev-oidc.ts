// Runs the local OpenID provider (scripts/dev-oidc-provider.mjs, an ES module, hence its own
// process) for `npm start` and the browser tests, and waits until it has printed its issuer.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { exitOf } from './child-exit';
import { ROOT } from './dev-secret';

export interface DevOidcOptions {
  /** 0 picks a free port. */
  port: number;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** A JSON file of example people; default scripts/dev-people.json. */
  peopleFile?: string;
}

export interface DevOidcProvider {
  issuer: string;
  stop: () => Promise<void>;
  /** Settles when the provider's process ends, whether stopped or not: with its code, or its signal. */
  exited: Promise<string>;
}

export const DEV_CLIENT_SECRET = 'dev-client-secret-not-for-production';

export function startDevOidcProvider(opts: DevOidcOptions): Promise<DevOidcProvider> {
  if (process.env.NODE_ENV === 'production') {
    return Promise.reject(new Error('the local OpenID provider is refused with NODE_ENV=production: set OIDC_ISSUER_URL'));
  }
  const child = spawn(process.execPath, ['--no-warnings', path.join(ROOT, 'scripts', 'dev-oidc-provider.mjs')], {
    env: {
      ...process.env,
      DEV_OIDC_PORT: String(opts.port),
      DEV_OIDC_CLIENT_ID: opts.clientId,
      DEV_OIDC_CLIENT_SECRET: opts.clientSecret,
      DEV_OIDC_REDIRECT_URIS: opts.redirectUris.join(','),
      DEV_OIDC_POST_LOGOUT_URIS: opts.postLogoutRedirectUris.join(','),
      ...(opts.peopleFile ? { DEV_OIDC_PEOPLE: opts.peopleFile } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = exitOf(child);
  // If this process ends without stopping it, the provider must not outlive it.
  process.once('exit', () => child.exitCode === null && child.kill('SIGKILL'));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the local OpenID provider did not start: ${err || out}`));
    }, 20_000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"issuer":"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ issuer: m[1], stop, exited });
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`the local OpenID provider exited (${how}): ${err.trim()}`));
    });
  });
}
