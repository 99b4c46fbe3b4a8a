#!/usr/bin/env node
// Run before `npm start` and `npm test`: installs dependencies when node_modules is missing or older
// than package-lock.json, then makes sure the Temporal binaries are provisioned. Node builtins only,
// because it runs before anything is installed.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const lock = path.join(ROOT, 'package-lock.json');
const installedLock = path.join(ROOT, 'node_modules', '.package-lock.json');

function stale() {
  if (!fs.existsSync(installedLock)) return true;
  return fs.statSync(lock).mtimeMs > fs.statSync(installedLock).mtimeMs;
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
if (stale()) {
  // Exactly the committed lock, which holds every platform's optional packages (test/install).
  process.stdout.write('[setup] installing dependencies (npm ci)...\n');
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
} else {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'provision.js')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
