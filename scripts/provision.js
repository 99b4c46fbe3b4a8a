#!/usr/bin/env node
// Provisions the Temporal binaries this project runs against, from registries that are reachable
// even where Temporal's own download site is not:
//   - the `temporal` CLI (dev server), built with `go install` from the Go module proxy;
//   - Temporal's Java test server (time skipping), resolved by Maven from Maven Central;
//   - with --postgres: the Temporal server and temporal-sql-tool (Go module proxy) and PostgreSQL
//     (Debian, when missing and run as root), for the PostgreSQL suite.
// They land in the git-ignored .tools/ folder. A second run does nothing and says so.
// Missing Go or Java never fails `npm install`: the script explains what to install instead and
// the tests fall back to the SDK's own download.
'use strict';

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const TOOLS = path.join(ROOT, '.tools');
const BIN = path.join(TOOLS, 'bin');
const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
// v1.5.1 is the newest CLI whose go.mod has no `replace` directive; later ones refuse `go install`.
const CLI_VERSIONS = ['v1.5.1', 'v1.4.1', 'v1.3.0'];
// `go install` builds report their CLI version as 0.0.0-DEV, so suitability is judged by the
// embedded server's version (CLI 1.3.0 embeds server 1.27).
const MIN_SERVER = [1, 27, 0];
const JAVA_POM_DIR = path.join(__dirname, 'java-test-server');

function log(msg) {
  process.stdout.write(`[provision] ${msg}\n`);
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function cliVersion(binary) {
  try {
    const out = execFileSync(binary, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /Server (\d+)\.(\d+)\.(\d+)/.exec(out);
    return m ? { text: out.trim(), parts: m.slice(1, 4).map(Number) } : undefined;
  } catch {
    return undefined;
  }
}

function atLeast(parts, min) {
  for (let i = 0; i < min.length; i++) {
    if (parts[i] !== min[i]) return parts[i] > min[i];
  }
  return true;
}

function linkInto(binDir, name, target) {
  const dest = path.join(binDir, name);
  fs.rmSync(dest, { force: true });
  fs.writeFileSync(dest, `#!/bin/sh\nexec "${target}" "$@"\n`, { mode: 0o755 });
}

function provisionCli() {
  const local = path.join(BIN, 'temporal');
  const localVersion = fs.existsSync(local) ? cliVersion(local) : undefined;
  if (localVersion && atLeast(localVersion.parts, MIN_SERVER)) {
    log(`temporal CLI already in .tools/bin (${localVersion.text.split('\n')[0]}): nothing to do`);
    return true;
  }
  const onPath = process.env.TEMPORAL_CLI_PATH || which('temporal');
  const pathVersion = onPath ? cliVersion(onPath) : undefined;
  if (onPath && pathVersion && atLeast(pathVersion.parts, MIN_SERVER)) {
    fs.mkdirSync(BIN, { recursive: true });
    linkInto(BIN, 'temporal', onPath);
    log(`using ${onPath} (${pathVersion.text.split('\n')[0]})`);
    return true;
  }
  const go = which('go');
  if (!go) {
    log('no suitable `temporal` on PATH and no Go toolchain: install Go (https://go.dev/dl/) and re-run');
    log('`npm run provision`, or put a `temporal` CLI >= 1.3 (server >= 1.27) on PATH. Tests will try the SDK download.');
    return false;
  }
  fs.mkdirSync(BIN, { recursive: true });
  const errors = [];
  for (const version of CLI_VERSIONS) {
    log(`building the temporal CLI ${version} with go install (first time only; a few minutes)...`);
    const r = spawnSync(go, ['install', `${CLI_MODULE}@${version}`], {
      stdio: ['ignore', 'inherit', 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, GOBIN: BIN, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
    });
    if (r.status === 0) {
      fs.writeFileSync(path.join(TOOLS, 'temporal-cli.version'), `${version}\n`);
      log(`installed temporal CLI ${version} (${cliVersion(local)?.text.split('\n')[0] ?? '?'}) into .tools/bin`);
      return true;
    }
    errors.push(`${version}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
    log(`go install ${version} failed: ${errors[errors.length - 1]}`);
  }
  log('every CLI version was refused; see the errors above');
  return false;
}

function provisionJavaTestServer() {
  const launcher = path.join(BIN, 'temporal-test-server');
  const libDir = path.join(TOOLS, 'java-test-server', 'lib');
  const pom = fs.readFileSync(path.join(JAVA_POM_DIR, 'pom.xml'), 'utf8');
  const version = /<temporal\.test-server\.version>([^<]+)</.exec(pom)[1];
  const jar = path.join(libDir, `temporal-test-server-${version}.jar`);
  const archive = path.join(TOOLS, 'java-test-server', 'classes.jsa');
  if (fs.existsSync(launcher) && fs.existsSync(jar) && fs.existsSync(archive)) {
    log(`Java test server ${version} already in .tools: nothing to do`);
    return true;
  }
  const java = which('java');
  if (java && fs.existsSync(launcher) && fs.existsSync(jar)) {
    writeTestServerLauncher(java, libDir, launcher, archive);
    return true;
  }
  const mvn = which('mvn');
  if (!java || !mvn) {
    log('Java and Maven are needed for the time-skipping test server; install a JDK >= 17 and Maven,');
    log('then run `npm run provision`. Tests will try the SDK download.');
    return false;
  }
  log(`resolving io.temporal:temporal-test-server:${version} with Maven...`);
  fs.rmSync(libDir, { recursive: true, force: true });
  const r = spawnSync(
    mvn,
    ['-B', '-q', '-f', path.join(JAVA_POM_DIR, 'pom.xml'), 'dependency:copy-dependencies',
      `-DoutputDirectory=${libDir}`, '-DincludeScope=runtime'],
    { stdio: 'inherit' },
  );
  if (r.status !== 0 || !fs.existsSync(jar)) {
    log('Maven could not resolve the Java test server (see above)');
    return false;
  }
  writeTestServerLauncher(java, libDir, launcher, archive);
  log(`installed the Java test server ${version} into .tools`);
  return true;
}

const JVM_FLAGS = '-Xss1m -XX:+UseSerialGC';

/**
 * The SDK gives the test server 5 s to listen. A busy two-core machine needs 10 s or more to start
 * a cold JVM, and about a third of that with a class-data archive of the server's own classes, so
 * one is recorded here (a start and stop of the server) and the launcher uses it. A JVM that finds
 * the archive stale ignores it and starts as before.
 */
function writeTestServerLauncher(java, libDir, launcher, archive) {
  const classpath = `${libDir}/*`;
  const record = spawnSync(process.execPath, ['-e', `
    const { spawn } = require('node:child_process');
    const net = require('node:net');
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = srv.address().port;
      srv.close(() => {
        const jvm = spawn(${JSON.stringify(java)}, [...${JSON.stringify(JVM_FLAGS.split(' '))},
          '-XX:ArchiveClassesAtExit=${archive}', '-Xlog:cds=off', '-Xlog:cds+dynamic=off',
          '-cp', ${JSON.stringify(classpath)}, 'io.temporal.testserver.TestServer', String(port)], { stdio: 'ignore' });
        const giveUp = setTimeout(() => jvm.kill('SIGKILL'), 120000);
        jvm.on('exit', () => { clearTimeout(giveUp); clearInterval(poll); });
        const poll = setInterval(() => {
          const c = net.connect(port, '127.0.0.1', () => { c.destroy(); clearInterval(poll); setTimeout(() => jvm.kill('SIGTERM'), 1000); });
          c.on('error', () => {});
        }, 200);
      });
    });`], { stdio: 'inherit', timeout: 150000 });
  const cds = record.status === 0 && fs.existsSync(archive)
    ? ` -XX:SharedArchiveFile="${archive}" -Xlog:cds=off -Xlog:cds+dynamic=off`
    : '';
  if (!cds) log('no class-data archive for the test server (it starts without one, more slowly)');
  fs.mkdirSync(BIN, { recursive: true });
  // The SDK runs `<path> <port> --enable-time-skipping`.
  fs.writeFileSync(
    launcher,
    `#!/bin/sh\nexec "${java}" ${JVM_FLAGS}${cds} -cp "${classpath}" io.temporal.testserver.TestServer "$@"\n`,
    { mode: 0o755 },
  );
}

// The production-shaped server for the PostgreSQL suite (scripts/temporal-postgres.ts): the same
// version as docker-compose.yml's temporalio/server and admin-tools images.
const SERVER_MODULE = 'go.temporal.io/server';
const SERVER_VERSION = 'v1.29.1';
const SERVER_DIR = path.join(TOOLS, 'temporal-server');

function provisionTemporalServer() {
  const server = path.join(BIN, 'temporal-server');
  const sqlTool = path.join(BIN, 'temporal-sql-tool');
  const schema = path.join(SERVER_DIR, 'schema', 'postgresql', 'v12');
  const stamp = path.join(SERVER_DIR, 'version');
  const built = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === SERVER_VERSION;
  if (built && fs.existsSync(server) && fs.existsSync(sqlTool) && fs.existsSync(schema)) {
    log(`Temporal server and temporal-sql-tool ${SERVER_VERSION} already in .tools: nothing to do`);
    return true;
  }
  const go = which('go');
  if (!go) {
    log(`the PostgreSQL suite needs the Temporal server ${SERVER_VERSION}, built with Go: install Go and re-run`);
    log('`npm run provision -- --postgres`.');
    return false;
  }
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' };
  // Both binaries in one `go install`: one module download, one build graph (heavy on small machines).
  const scratch = path.join(SERVER_DIR, 'gobin');
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch, { recursive: true });
  log(`building the Temporal server and temporal-sql-tool ${SERVER_VERSION} with go install (first time only; several minutes)...`);
  const r = spawnSync(
    go,
    ['install', `${SERVER_MODULE}/cmd/server@${SERVER_VERSION}`, `${SERVER_MODULE}/cmd/tools/sql@${SERVER_VERSION}`],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...env, GOBIN: scratch } },
  );
  if (r.status !== 0) {
    log('go install of the Temporal server failed (see above)');
    return false;
  }
  fs.mkdirSync(BIN, { recursive: true });
  fs.renameSync(path.join(scratch, 'server'), server);
  fs.renameSync(path.join(scratch, 'sql'), sqlTool);
  fs.rmSync(scratch, { recursive: true, force: true });
  // The versioned schema folders ship in the module, not in the binaries.
  const dl = spawnSync(go, ['mod', 'download', '-json', `${SERVER_MODULE}@${SERVER_VERSION}`], { encoding: 'utf8', env });
  const dir = dl.status === 0 ? JSON.parse(dl.stdout).Dir : undefined;
  if (!dir) {
    log(`go mod download ${SERVER_MODULE}@${SERVER_VERSION} failed: ${(dl.stderr || '').trim()}`);
    return false;
  }
  fs.rmSync(schema, { recursive: true, force: true });
  fs.cpSync(path.join(dir, 'schema', 'postgresql', 'v12'), schema, { recursive: true });
  // The module cache is read-only; the copy need not be.
  spawnSync('chmod', ['-R', 'u+w', SERVER_DIR]);
  fs.writeFileSync(stamp, `${SERVER_VERSION}\n`);
  log(`installed temporal-server and temporal-sql-tool ${SERVER_VERSION} into .tools/bin, schemas into .tools/temporal-server`);
  return true;
}

/** The directory holding initdb and pg_ctl, if PostgreSQL is installed. */
function postgresBinDir() {
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const candidates = [];
  if (fromConfig.status === 0) candidates.push(fromConfig.stdout.trim());
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian)) {
    for (const v of fs.readdirSync(debian).sort((a, b) => Number(b) - Number(a))) candidates.push(path.join(debian, v, 'bin'));
  }
  const initdb = which('initdb');
  if (initdb) candidates.push(path.dirname(fs.realpathSync(initdb)));
  return candidates.find((d) => fs.existsSync(path.join(d, 'initdb')) && fs.existsSync(path.join(d, 'pg_ctl')));
}

function provisionPostgres() {
  const found = postgresBinDir();
  if (found) {
    log(`PostgreSQL found in ${found}: nothing to do`);
    return true;
  }
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !which('apt-get')) {
    log('the PostgreSQL suite needs PostgreSQL 12 or later (initdb, pg_ctl): on Debian or Ubuntu');
    log('`sudo apt-get install postgresql`, on macOS `brew install postgresql@15`; then re-run.');
    return false;
  }
  log('installing PostgreSQL from Debian (apt-get install postgresql)...');
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { stdio: 'inherit', env: aptEnv }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env: aptEnv });
    if (!install()) {
      log('apt-get could not install postgresql (see above)');
      return false;
    }
  }
  return Boolean(postgresBinDir());
}

function main() {
  if (process.env.CASE_TRANSFERS_SKIP_PROVISION === '1') {
    log('CASE_TRANSFERS_SKIP_PROVISION=1: skipped');
    return;
  }
  // The PostgreSQL toolchain is needed only by `npm run test:postgres` (and CI), which asks for it.
  if (process.argv.includes('--postgres')) {
    const pg = provisionPostgres();
    const server = provisionTemporalServer();
    if (!pg || !server) {
      log('the PostgreSQL suite cannot run until the above is installed');
      process.exitCode = 1;
    }
    return;
  }
  const cli = provisionCli();
  const jts = provisionJavaTestServer();
  if (!cli || !jts) log('provisioning incomplete (see above); `npm install` carries on');
}

module.exports = { postgresBinDir, SERVER_VERSION };

if (require.main === module) main();
