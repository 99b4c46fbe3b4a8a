// Replays every recorded history against the production workflow bundle: a change that would break
// running transfers fails here. A workflow changed in the middle of a lifecycle (the acknowledgement
// step) must fail exactly the histories that reach that step, proving the harness can tell.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker, type ReplayResult } from '@temporalio/worker';
import { DEFAULT_BUNDLE_PATH } from '../../worker/build-bundle';
import { WORKFLOW_RELEASE } from '../../workflows/definitions';
import { quietRuntime } from '../support/temporal';

quietRuntime();

const dir = path.join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

interface RawEvent {
  eventType: string;
  workflowExecutionUpdateAcceptedEventAttributes?: { acceptedRequest: { input: { name: string } } };
  workflowExecutionSignaledEventAttributes?: { signalName: string };
}
const raw = (f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { events: RawEvent[] };
const idOf = (f: string) => f.replace(/\.json$/, '');

function histories() {
  return files.map((f) => ({ workflowId: idOf(f), history: historyFromJSON(raw(f)) }));
}

async function replayAll(options: Parameters<typeof Worker.runReplayHistories>[0]): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for await (const r of Worker.runReplayHistories(options, histories())) results.push(r);
  return results;
}

/** The recorded runs in which an acknowledgement was applied (as an update or a signal). */
function reachingAcknowledgement(): string[] {
  return files
    .filter((f) =>
      raw(f).events.some(
        (e) =>
          e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest.input.name === 'acknowledgement' ||
          e.workflowExecutionSignaledEventAttributes?.signalName === 'acknowledgement',
      ),
    )
    .map(idOf);
}

test('there are recorded histories of this release for at least five lifecycle scenarios', () => {
  const scenarios = new Set(files.filter((f) => f.includes(`@${WORKFLOW_RELEASE}`)).map((f) => f.split('@')[0]));
  expect(scenarios.size).toBeGreaterThanOrEqual(5);
});

test('every recorded history replays on the production bundle', async () => {
  const results = await replayAll({ workflowBundle: { codePath: DEFAULT_BUNDLE_PATH } });
  const failures = results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error}`);
  expect(failures).toEqual([]);
  expect(results).toHaveLength(files.length);
});

test('a workflow changed at the acknowledgement step fails exactly the histories that reach it', async () => {
  const expected = reachingAcknowledgement();
  // The fixture is only meaningful if some histories reach the step and some do not.
  expect(expected.length).toBeGreaterThan(0);
  expect(expected.length).toBeLessThan(files.length);
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./changed/workflows'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  const results = await replayAll({ workflowBundle: { code } });
  expect(results).toHaveLength(files.length);
  const failed = results.filter((r) => r.error).map((r) => r.workflowId);
  expect(failed.sort()).toEqual(expected.sort());
  for (const r of results.filter((x) => x.error)) expect(r.error?.name).toBe('DeterminismViolationError');
});
