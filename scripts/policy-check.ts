// `npm run policy:check -- FILE [FILE ...]`: validates policy files and runs the scenarios written
// beside each (`X.scenarios.yaml` next to `X.yaml`). Without a FILE it checks the whole policy folder
// (POLICY_DIR, default policies/). Exit code 0 only when every file is valid and every scenario holds.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadCalendar, type Calendar } from '../activities/policy/calendar/calendar';
import { formatProblem, PolicyFileError, readPolicyText } from '../activities/policy/check';
import { isPolicyFile, PolicyRegistry, scenariosFileFor, shippedPolicyDir } from '../activities/policy/registry';
import { readScenarioText, runScenarios } from '../activities/policy/scenarios';
import type { Policy } from '../activities/policy/schema';

export interface CheckReport {
  ok: boolean;
  lines: string[];
}

function siblingsOf(file: string): { name: string; policy: Policy }[] {
  const dir = path.dirname(file);
  return readdirSync(dir)
    .filter((n) => isPolicyFile(n) && path.join(dir, n) !== file)
    .flatMap((name) => {
      const { policy } = readPolicyText(name, readFileSync(path.join(dir, name), 'utf8'));
      return policy ? [{ name, policy }] : [];
    });
}

export function policyCheck(files: string[], calendar: Calendar = loadCalendar()): CheckReport {
  const lines: string[] = [];
  let ok = true;
  for (const given of files) {
    const file = path.resolve(given);
    const shown = given;
    if (!existsSync(file)) {
      lines.push(`${shown}: no such file`);
      ok = false;
      continue;
    }
    const { policy, problems } = readPolicyText(shown, readFileSync(file, 'utf8'));
    if (!policy) {
      ok = false;
      lines.push(`${shown}: INVALID, ${problems.length} problem${problems.length === 1 ? '' : 's'}:`);
      for (const p of problems) lines.push(`  ${formatProblem(p)}`);
      continue;
    }
    // The file must also sit well with the other versions in its folder.
    try {
      const others = siblingsOf(file);
      new PolicyRegistry([...others.map((o) => o.policy), policy], [...others.map((o) => o.name), shown]);
    } catch (err) {
      if (!(err instanceof PolicyFileError)) throw err;
      ok = false;
      lines.push(`${shown}: clashes with another file in its folder:`);
      for (const p of err.problems) lines.push(`  ${formatProblem(p)}`);
      continue;
    }
    lines.push(`${shown}: valid (${policy.authority} version ${policy.policyVersion}, in force from ${policy.effectiveFrom})`);

    const scenarioFile = scenariosFileFor(file);
    const scenarioShown = scenariosFileFor(given);
    if (!existsSync(scenarioFile)) {
      lines.push(`  no scenarios (${scenarioShown} does not exist)`);
      continue;
    }
    const read = readScenarioText(scenarioShown, readFileSync(scenarioFile, 'utf8'));
    if (!read.scenarios) {
      ok = false;
      lines.push(`  ${scenarioShown}: INVALID:`);
      for (const p of read.problems) lines.push(`    ${p}`);
      continue;
    }
    const results = runScenarios(policy, calendar, read.scenarios);
    const failed = results.filter((r) => r.failures.length);
    for (const r of results) {
      lines.push(`  ${r.failures.length ? 'FAIL' : 'pass'} ${r.id}: ${r.title}`);
      for (const f of r.failures) lines.push(`       ${f}`);
    }
    lines.push(`  ${results.length - failed.length} of ${results.length} scenarios hold (${scenarioShown})`);
    if (failed.length) ok = false;
  }
  return { ok, lines };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const dir = process.env.POLICY_DIR ?? shippedPolicyDir();
  const files = args.length ? args : readdirSync(dir).filter(isPolicyFile).sort().map((n) => path.join(dir, n));
  const report = policyCheck(files);
  console.log(report.lines.join('\n'));
  process.exitCode = report.ok ? 0 : 1;
}
