#!/usr/bin/env node
// Provisions the Temporal binaries this project runs against, from registries that are reachable
// even where Temporal's own download site is not:
//   - the `temporal` CLI (dev server), built with `go install` from the Go module proxy;
//   - Temporal's Java test server (time skipping), resolved by Maven from Maven Central.
// Both land in the git-ignored .tools/ folder. A second run does nothing and says so.
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
  if (fs.existsSync(launcher) && fs.existsSync(jar)) {
    log(`Java test server ${version} already in .tools: nothing to do`);
    return true;
  }
  const java = which('java');
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
  fs.mkdirSync(BIN, { recursive: true });
  // The SDK runs `<path> <port> --enable-time-skipping`.
  fs.writeFileSync(
    launcher,
    `#!/bin/sh\nexec "${java}" -Xss1m -XX:+UseSerialGC -cp "${libDir}/*" io.temporal.testserver.TestServer "$@"\n`,
    { mode: 0o755 },
  );
  log(`installed the Java test server ${version} into .tools`);
  return true;
}

function main() {
  if (process.env.CASE_TRANSFERS_SKIP_PROVISION === '1') {
    log('CASE_TRANSFERS_SKIP_PROVISION=1: skipped');
    return;
  }
  const cli = provisionCli();
  const jts = provisionJavaTestServer();
  if (!cli || !jts) log('provisioning incomplete (see above); `npm install` carries on');
}

main();
