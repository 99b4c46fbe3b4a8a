// Writes the JSON Schemas editors use for policy and scenario files (policies/*.schema.json), from
// the zod schemas the service validates with. `npm run policy:schema` after changing schema.ts or
// scenarios.ts; a test fails while the committed files are out of date.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { shippedPolicyDir } from '../activities/policy/registry';
import { scenarioFileSchema } from '../activities/policy/scenarios';
import { policySchema } from '../activities/policy/schema';

export function policyJsonSchemas(): Record<string, unknown> {
  return {
    'policy.schema.json': { title: 'Case transfer policy', ...z.toJSONSchema(policySchema, { io: 'input', reused: 'ref' }) },
    'scenarios.schema.json': { title: 'Case transfer policy scenarios', ...z.toJSONSchema(scenarioFileSchema, { io: 'input', reused: 'ref' }) },
  };
}

if (require.main === module) {
  for (const [name, schema] of Object.entries(policyJsonSchemas())) {
    const file = path.join(shippedPolicyDir(), name);
    writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
