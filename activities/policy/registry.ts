// The policies the service runs with: every policy file in one folder, read once at start-up. Several
// versions of an authority may sit side by side; each takes effect on its `effectiveFrom` day.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PolicyFileError, readPolicyText, type PolicyProblem } from './check';
import type { Policy } from './schema';

/** Policy files are `*.yaml` or `*.yml`; scenarios beside them are `*.scenarios.yaml`. */
export const isPolicyFile = (name: string): boolean => /\.ya?ml$/.test(name) && !/\.scenarios\.ya?ml$/.test(name);
export const scenariosFileFor = (policyFile: string): string => policyFile.replace(/\.ya?ml$/, '.scenarios.yaml');

/** The folder shipped with the service (`policies/` at the project root, from source or lib/). */
export function shippedPolicyDir(): string {
  for (const up of ['../..', '../../..']) {
    const dir = path.resolve(__dirname, up, 'policies');
    if (existsSync(dir)) return dir;
  }
  throw new Error(`No policies/ folder found above ${__dirname}`);
}

export class NoPolicyInForceError extends Error {
  constructor(
    readonly authority: string,
    readonly on: string,
    readonly from?: string,
  ) {
    super(
      from
        ? `The ${authority} policy does not take effect until ${from} (asked for ${on})`
        : `There is no policy for authority ${authority}`,
    );
    this.name = 'NoPolicyInForceError';
  }
}

export class PolicyRegistry {
  private readonly byAuthority = new Map<string, Policy[]>();
  private readonly files = new Map<Policy, string>();

  constructor(policies: Policy[], files: string[] = policies.map((p) => `${p.authority}@${p.policyVersion}`)) {
    const problems: PolicyProblem[] = [];
    const codes = new Map<string, string>();
    policies.forEach((p, i) => {
      const versions = this.byAuthority.get(p.authority) ?? [];
      const clash = (field: 'policyVersion' | 'effectiveFrom') => versions.find((v) => v[field] === p[field]);
      if (clash('policyVersion')) {
        problems.push({ file: files[i], path: 'policyVersion', message: `${p.authority} version ${p.policyVersion} is loaded twice` });
      } else if (clash('effectiveFrom')) {
        problems.push({
          file: files[i],
          path: 'effectiveFrom',
          message: `two ${p.authority} versions take effect on ${p.effectiveFrom} (${clash('effectiveFrom')!.policyVersion} and ${p.policyVersion})`,
        });
      }
      const owner = codes.get(p.code);
      if (owner && owner !== p.authority) {
        problems.push({ file: files[i], path: 'code', message: `code ${p.code} is already used by ${owner}` });
      }
      codes.set(p.code, p.authority);
      this.files.set(p, files[i]);
      versions.push(p);
      this.byAuthority.set(p.authority, versions);
    });
    if (problems.length) throw new PolicyFileError(problems);
    for (const versions of this.byAuthority.values()) versions.sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom));
  }

  /** The file a policy was read from (its scenarios sit beside it). */
  fileOf(policy: Policy): string | undefined {
    return this.files.get(policy);
  }

  authorities(): string[] {
    return [...this.byAuthority.keys()].sort();
  }

  has(authority: string): boolean {
    return this.byAuthority.has(authority);
  }

  /** Every loaded version of an authority, oldest first. */
  versions(authority: string): Policy[] {
    return [...(this.byAuthority.get(authority) ?? [])];
  }

  /** The version in force on a day (Europe/London date): the latest that has taken effect. */
  inForce(authority: string, on: string): Policy {
    const versions = this.byAuthority.get(authority);
    if (!versions) throw new NoPolicyInForceError(authority, on);
    const policy = versions.filter((v) => v.effectiveFrom <= on).at(-1);
    if (!policy) throw new NoPolicyInForceError(authority, on, versions[0].effectiveFrom);
    return policy;
  }

  /** One exact version, for a transfer that keeps the version it started under. */
  policyFor(authority: string, version: string): Policy | undefined {
    return this.byAuthority.get(authority)?.find((v) => v.policyVersion === version);
  }

  /** The newest version of each authority in force on a day. */
  allInForce(on: string): Policy[] {
    return this.authorities().flatMap((a) => {
      try {
        return [this.inForce(a, on)];
      } catch {
        return [];
      }
    });
  }
}

/** Reads and validates one file; throws PolicyFileError listing every problem. */
export function readPolicyFile(file: string): Policy {
  const { policy, problems } = readPolicyText(path.basename(file), readFileSync(file, 'utf8'));
  if (!policy) throw new PolicyFileError(problems);
  return policy;
}

/** Every policy file in a folder, validated; throws PolicyFileError listing every problem in every file. */
export function loadPolicyFolder(dir: string = shippedPolicyDir()): PolicyRegistry {
  if (!existsSync(dir)) throw new Error(`Policy folder ${dir} does not exist`);
  const names = readdirSync(dir).filter(isPolicyFile).sort();
  if (names.length === 0) throw new Error(`Policy folder ${dir} has no policy files (*.yaml)`);
  const problems: PolicyProblem[] = [];
  const policies: Policy[] = [];
  const files: string[] = [];
  for (const name of names) {
    const result = readPolicyText(name, readFileSync(path.join(dir, name), 'utf8'));
    problems.push(...result.problems);
    if (result.policy) {
      policies.push(result.policy);
      files.push(path.join(dir, name));
    }
  }
  if (problems.length) throw new PolicyFileError(problems);
  return new PolicyRegistry(policies, files);
}

const loaded = new Map<string, PolicyRegistry>();
/** One registry per folder per process: the API, the worker and the tests share it. */
export function policiesFrom(dir: string = shippedPolicyDir()): PolicyRegistry {
  const key = path.resolve(dir);
  let registry = loaded.get(key);
  if (!registry) loaded.set(key, (registry = loadPolicyFolder(key)));
  return registry;
}
