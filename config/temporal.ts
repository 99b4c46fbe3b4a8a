// How every process the project runs (API, worker, `npm start`) reaches Temporal, decided in one
// place so that they are all configured alike. The settings come from Temporal's environment
// configuration (@temporalio/envconfig), the same scheme as the `temporal` CLI and the other SDKs:
// a profile from a TOML file (TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml;
// TEMPORAL_PROFILE picks one), overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TEMPORAL_API_KEY and the TEMPORAL_TLS_* variables. That covers a local server, a self-hosted
// cluster with mTLS and Temporal Cloud (API key or mTLS) without code of our own for each.
import type { ConnectionOptions } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from './index';

export interface TemporalSettings {
  /** Unset when neither the environment nor a profile names a server: `npm start` runs its own. */
  address?: string;
  namespace: string;
  taskQueue: string;
  tls?: NativeConnectionOptions['tls'];
  apiKey?: string;
  metadata?: Record<string, string>;
}

// The variables config/index.ts also validates: its values win, so a Config built for a test or by
// `npm start` decides, and the environment supplies only what it does not cover.
const CONFIG_KEYS = [
  'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_CONFIG_FILE', 'TEMPORAL_PROFILE', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_NAME',
] as const;

export function temporalSettings(config: Config, env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  // Empty means unset, as in loadConfig.
  const vars = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
  );
  for (const key of CONFIG_KEYS) {
    const value = config[key];
    if (value === undefined) delete vars[key];
    else vars[key] = String(value);
  }
  const profile = loadClientConnectConfig({ overrideEnvVars: vars });
  const options = profile.connectionOptions;
  return {
    address: options.address,
    namespace: profile.namespace ?? 'default',
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    tls: options.tls,
    apiKey: typeof options.apiKey === 'string' ? options.apiKey : undefined,
    metadata: options.metadata
      ? Object.fromEntries(Object.entries(options.metadata).map(([k, v]) => [k, v.toString()]))
      : undefined,
  };
}

/** What a worker's NativeConnection and a client's Connection share: address, TLS, credentials. */
function common(settings: TemporalSettings, fallbackAddress: string) {
  return {
    address: settings.address ?? fallbackAddress,
    ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
    ...(settings.apiKey !== undefined ? { apiKey: settings.apiKey } : {}),
    ...(settings.metadata !== undefined ? { metadata: settings.metadata } : {}),
  };
}

export function nativeConnectionOptions(settings: TemporalSettings, fallbackAddress = 'localhost:7233'): NativeConnectionOptions {
  return common(settings, fallbackAddress);
}

export function clientConnectionOptions(settings: TemporalSettings, fallbackAddress = 'localhost:7233'): ConnectionOptions {
  return common(settings, fallbackAddress);
}
