// A locked install: package-lock.json must hold every platform's optional native packages (npm
// resolves them per platform at install time), so that `npm ci` accepts it anywhere and `npm install`
// leaves it unchanged. `.ci/run` also installs for real and fails if the lock changes.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, { version?: string; optionalDependencies?: Record<string, string>; dependencies?: Record<string, string>; devDependencies?: Record<string, string> }>;
};

/** Where Node would find `name` from the package at `from` (nested first, then each parent). */
function resolve(from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

test('the lock describes package.json exactly (what npm ci checks)', () => {
  expect(lock.lockfileVersion).toBe(3);
  expect(lock.packages[''].dependencies).toEqual(pkg.dependencies);
  expect(lock.packages[''].devDependencies).toEqual(pkg.devDependencies);
});

test('every optional dependency of every locked package is itself locked, for every platform', () => {
  const missing: string[] = [];
  for (const [at, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      if (!resolve(at, name)) missing.push(`${at || '(root)'} -> ${name}`);
    }
  }
  expect(missing).toEqual([]);
});

test('the Temporal SDK packages are locked at one version', () => {
  const versions = new Set(
    Object.entries(lock.packages)
      .filter(([at]) => /node_modules\/@temporalio\/[^/]+$/.test(at))
      .map(([, e]) => e.version),
  );
  expect([...versions]).toEqual(['1.24.0']);
});
