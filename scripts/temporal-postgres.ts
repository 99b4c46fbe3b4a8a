// A throwaway production-shaped Temporal: a PostgreSQL cluster and the Temporal server (v1.29.1,
// the version docker-compose.yml runs) on free ports, both schemas set up with temporal-sql-tool,
// the namespace created with its retention and the search attributes registered. By default the
// frontend speaks mTLS with certificates from a self-signed CA made for the run, and clients reach it
// through a Temporal environment-configuration profile (TOML), exactly as a deployment would.
//
//   npm run test:postgres                           the API suite, scale-out and mTLS tests against it
//   node lib/scripts/temporal-postgres.js [--no-tls] [-- command ...]      (after `npm run build`)
//       runs the command with TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE,
//       TEMPORAL_CONFIG_FILE and TEMPORAL_PROFILE (and PGHOST, PGPORT, PGUSER, PGPASSWORD) set,
//       then stops everything; with no command it prints those and runs until Ctrl-C.
//
// Binaries come from `npm run provision -- --postgres` (.tools/bin); nothing outlives the run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, openSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { loadConfig } from '../config';
import { portToBindLater, portsToBindLater } from './ports';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/definitions';

const ROOT = path.resolve(__dirname, '..').replace(/[\\/]lib$/, '');
const BIN = path.join(ROOT, '.tools', 'bin');
const SCHEMA = path.join(ROOT, '.tools', 'temporal-server', 'schema', 'postgresql', 'v12');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { postgresBinDir } = require(path.join(ROOT, 'scripts', 'provision.js')) as { postgresBinDir: () => string | undefined };

export const PROFILE = 'case-transfers-postgres';

export interface PostgresTemporalOptions {
  namespace?: string;
  taskQueue?: string;
  retentionDays?: number;
  /** mTLS on the frontend (default true). */
  tls?: boolean;
  /** Where logs and certificates go; a fresh temporary directory by default. */
  dir?: string;
  log?: (msg: string) => void;
}

export interface Certificates {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

export interface PostgresTemporal {
  address: string;
  namespace: string;
  taskQueue: string;
  dir: string;
  postgres: { host: string; port: number; user: string; password: string };
  /** Set with TLS: the profile file clients load, and the certificates behind it. */
  configFile?: string;
  certs?: Certificates;
  /** The variables a process needs to use this server, as `npm start`, the API and the worker read them. */
  env: Record<string, string>;
  stop: () => Promise<void>;
}

function binary(name: string): string {
  const file = path.join(BIN, name);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run provision -- --postgres\``);
  return file;
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; asUser?: string } = {}): string {
  const [file, argv] = opts.asUser ? ['runuser', ['-u', opts.asUser, '--', cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { encoding: 'utf8', env: { ...process.env, ...opts.env } });
  if (r.status !== 0) {
    throw new Error(`${path.basename(cmd)} ${args.slice(0, 3).join(' ')} failed (${r.status}): ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  }
  return r.stdout;
}

/** A CA, a server certificate for localhost/127.0.0.1 and a client certificate, all signed by it. */
export function makeCertificates(dir: string, caName = 'case-transfers-test-ca'): Certificates {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('openssl', ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', `/CN=${caName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const leaf = (name: string, cn: string, ext: string) => {
    writeFileSync(f(`${name}.ext`), ext);
    run('openssl', ['req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`]);
    run('openssl', ['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
      '-days', '2', '-out', f(`${name}.pem`), '-extfile', f(`${name}.ext`)]);
  };
  // The server's certificate also serves its own internal clients (the system worker).
  leaf('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  leaf('client', 'case-transfers', 'extendedKeyUsage=clientAuth\n');
  return {
    caCert: f('ca.pem'), caKey: f('ca.key'),
    serverCert: f('server.pem'), serverKey: f('server.key'),
    clientCert: f('client.pem'), clientKey: f('client.key'),
  };
}

/** A Temporal environment-configuration file with one profile (TOML; strings JSON-quoted). */
export function profileToml(profile: string, p: { address: string; namespace: string; certs?: Certificates }): string {
  const q = JSON.stringify;
  const lines = [`[profile.${profile}]`, `address = ${q(p.address)}`, `namespace = ${q(p.namespace)}`];
  if (p.certs) {
    lines.push(
      '',
      `[profile.${profile}.tls]`,
      `server_name = "localhost"`,
      `server_ca_cert_path = ${q(p.certs.caCert)}`,
      `client_cert_path = ${q(p.certs.clientCert)}`,
      `client_key_path = ${q(p.certs.clientKey)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

interface Postgres {
  host: string;
  port: number;
  user: string;
  password: string;
  stop: () => void;
}

async function startPostgres(dir: string): Promise<Postgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed: run `npm run provision -- --postgres` (installs it as root) or `apt-get install postgresql`');
  // initdb and postgres refuse to run as root; Debian's package creates the postgres user for this.
  const asUser = process.getuid?.() === 0 ? 'postgres' : undefined;
  const data = path.join(dir, 'pgdata');
  // mkdtemp makes the run's directory private to us; the postgres user must be able to enter it.
  if (asUser) chmodSync(dir, 0o711);
  mkdirSync(data, { recursive: true, mode: 0o700 });
  const password = randomBytes(18).toString('base64url');
  const pwfile = path.join(dir, 'pgpass');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (asUser) {
    const uid = Number(run('id', ['-u', asUser]).trim());
    const gid = Number(run('id', ['-g', asUser]).trim());
    chownSync(data, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  const user = 'temporal';
  run(path.join(bin, 'initdb'), ['-D', data, '-U', user, '--pwfile', pwfile, '--auth', 'scram-sha-256', '-E', 'UTF8', '--locale', 'C', '--no-sync'], { asUser });
  rmSync(pwfile);
  const port = await portToBindLater();
  // A throwaway cluster: durability settings off, because nothing here must survive a crash.
  const opts = `-p ${port} -k ${data} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  run(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(data, 'postgres.log'), '-w', '-t', '60', '-o', opts, 'start'], { asUser });
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    stop: () => {
      spawnSync(asUser ? 'runuser' : path.join(bin, 'pg_ctl'),
        [...(asUser ? ['-u', asUser, '--', path.join(bin, 'pg_ctl')] : []), '-D', data, '-m', 'immediate', '-w', 'stop'],
        { stdio: 'ignore' });
    },
  };
}

function setUpSchemas(pg: Postgres): void {
  const tool = binary('temporal-sql-tool');
  const base = ['--plugin', 'postgres12', '--ep', pg.host, '--port', String(pg.port), '--user', pg.user];
  const env = { SQL_PASSWORD: pg.password };
  for (const [db, folder] of [['temporal', 'temporal'], ['temporal_visibility', 'visibility']] as const) {
    run(tool, [...base, '--db', db, 'create-database'], { env });
    run(tool, [...base, '--db', db, 'setup-schema', '-v', '0.0'], { env });
    run(tool, [...base, '--db', db, 'update-schema', '-d', path.join(SCHEMA, folder, 'versioned')], { env });
  }
}

interface Ports {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** The server's configuration, after the module's config/development-postgres12.yaml (JSON is YAML). */
function serverConfig(pg: Postgres, ports: Ports, dir: string, certs?: Certificates) {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${pg.host}:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password: pg.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, extra: object = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
  });
  const client = certs ? { serverName: 'localhost', rootCaFiles: [certs.caCert] } : undefined;
  return {
    log: { stdout: false, level: 'warn', outputFile: path.join(dir, 'temporal-server.log') },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: { 'postgres-default': store('temporal', 20), 'postgres-visibility': store('temporal_visibility', 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      ...(certs
        ? {
            tls: {
              frontend: {
                server: { certFile: certs.serverCert, keyFile: certs.serverKey, requireClientAuth: true, clientCaFiles: [certs.caCert] },
                client,
              },
              systemWorker: { certFile: certs.serverCert, keyFile: certs.serverKey, client },
            },
          }
        : {}),
    },
    services: {
      frontend: rpc(ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      history: rpc(ports.history, ports.historyMembership),
      matching: rpc(ports.matching, ports.matchingMembership),
      worker: rpc(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `localhost:${ports.frontend}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: path.join(dir, 'dynamicconfig.yaml'), pollInterval: '10s' },
  };
}

// What the service relies on that a fresh server has off or slow (the CLI dev server sets the same).
const DYNAMIC_CONFIG = {
  'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }],
  'frontend.enableUpdateWorkflowExecution': [{ value: true }],
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted': [{ value: true }],
  'frontend.enableExecuteMultiOperation': [{ value: true }],
  // The suites poll listings far harder than people do; the default is 10 a second per namespace.
  'frontend.namespaceRPS.visibility': [{ value: 500 }],
};

async function waitForFrontend(connect: () => Promise<Connection>, server: ChildProcess, logFile: string, timeoutMs = 90_000): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) {
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(`the Temporal server exited with code ${server.exitCode}:\n${tail}`);
    }
    try {
      const c = await connect();
      await c.withDeadline(Date.now() + 2000, () => c.workflowService.getSystemInfo({}));
      return c;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`the Temporal server did not become ready: ${String(last)}`);
}

async function prepareNamespace(c: Connection, namespace: string, retentionDays: number): Promise<void> {
  const api = temporal.api;
  // Until the history service has joined the ring, registration can fail: retry for a while.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await c.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`) });
      break;
    } catch (err) {
      if ((err as { code?: number }).code === 6 /* ALREADY_EXISTS */) break;
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const types: Record<string, temporal.api.enums.v1.IndexedValueType> = {
    KEYWORD: api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    KEYWORD_LIST: api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
    DATETIME: api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    BOOL: api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
    INT: api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  };
  // The namespace reaches the frontend's cache within seconds; until then these calls fail.
  const ready = Date.now() + 60_000;
  let last: unknown;
  while (Date.now() < ready) {
    try {
      await c.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, types[k.type]])),
      });
      const query = SEARCH_ATTRIBUTE_KEYS.filter((k) => k.type === 'KEYWORD').map((k) => `${k.name} = 'x'`).join(' AND ');
      await c.workflowService.listWorkflowExecutions({ namespace, query, pageSize: 1 });
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  throw new Error(`namespace ${namespace} did not become usable: ${String(last)}`);
}

export async function startPostgresTemporal(opts: PostgresTemporalOptions = {}): Promise<PostgresTemporal> {
  const log = opts.log ?? (() => undefined);
  const namespace = opts.namespace ?? 'case-transfers';
  const taskQueue = opts.taskQueue ?? 'case-transfers';
  const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), 'ct-temporal-pg-'));
  const serverBin = binary('temporal-server');
  binary('temporal-sql-tool');
  let pg: Postgres | undefined;
  let server: ChildProcess | undefined;
  const stop = async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    pg?.stop();
    if (!opts.dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    log('starting PostgreSQL');
    pg = await startPostgres(dir);
    log(`PostgreSQL on ${pg.host}:${pg.port}; setting up the temporal and temporal_visibility schemas`);
    setUpSchemas(pg);
    const certs = opts.tls === false ? undefined : makeCertificates(path.join(dir, 'certs'));
    const names = ['frontend', 'frontendHttp', 'frontendMembership', 'history', 'historyMembership', 'matching',
      'matchingMembership', 'worker', 'workerMembership'] as const;
    // Temporal keeps membership ports in a PostgreSQL smallint: these are all below 32768.
    const chosen = await portsToBindLater(names.length);
    const ports = Object.fromEntries(names.map((n, i) => [n, chosen[i]])) as unknown as Ports;
    const configDir = path.join(dir, 'config');
    mkdirSync(configDir, { recursive: true });
    writeFileSync(path.join(configDir, 'production.yaml'), JSON.stringify(serverConfig(pg, ports, dir, certs), null, 2));
    writeFileSync(path.join(dir, 'dynamicconfig.yaml'), JSON.stringify(DYNAMIC_CONFIG, null, 2));
    const logFile = path.join(dir, 'temporal-server.log');
    log('starting the Temporal server');
    const out = openSync(path.join(dir, 'temporal-server.out'), 'a');
    server = spawn(serverBin, ['--root', dir, '--config', 'config', '--env', 'production', 'start'], {
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    const address = `127.0.0.1:${ports.frontend}`;
    const tls = certs
      ? {
          serverNameOverride: 'localhost',
          serverRootCACertificate: readFileSync(certs.caCert),
          clientCertPair: { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) },
        }
      : undefined;
    const connection = await waitForFrontend(() => Connection.connect({ address, tls, connectTimeout: 2000 }), server, logFile);
    try {
      log(`creating namespace ${namespace} and its search attributes`);
      await prepareNamespace(connection, namespace, opts.retentionDays ?? 30);
    } finally {
      await connection.close();
    }
    const env: Record<string, string> = {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      // libpq's names, for psql and for tests that check the database itself.
      PGHOST: pg.host,
      PGPORT: String(pg.port),
      PGUSER: pg.user,
      PGPASSWORD: pg.password,
    };
    let configFile: string | undefined;
    if (certs) {
      configFile = path.join(dir, 'temporal.toml');
      writeFileSync(configFile, profileToml(PROFILE, { address, namespace, certs }));
      Object.assign(env, { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: PROFILE });
    }
    log(`Temporal ${address}, namespace ${namespace}${certs ? ', mTLS' : ''}`);
    return {
      address,
      namespace,
      taskQueue,
      dir,
      postgres: { host: pg.host, port: pg.port, user: pg.user, password: pg.password },
      configFile,
      certs,
      env,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sep = args.indexOf('--');
  const own = sep < 0 ? args : args.slice(0, sep);
  const command = sep < 0 ? [] : args.slice(sep + 1);
  const started = Date.now();
  const pgt = await startPostgresTemporal({
    tls: !own.includes('--no-tls'),
    retentionDays: loadConfig().TEMPORAL_RETENTION_DAYS,
    log: (m) => console.log(`[temporal-postgres] ${m}`),
  });
  console.log(`[temporal-postgres] ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= pgt.stop());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stop().then(() => process.exit(130)));
  if (command.length === 0) {
    for (const [k, v] of Object.entries(pgt.env)) console.log(`export ${k}=${v}`);
    console.log('[temporal-postgres] Ctrl-C stops the server and PostgreSQL and deletes their data');
    return;
  }
  const child = spawn(command[0], command.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, ...pgt.env, CASE_TRANSFERS_TEST_SERVER: 'existing' },
  });
  const code = await new Promise<number>((resolve) => child.once('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
  if (code !== 0) {
    // The directory goes with the run: keep the server's last words.
    const log = path.join(pgt.dir, 'temporal-server.log');
    if (existsSync(log)) console.error(`[temporal-postgres] last lines of the server log:\n${readFileSync(log, 'utf8').split('\n').slice(-20).join('\n')}`);
  }
  await stop();
  process.exit(code);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
