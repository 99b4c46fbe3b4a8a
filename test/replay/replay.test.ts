// Replays every recorded history against the production workflow bundle: a change that would break
// running transfers fails here. A deliberately changed workflow must fail, proving the harness works.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker, type ReplayResult } from '@temporalio/worker';
import { DEFAULT_BUNDLE_PATH } from '../../worker/build-bundle';
import { quietRuntime } from '../support/temporal';

quietRuntime();

const dir = path.join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

function histories() {
  return files.map((f) => ({
    workflowId: f.replace(/\.json$/, ''),
    history: historyFromJSON(JSON.parse(readFileSync(path.join(dir, f), 'utf8'))),
  }));
}

async function replayAll(options: Parameters<typeof Worker.runReplayHistories>[0]): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for await (const r of Worker.runReplayHistories(options, histories())) results.push(r);
  return results;
}

test('there are recorded histories for at least five lifecycle scenarios', () => {
  expect(files.length).toBeGreaterThanOrEqual(5);
});

test('every recorded history replays on the production bundle', async () => {
  const results = await replayAll({ workflowBundle: { codePath: DEFAULT_BUNDLE_PATH } });
  const failures = results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error}`);
  expect(failures).toEqual([]);
  expect(results).toHaveLength(files.length);
});

test('a deliberately changed workflow fails to replay every history', async () => {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./changed/workflows'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  const results = await replayAll({ workflowBundle: { code } });
  expect(results).toHaveLength(files.length);
  for (const r of results) expect(r.error?.name).toBe('DeterminismViolationError');
});
