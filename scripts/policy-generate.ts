// Writes what is generated from the policy schema and the shipped policies: the JSON Schemas editors
// use (policies/*.schema.json) and the table of event names in docs/policies.md. Run
// `npm run policy:generate` after changing schema.ts, scenarios.ts or a shipped policy; a test fails
// while the committed files are out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { policiesFrom, shippedPolicyDir } from '../activities/policy/registry';
import { scenarioFileSchema } from '../activities/policy/scenarios';
import { policySchema, type Policy } from '../activities/policy/schema';

export function policyJsonSchemas(): Record<string, unknown> {
  return {
    'policy.schema.json': { title: 'Case transfer policy', ...z.toJSONSchema(policySchema, { io: 'input', reused: 'ref' }) },
    'scenarios.schema.json': { title: 'Case transfer policy scenarios', ...z.toJSONSchema(scenarioFileSchema, { io: 'input', reused: 'ref' }) },
  };
}

const MET_BY_ROUTE: Record<string, string> = {
  notification: '`notification`',
  acknowledgement: '`acknowledgement`',
  allocation: '`allocation`',
  'meeting-held': '`meeting` (held)',
  decision: '`decision`',
  'remediation-done': '`remediation` (item fixed)',
  'checklist-item': '`checklist/{itemId}` (the item done)',
};

const code = (xs: string[]) => (xs.length ? xs.map((x) => `\`${x}\``).join(', ') : '—');

/** Per kind: the trigger events, what completes or cancels it, and the events its clocks wait for. */
export function eventTable(policies: Policy[]): string {
  const out: string[] = [];
  for (const p of policies) {
    out.push(`### ${p.name} (\`${p.authority}\`, version ${p.policyVersion})`, '');
    out.push('| kind | trigger `event` | completes on trigger | cancelling `outcome` | other events its clocks wait for |');
    out.push('| --- | --- | --- | --- | --- |');
    for (const k of p.kinds.filter((x) => !x.outOfScope)) {
      const clocks = p.deadlines.filter((d) => !d.kinds || d.kinds.includes(k.id));
      const waits = [
        ...new Set(
          clocks.flatMap((d) => (d.metBy === 'trigger' ? [`\`trigger\` ${d.metByEvent ? `(\`${d.metByEvent}\`)` : '(any of its events)'}`] : MET_BY_ROUTE[d.metBy] ? [MET_BY_ROUTE[d.metBy]] : [])),
        ),
      ];
      out.push(
        `| \`${k.id}\` | ${code(k.trigger.events)} | ${code(k.completingTriggers ?? [])} | ${code((k.cancellingOutcomes ?? []).map((c) => c.outcome))} | ${waits.join(', ') || '—'} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

export const DOCS_FILE = path.resolve(__dirname, '..', 'docs', 'policies.md');
export const EVENTS_START = '<!-- generated: events by kind (npm run policy:generate) -->';
export const EVENTS_END = '<!-- end of generated events -->';

/** docs/policies.md with its generated section brought up to date. */
export function policiesDoc(current: string, policies: Policy[]): string {
  const start = current.indexOf(EVENTS_START);
  const end = current.indexOf(EVENTS_END);
  if (start < 0 || end < start) throw new Error(`docs/policies.md lacks the ${EVENTS_START} ... ${EVENTS_END} markers`);
  return `${current.slice(0, start + EVENTS_START.length)}\n\n${eventTable(policies)}\n${current.slice(end)}`;
}

/** The newest version of each shipped authority (not "in force today", so the docs do not change with the date). */
export function newestShipped(): Policy[] {
  const registry = policiesFrom(shippedPolicyDir());
  return registry.authorities().map((a) => registry.versions(a).at(-1)!);
}

if (require.main === module) {
  for (const [name, schema] of Object.entries(policyJsonSchemas())) {
    const file = path.join(shippedPolicyDir(), name);
    writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
  writeFileSync(DOCS_FILE, policiesDoc(readFileSync(DOCS_FILE, 'utf8'), newestShipped()));
  console.log(`wrote ${path.relative(process.cwd(), DOCS_FILE)}`);
}
