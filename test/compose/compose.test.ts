// docker-compose.yml cannot run here (no container registry), so it is held to what does run:
// the Temporal version the PostgreSQL suite builds, the schema folders and search attributes its
// script sets up, and the variables config/index.ts accepts. test/postgres/compose-steps.test.ts
// runs its set-up commands against the PostgreSQL-backed server.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema, loadConfig } from '../../config';
import { SEARCH_ATTRIBUTE_KEYS, searchAttributeFlags } from '../../workflows/definitions';
import { newKeyEntry } from '../../codec';

const ROOT = path.resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SERVER_VERSION } = require('../../scripts/provision.js') as { SERVER_VERSION: string };

interface Service {
  image?: string;
  build?: string;
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  ports?: string[];
}
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const script = (name: string) => (services[name].command as string[]).join('\n');
/** What a `${VAR:-default}` would give with nothing set, as compose interpolates it. */
const unsetValue = (v: string) => v.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

test('the supported shape: server and admin-tools on PostgreSQL, UI, API, worker; no auto-setup', () => {
  expect(Object.keys(services).sort()).toEqual(
    ['api', 'postgresql', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui', 'worker'].sort(),
  );
  const pulled = Object.values(services).filter((s) => !s.build).map((s) => s.image ?? '');
  expect(pulled.some((i) => i.includes('auto-setup'))).toBe(false);
  // Pulled images are pinned; only the service's own image, built from this checkout, is not.
  for (const image of pulled) expect(image).toMatch(/^[\w./-]+:\d+(\.\d+)*$/);
});

test('the Temporal images are the version the PostgreSQL suite builds and runs', () => {
  const version = SERVER_VERSION.replace(/^v/, '');
  expect(services.temporal.image).toBe(`temporalio/server:${version}`);
  expect(services['temporal-schema'].image).toBe(`temporalio/admin-tools:${version}`);
  expect(services['temporal-namespace'].image).toBe(`temporalio/admin-tools:${version}`);
  expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
  expect(services.postgresql.image).toMatch(/^postgres:(1[2-9]|[2-9]\d)$/); // the postgres12 plugin needs 12+
});

test('the schema step sets up both databases from the folders scripts/temporal-postgres.ts uses', () => {
  const steps = script('temporal-schema');
  const source = readFileSync(path.join(ROOT, 'scripts', 'temporal-postgres.ts'), 'utf8');
  expect(source).toMatch(/\['temporal', 'temporal'\], \['temporal_visibility', 'visibility'\]/);
  for (const [db, folder] of [['temporal', 'temporal'], ['temporal_visibility', 'visibility']]) {
    expect(steps).toContain(`--db ${db} create-database`);
    expect(steps).toContain(`--db ${db} setup-schema -v 0.0`);
    expect(steps).toContain(`--db ${db} update-schema -d /etc/temporal/schema/postgresql/v12/${folder}/versioned`);
  }
  expect(steps).toContain('--plugin postgres12');
  expect(services.temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql', POSTGRES_USER: 'temporal' });
  expect(services.temporal.depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
});

test('the namespace step registers exactly the workflow\'s search attributes, with their types', () => {
  const steps = script('temporal-namespace');
  const registered = [...steps.matchAll(/--name (\w+) --type (\w+)/g)].map((m) => `${m[1]}=${m[2]}`);
  expect(registered.sort()).toEqual(searchAttributeFlags().sort());
  expect(registered).toHaveLength(SEARCH_ATTRIBUTE_KEYS.length);
  expect(steps).toMatch(/--retention/);
});

test('API and worker: every variable is one the configuration accepts, with the defaults valid', () => {
  const known = new Set([...Object.keys(configSchema.shape), 'NODE_ENV']);
  for (const name of ['api', 'worker']) {
    const env = services[name].environment!;
    expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
    // What the service would load with only the required secrets supplied.
    const values = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, unsetValue(v)]));
    if (values.AUTH_JWKS_URL?.startsWith('${')) values.AUTH_JWKS_URL = 'https://idp.example/jwks.json';
    if (values.PAYLOAD_KEYS?.startsWith('${')) values.PAYLOAD_KEYS = newKeyEntry('compose-key');
    expect(() => loadConfig(values)).not.toThrow();
    expect(services[name].depends_on).toEqual({ 'temporal-namespace': { condition: 'service_completed_successfully' } });
  }
  const api = services.api.environment!;
  const worker = services.worker.environment!;
  for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE']) expect(api[key]).toBe(worker[key]);
  expect(unsetValue(api.TEMPORAL_ADDRESS)).toBe('temporal:7233');
  expect(api.TEMPORAL_TASK_QUEUE).toBe(loadConfig({}).TEMPORAL_TASK_QUEUE);
  expect(unsetValue(services['temporal-namespace'].environment!.TEMPORAL_NAMESPACE)).toBe(unsetValue(api.TEMPORAL_NAMESPACE));
  expect(services.api.command).toEqual(['node', 'lib/api/main.js']);
  expect(services.worker.command).toContain('lib/worker/main.js');
});

test('secrets come from the environment, never from the file', () => {
  for (const [name, service] of Object.entries(services)) {
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      if (/SECRET|PASSWORD|PWD|API_KEY|JWKS/.test(key)) {
        expect(`${name}.${key}=${value}`).toMatch(/=\$\{[A-Z_]+(:\?[^}]*|:-)\}$/);
      }
    }
  }
  expect(services.api.environment!.AUTH_JWT_SECRET).toBeUndefined();
  expect(services.postgresql.environment!.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
});

test('shutdown: compose waits longer than the worker\'s grace time and the API\'s drain', () => {
  const seconds = (s: string) => Number(/^(\d+)s$/.exec(s)![1]);
  expect(seconds(services.worker.stop_grace_period!)).toBeGreaterThan(Number(services.worker.environment!.WORKER_SHUTDOWN_GRACE_SECONDS));
  expect(seconds(services.api.stop_grace_period!)).toBeGreaterThan(25);
});

test('the UI decodes through the API\'s codec endpoint', () => {
  const ui = services['temporal-ui'].environment!;
  expect(ui.TEMPORAL_ADDRESS).toBe('temporal:7233');
  expect(unsetValue(ui.TEMPORAL_CODEC_ENDPOINT)).toBe(`http://localhost:${services.api.environment!.PORT}/codec`);
});
