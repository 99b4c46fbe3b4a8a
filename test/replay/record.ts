// Records each scenario's history into test/replay/histories/<scenario>@<policyVersion>.json.
// Run after a change to the workflow that is meant to be compatible, and commit the new files:
//   npm run build && npx ts-node --transpile-only test/replay/record.ts [scenario ...]
import { mkdirSync, writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import path from 'node:path';
import { EncryptionCodec } from '../../codec';
import { createTestWorker, createTimeSkippingEnv, TEST_KEY_RING } from '../support/temporal';
import { plainHistory } from './plain-history';
import { state } from '../support/workflow-driver';
import { SCENARIOS } from './scenarios';

async function main() {
  const env = await createTimeSkippingEnv();
  const worker = await createTestWorker(env);
  const running = worker.run();
  const dir = path.join(__dirname, 'histories');
  mkdirSync(dir, { recursive: true });
  try {
    // Names on the command line record just those scenarios; histories of earlier releases stay.
    const only = process.argv.slice(2);
    for (const scenario of SCENARIOS.filter((x) => only.length === 0 || only.includes(x.name))) {
      const handle = await scenario.run(env, `replay-${scenario.name}`);
      const s = await state(handle);
      // Recorded through the codec like every run, written decoded so that it replays without a key.
      const history = await plainHistory(await handle.fetchHistory(), new EncryptionCodec(TEST_KEY_RING));
      // REPLAY_TAG names a recording of a new code path beside the releases' files (e.g. after a patch).
      const tag = process.env.REPLAY_TAG ? `+${process.env.REPLAY_TAG}` : '';
      const file = path.join(dir, `${scenario.name}@${s.policyVersion}${tag}.json`);
      writeFileSync(file, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 1)}\n`);
      console.log(`${scenario.name}: ${history.events?.length} events, status ${s.status} -> ${path.relative(process.cwd(), file)}`);
    }
  } finally {
    worker.shutdown();
    await running;
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
