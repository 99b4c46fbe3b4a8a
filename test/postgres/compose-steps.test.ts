// docker-compose.yml's set-up services, run for real: their shell commands, with the images' paths
// swapped for the binaries `npm run provision -- --postgres` built from the same release, against
// the PostgreSQL cluster and mTLS server of `npm run test:postgres`. Both must succeed, and succeed
// again on a second run (compose reruns them on every `up`).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { Connection } from '@temporalio/client';
import { loadConfig } from '../../config';
import { temporalSettings } from '../../config/temporal';
import { apiConnectionOptions } from '../../api/temporal-connection';
import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/definitions';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, '.tools', 'bin');
const services = (parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { command: string[] }>;
}).services;

function runStep(service: string, swap: [string, string][], env: Record<string, string>): { status: number | null; output: string } {
  let script = services[service].command.join('\n').replace(/\$\$/g, '$');
  for (const [from, to] of swap) script = script.split(from).join(to);
  const r = spawnSync('sh', ['-ec', script], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 90_000 });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}`.slice(-3000) };
}

test('the schema step (temporal-sql-tool on both databases) succeeds on the live cluster, twice', () => {
  const { PGHOST, PGPORT, PGPASSWORD } = process.env;
  if (!PGHOST || !PGPORT || !PGPASSWORD) throw new Error('run through `npm run test:postgres`');
  const swap: [string, string][] = [
    ['temporal-sql-tool', path.join(BIN, 'temporal-sql-tool')],
    ['--ep postgresql --port 5432', `--ep ${PGHOST} --port ${PGPORT}`],
    ['/etc/temporal/schema', path.join(ROOT, '.tools', 'temporal-server', 'schema')],
  ];
  for (let run = 0; run < 2; run++) {
    const r = runStep('temporal-schema', swap, { SQL_PASSWORD: PGPASSWORD });
    if (r.status !== 0) throw new Error(`temporal-schema run ${run + 1} failed:\n${r.output}`);
  }
});

test('the namespace step creates the namespace with its retention and every search attribute, and can run again', async () => {
  const namespace = `compose-${randomUUID()}`;
  const swap: [string, string][] = [['temporal operator', `${path.join(BIN, 'temporal')} operator`]];
  const first = runStep('temporal-namespace', swap, { TEMPORAL_NAMESPACE: namespace, TEMPORAL_RETENTION_DAYS: '7' });
  if (first.status !== 0) throw new Error(`temporal-namespace failed:\n${first.output}`);
  const again = runStep('temporal-namespace', swap, { TEMPORAL_NAMESPACE: namespace, TEMPORAL_RETENTION_DAYS: '9' });
  if (again.status !== 0) throw new Error(`temporal-namespace second run failed:\n${again.output}`);

  const connection = await Connection.connect(apiConnectionOptions(temporalSettings(loadConfig())));
  try {
    const described = await connection.workflowService.describeNamespace({ namespace });
    expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(9 * 86_400);
    const attrs = await connection.operatorService.listSearchAttributes({ namespace });
    expect(Object.keys(attrs.customAttributes ?? {}).sort()).toEqual(SEARCH_ATTRIBUTE_KEYS.map((k) => k.name).sort());
  } finally {
    await connection.close();
  }
});
