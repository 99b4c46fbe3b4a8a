// How the API, the worker and `npm start` reach Temporal: a Temporal environment-configuration
// profile (TOML), the TEMPORAL_* variables over it, and an explicit Config over both.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../config';
import { temporalSettings } from '../../config/temporal';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ct-envconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const ca = file('ca.pem', 'CA PEM');
const crt = file('client.pem', 'CLIENT PEM');
const key = file('client.key', 'CLIENT KEY');
const toml = file(
  'temporal.toml',
  [
    '[profile.default]',
    'address = "default.example:7233"',
    '',
    '[profile.cloud]',
    'address = "ns.acct.tmprl.cloud:7233"',
    'namespace = "ns.acct"',
    '[profile.cloud.tls]',
    'server_name = "ns.acct.tmprl.cloud"',
    `server_ca_cert_path = ${JSON.stringify(ca)}`,
    `client_cert_path = ${JSON.stringify(crt)}`,
    `client_key_path = ${JSON.stringify(key)}`,
    '',
  ].join('\n'),
);

const settingsOf = (env: Record<string, string>) => temporalSettings(loadConfig(env), env);

test('a named profile supplies address, namespace and the mTLS pair', () => {
  const s = settingsOf({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud' });
  expect(s).toMatchObject({ address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct', taskQueue: 'case-transfers' });
  expect(s.tls).toMatchObject({ serverNameOverride: 'ns.acct.tmprl.cloud' });
  const tls = s.tls as { serverRootCACertificate: Buffer; clientCertPair: { crt: Buffer; key: Buffer } };
  expect(Buffer.from(tls.serverRootCACertificate).toString()).toBe('CA PEM');
  expect(Buffer.from(tls.clientCertPair.crt).toString()).toBe('CLIENT PEM');
  expect(Buffer.from(tls.clientCertPair.key).toString()).toBe('CLIENT KEY');
});

test('without TEMPORAL_PROFILE the file\'s default profile is used', () => {
  expect(settingsOf({ TEMPORAL_CONFIG_FILE: toml })).toMatchObject({ address: 'default.example:7233', namespace: 'default', tls: undefined });
});

test('variables override the profile; an API key alone turns TLS on (Temporal Cloud)', () => {
  const s = settingsOf({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_ADDRESS: 'eu-west-2.aws.api.temporal.io:7233', TEMPORAL_NAMESPACE: 'ns2.acct', TEMPORAL_API_KEY: 'k-123' });
  expect(s).toMatchObject({ address: 'eu-west-2.aws.api.temporal.io:7233', namespace: 'ns2.acct', apiKey: 'k-123', tls: true });
});

test('certificate paths from the environment, without any file', () => {
  const s = settingsOf({ HOME: dir, TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca, TEMPORAL_TLS_CLIENT_CERT_PATH: crt, TEMPORAL_TLS_CLIENT_KEY_PATH: key });
  const tls = s.tls as { clientCertPair: { crt: Uint8Array } };
  expect(Buffer.from(tls.clientCertPair.crt).toString()).toBe('CLIENT PEM');
});

test('an explicit Config wins over the process environment it was not built from', () => {
  const env = { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud', TEMPORAL_ADDRESS: 'from-env:7233' };
  const config = loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1234', HOME: dir });
  const s = temporalSettings(config, env);
  expect(s).toMatchObject({ address: '127.0.0.1:1234', namespace: 'default', tls: undefined });
});

test('no address anywhere leaves it unset (npm start then runs its own server)', () => {
  expect(settingsOf({ HOME: dir }).address).toBeUndefined();
});

test('half a client certificate pair is a configuration error naming the missing half', () => {
  expect(() => loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: crt })).toThrow(ConfigError);
  expect(() => loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: crt })).toThrow(/TEMPORAL_TLS_CLIENT_KEY_PATH/);
  expect(() => loadConfig({ TEMPORAL_TLS: 'maybe' })).toThrow(/TEMPORAL_TLS: must be true or false/);
});

test('a profile that does not exist is refused by name', () => {
  expect(() => settingsOf({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'nope' })).toThrow(/nope/);
});
