// Bundles the workflow code once, at build time. The worker in production and the tests load this
// same file, so what is tested and replayed is exactly what runs.
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FAILURE_CONVERTER_PATH } from '../codec';

// From the sources (tests, ts-node) this file is in worker/; compiled, in lib/worker/. Either way
// the bundle goes to the repository's own lib/, never to a folder outside the clone.
const ROOT = path.basename(path.dirname(__dirname)) === 'lib' ? path.resolve(__dirname, '..', '..') : path.resolve(__dirname, '..');
export const DEFAULT_BUNDLE_PATH = path.join(ROOT, 'lib', 'workflow-bundle.js');

export async function buildWorkflowBundle(outFile = DEFAULT_BUNDLE_PATH): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    // Failures raised inside workflow code are converted in the sandbox: the bundle carries the converter.
    failureConverterPath: FAILURE_CONVERTER_PATH,
    // Evaluated once in the worker's shared sandbox, not again for every workflow the cache takes
    // in: these modules hold no per-run state (definitions, the lifecycle table, pure functions).
    preloadModules: ['@temporalio/workflow', require.resolve('../workflows')],
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined,
      warn: (m) => console.warn(m), error: (m) => console.error(m) },
  });
  await mkdir(path.dirname(outFile), { recursive: true });
  // Written aside and renamed, so a worker starting meanwhile never loads half a bundle.
  const partial = `${outFile}.${process.pid}.partial`;
  await writeFile(partial, code);
  await rename(partial, outFile);
  return outFile;
}

if (require.main === module) {
  buildWorkflowBundle(process.argv[2] ?? DEFAULT_BUNDLE_PATH)
    .then((file) => console.log(`workflow bundle written to ${path.relative(process.cwd(), file)}`))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
