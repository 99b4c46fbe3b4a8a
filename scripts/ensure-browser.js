#!/usr/bin/env node
// Run before `npm test`: the browser tests drive Debian's Chromium through playwright-core
// (Playwright's own browser download cannot be reached here). Installs it with apt-get when it is
// missing and this is a Debian-like machine we may install on; otherwise says what to do.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean);
const found = () => CANDIDATES.find((p) => fs.existsSync(p));

if (found()) process.exit(0);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
if (!hasApt) {
  console.error('[setup] no Chromium found and no apt-get: install Chromium and set CHROMIUM_PATH for the browser tests');
  process.exit(1);
}
const sudo = isRoot ? [] : ['sudo', '-n'];
const run = (args) => {
  const [cmd, ...rest] = [...sudo, ...args];
  return spawnSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
};
process.stdout.write('[setup] installing Chromium for the browser tests (apt-get install chromium)...\n');
if (!run(['apt-get', 'install', '-y', '-qq', 'chromium'])) {
  if (!run(['apt-get', 'update', '-qq']) || !run(['apt-get', 'install', '-y', '-qq', 'chromium'])) {
    console.error('[setup] could not install Chromium: install it (apt-get install chromium) or set CHROMIUM_PATH');
    process.exit(1);
  }
}
if (!found()) {
  console.error('[setup] Chromium was installed but not found at /usr/bin/chromium: set CHROMIUM_PATH');
  process.exit(1);
}
