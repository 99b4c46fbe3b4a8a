// Failure messages and stack traces can quote a transfer's data, so they are moved into the
// failure's encoded attributes, which the payload codec encrypts. This module is loaded by path:
// into the workflow bundle (worker/build-bundle.ts) and by every client and worker.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
