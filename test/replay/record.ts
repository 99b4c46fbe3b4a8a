// Records each scenario's history into test/replay/histories/<scenario>@<WORKFLOW_RELEASE>.json
// (and `.run2.json` for the run it continued as new into, if it did).
// Before the first release, re-record after any change to the workflow and commit the new files:
//   npm run build && npx ts-node --transpile-only test/replay/record.ts [scenario ...]
// After it, a release's files stay for as long as runs of that release can be open (README).
import { mkdirSync, writeFileSync } from 'node:fs';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { WORKFLOW_RELEASE } from '../../workflows/definitions';
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
    const only = process.argv.slice(2);
    for (const scenario of SCENARIOS.filter((x) => only.length === 0 || only.includes(x.name))) {
      const handle = await scenario.run(env, randomUUID());
      const s = await state(handle);
      // Each run of the chain: the lifecycle's first run, then (after a continue-as-new) the next.
      let runId: string | undefined = (handle as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId;
      for (let run = 1; runId; run++) {
        // Recorded through the codec like every run, written decoded so that it replays without a key.
        const history: temporal.api.history.v1.IHistory = await plainHistory(
          await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory(),
          new EncryptionCodec(TEST_KEY_RING),
        );
        const suffix = run === 1 ? '' : `.run${run}`;
        const file = path.join(dir, `${scenario.name}@${WORKFLOW_RELEASE}${suffix}.json`);
        writeFileSync(file, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 1)}\n`);
        console.log(`${scenario.name} run ${run}: ${history.events?.length} events, status ${s.status} -> ${path.relative(process.cwd(), file)}`);
        const last: temporal.api.history.v1.IHistoryEvent | undefined = history.events?.[history.events.length - 1];
        runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
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
