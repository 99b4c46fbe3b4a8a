// Jest global setup: build the workflow bundle once, to the same file the production worker loads,
// so every suite runs (and replays) exactly the code that ships.
import { buildWorkflowBundle, DEFAULT_BUNDLE_PATH } from '../../worker/build-bundle';

export default async function globalSetup(): Promise<void> {
  await buildWorkflowBundle(DEFAULT_BUNDLE_PATH);
}
