// The lint fence around workflow code: what would make replay non-deterministic is refused.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

const REFUSED: [string, RegExp][] = [
  ["import { DateTime } from 'luxon';", /Workflow files import only/],
  ["import { z } from 'zod';", /Workflow files import only/],
  ["import fs from 'node:fs';", /node:fs/],
  ["import { createActivities } from '../activities';", /only with `import type`/],
  ['export const e = process.env;', /No process/],
  ['export const t = setTimeout;', /sleep\(\) or condition\(\)/],
];
const ALLOWED = [
  "import { sleep } from '@temporalio/workflow';",
  "import type { Activities } from '../activities';",
  "import { TASK_QUEUE } from './definitions';",
];

let messages: { line: number; message: string }[];

beforeAll(() => {
  // One line per probe, so each message can be traced to its probe. ESLint's flat config is ESM,
  // which Jest's module sandbox cannot load: run the real CLI.
  const code = [...REFUSED.map(([c]) => c), ...ALLOWED].join('\n');
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--stdin', '--stdin-filename', 'workflows/case-transfer.ts', '--format', 'json'],
    { cwd: ROOT, input: code, encoding: 'utf8' },
  );
  const [result] = JSON.parse(r.stdout) as { messages: { ruleId: string | null; line: number; message: string }[] }[];
  messages = result.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals');
}, 120_000);

test.each(REFUSED.map(([code, re], i) => [code, re, i + 1] as const))('refuses %s', (_code, re, line) => {
  expect(messages.filter((m) => m.line === line).map((m) => m.message).join('\n')).toMatch(re);
});

test('allows the workflow SDK, shared definitions and type-only activity imports', () => {
  const first = REFUSED.length + 1;
  expect(messages.filter((m) => m.line >= first)).toEqual([]);
});

test('the lifecycle is pure: no Temporal import, no workflow definitions, only itself and the plain contract', () => {
  const probes = [
    "import { sleep } from '@temporalio/workflow';",
    "import { eventUpdates } from '../definitions';",
    "import type { Activities } from '../../activities';",
    "import { TASK_QUEUE } from '../contract';",
    "import { go } from './transitions';",
  ];
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--stdin', '--stdin-filename', 'workflows/lifecycle/model.ts', '--format', 'json'],
    { cwd: ROOT, input: probes.join('\n'), encoding: 'utf8' },
  );
  const [result] = JSON.parse(r.stdout) as { messages: { ruleId: string | null; line: number }[] }[];
  const refused = result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.line);
  expect(refused).toEqual([1, 2, 3]);
}, 120_000);
