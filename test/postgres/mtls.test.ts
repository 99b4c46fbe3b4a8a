// The TLS path, for real: the PostgreSQL-backed server of `npm run test:postgres` requires client
// certificates signed by the run's own CA. The API and worker processes reach it through a Temporal
// environment-configuration profile alone; anything without a certificate from that CA is refused.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { loadClientConfig } from '@temporalio/envconfig';
import { loadConfig } from '../../config';
import { temporalSettings } from '../../config/temporal';
import { apiConnectionOptions } from '../../api/temporal-connection';
import { makeCertificates } from '../../scripts/temporal-postgres';
import { transferBody } from '../api/helpers';
import { londonToday, plusDays, TEAMS, tokenFor } from '../support/fixtures';
import { startApiProcess, startWorkerProcess, waitForReadiness, type ServiceProcess } from './processes';

jest.setTimeout(120_000);

const configFile = process.env.TEMPORAL_CONFIG_FILE;
const profileName = process.env.TEMPORAL_PROFILE;
const started: ServiceProcess[] = [];
const scratch = mkdtempSync(path.join(os.tmpdir(), 'ct-mtls-'));

afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
  rmSync(scratch, { recursive: true, force: true });
});

function profile() {
  if (!configFile || !profileName) throw new Error('run through `npm run test:postgres`, which starts the server with mTLS and a profile');
  const p = loadClientConfig({ configSource: { path: configFile } }).profiles[profileName];
  const tls = p.tls as { clientCert: { path: string }; clientKey: { path: string }; serverCACert: { path: string }; serverName: string };
  return { address: p.address!, namespace: p.namespace!, ca: tls.serverCACert.path, crt: tls.clientCert.path, key: tls.clientKey.path };
}

/** Connects with the settings a service process would derive from `env`, and asks the server who it is. */
async function reachable(env: Record<string, string>): Promise<boolean> {
  const settings = temporalSettings(loadConfig(env), env);
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ ...apiConnectionOptions(settings), connectTimeout: '3s' });
    await connection.withDeadline(Date.now() + 3000, () => connection!.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

// Only a profile: no TEMPORAL_ADDRESS or TEMPORAL_NAMESPACE in the environment.
const profileOnly = () => ({ TEMPORAL_ADDRESS: undefined, TEMPORAL_NAMESPACE: undefined, TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: profileName });

test('API and worker processes configured by the profile alone run a transfer over mTLS', async () => {
  const queue = `mtls-${randomUUID()}`;
  const env = { ...profileOnly(), TEMPORAL_TASK_QUEUE: queue };
  const worker = startWorkerProcess('worker-mtls', env);
  started.push(worker);
  const api = await startApiProcess('api-mtls', env);
  started.push(api);
  await waitForReadiness(api, 200);

  const body = transferBody({ overrides: { transferId: randomUUID() } });
  const integration = await tokenFor('lcs', ['integration']);
  const res = await fetch(`${api.url}/v1/transfers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${integration}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  // An update is answered by the workflow, so this proves the worker's connection too.
  const today = londonToday();
  const notified = await fetch(`${api.url}/v1/transfers/${body.transferId}/notification`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await tokenFor('tm-cy', ['team-manager'], [TEAMS.cin])}`, 'content-type': 'application/json' },
    body: JSON.stringify({ notifiedOn: today, windowEnd: plusDays(today, 28) }),
  });
  expect(notified.status).toBe(200);
  expect(((await notified.json()) as { status: string }).status).toBe('notified');
});

test('the same settings from TEMPORAL_TLS_* variables, without a file, are accepted', async () => {
  const p = profile();
  expect(
    await reachable({
      TEMPORAL_ADDRESS: p.address,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: p.ca,
      TEMPORAL_TLS_CLIENT_CERT_PATH: p.crt,
      TEMPORAL_TLS_CLIENT_KEY_PATH: p.key,
    }),
  ).toBe(true);
});

test('without a client certificate, in plain text, or with a certificate from another CA, the server refuses', async () => {
  const p = profile();
  const other = makeCertificates(path.join(scratch, 'other'), 'some-other-ca');
  expect(await reachable({ TEMPORAL_ADDRESS: p.address })).toBe(false);
  expect(await reachable({ TEMPORAL_ADDRESS: p.address, TEMPORAL_TLS_SERVER_NAME: 'localhost', TEMPORAL_TLS_SERVER_CA_CERT_PATH: p.ca })).toBe(false);
  expect(
    await reachable({
      TEMPORAL_ADDRESS: p.address,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: p.ca,
      TEMPORAL_TLS_CLIENT_CERT_PATH: other.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: other.clientKey,
    }),
  ).toBe(false);
});

test('an API process without the profile starts but is not ready', async () => {
  const api = await startApiProcess('api-plain', { TEMPORAL_CONFIG_FILE: undefined, TEMPORAL_PROFILE: undefined });
  started.push(api);
  await waitForReadiness(api, 503);
});
