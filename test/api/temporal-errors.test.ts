// What the Temporal client throws, as the API answers it: a rate-limited namespace (which a
// PostgreSQL-backed server applies to listings at 10 a second by default) is a 503 to retry, not a
// 500; so is a transfer that refused a change while applying another.
import { ApplicationFailure, ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { isCallCancelled, isQueryCleared, retryWhileBusy, toHttpProblem } from '../../api/temporal-errors';
import { FailureTypes } from '../../workflows/contract';

const grpc = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details });

test('RESOURCE_EXHAUSTED from Temporal is a 503 with a short Retry-After', () => {
  const err = new ServiceError('Failed to list workflows', { cause: grpc(8, 'namespace rate limit exceeded') });
  const problem = toHttpProblem(err);
  expect(problem?.status).toBe(503);
  expect(problem?.headers).toEqual({ 'Retry-After': '1' });
});

test('UNAVAILABLE is still the unreachable 503; anything unknown is left to the 500 handler', () => {
  expect(toHttpProblem(new ServiceError('x', { cause: grpc(14, 'connection refused') }))?.status).toBe(503);
  expect(toHttpProblem(new ServiceError('x', { cause: grpc(13, 'internal') }))).toBeUndefined();
});

test('an update refused because the workflow task is failing is a 503 that says nothing was applied, not a 500', () => {
  const err = new ServiceError('Workflow Update failed', {
    cause: grpc(9, 'Unable to perform workflow execution update due to Workflow Task in failed state.'),
  });
  const problem = toHttpProblem(err);
  expect(problem?.status).toBe(503);
  expect(problem?.headers).toEqual({ 'Retry-After': '60' });
  expect(problem?.toProblem()).toMatchObject({ workflowTaskFailing: true, detail: expect.stringMatching(/nothing was applied/) });
  // Any other precondition is still left to the 500 handler.
  expect(toHttpProblem(new ServiceError('x', { cause: grpc(9, 'something else') }))).toBeUndefined();
});

const busyTransfer = () =>
  new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type: FailureTypes.Busy, message: 'Another change to this transfer is being applied', nonRetryable: true }));

test('an update the transfer refused while another change was applied is a 503 to retry, not a 409', () => {
  const problem = toHttpProblem(busyTransfer());
  expect(problem?.status).toBe(503);
  expect(problem?.headers).toEqual({ 'Retry-After': '1' });
  expect(problem?.toProblem().detail).toMatch(/nothing was applied/);
  // Any other refusal by the workflow is still its 409.
  const refused = new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type: FailureTypes.InvalidState, message: 'no', nonRetryable: true }));
  expect(toHttpProblem(refused)?.status).toBe(409);
});

test('the API tries a busy refusal again until the call goes through, and gives up at its deadline', async () => {
  let calls = 0;
  await expect(retryWhileBusy(async () => (++calls < 3 ? Promise.reject(busyTransfer()) : 'applied'), Date.now() + 5_000)).resolves.toBe('applied');
  expect(calls).toBe(3);
  calls = 0;
  await expect(retryWhileBusy(async () => (++calls, Promise.reject(busyTransfer())), Date.now() + 150)).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
  expect(calls).toBeGreaterThan(1);
  // A busy transfer is tried for longer than a busy Temporal: until its own bound.
  calls = 0;
  let started = Date.now();
  await expect(retryWhileBusy(async () => (++calls < 8 ? Promise.reject(busyTransfer()) : 'applied'), Date.now() + 50, Date.now() + 10_000)).resolves.toBe('applied');
  expect(Date.now() - started).toBeGreaterThan(50);
  calls = 0;
  const exhausted = new ServiceError('x', { cause: grpc(8, 'namespace rate limit exceeded') });
  started = Date.now();
  await expect(retryWhileBusy(async () => (++calls, Promise.reject(exhausted)), Date.now() + 150, Date.now() + 10_000)).rejects.toBe(exhausted);
  expect(Date.now() - started).toBeLessThan(1_500);
  // A refusal that retrying cannot change is not tried again.
  calls = 0;
  const refused = new WorkflowUpdateFailedError('x', ApplicationFailure.create({ type: FailureTypes.RuleViolation, message: 'no', nonRetryable: true }));
  await expect(retryWhileBusy(async () => (++calls, Promise.reject(refused)), Date.now() + 5_000)).rejects.toBe(refused);
  expect(calls).toBe(1);
});

test('a query the server dropped because the workflow closed under it, or one cut off at its attempt deadline, is told apart (the API asks again), and is never a 500', () => {
  const cleared = new ServiceError('Failed to query workflow', { cause: grpc(14, 'buffered query cleared, please retry') });
  expect(isQueryCleared(cleared)).toBe(true);
  expect(isQueryCleared(new ServiceError('x', { cause: grpc(14, 'connection refused') }))).toBe(false);
  expect(toHttpProblem(cleared)?.status).toBe(503);
  // A call that ended CANCELLED (its own deadline passing while the server held it) is told apart too.
  expect(isCallCancelled(new ServiceError('Failed to query Workflow', { cause: grpc(1, 'Call cancelled') }))).toBe(true);
  expect(isCallCancelled(cleared)).toBe(false);
});

test('an update whose workflow task was failed (its completion refused as UnhandledCommand) is tried again, and is a 503 when it runs out, never a 500', async () => {
  const taskFailed = () =>
    new ServiceError('Workflow Update failed', { cause: grpc(9, 'Unable to perform workflow execution update due to unexpected workflow task failure.') });
  let calls = 0;
  await expect(retryWhileBusy(async () => (++calls < 3 ? Promise.reject(taskFailed()) : 'applied'), Date.now() + 50, Date.now() + 5_000)).resolves.toBe('applied');
  expect(calls).toBe(3);
  const problem = toHttpProblem(taskFailed());
  expect(problem?.status).toBe(503);
  expect(problem?.headers).toEqual({ 'Retry-After': '1' });
  expect(problem?.toProblem().detail).toMatch(/nothing was applied/);
  // The workflow task failing over and over (a bug to fix) keeps its own 503.
  const failing = new ServiceError('Workflow Update failed', { cause: grpc(9, 'Unable to perform workflow execution update due to Workflow Task in failed state.') });
  expect(toHttpProblem(failing)?.toProblem()).toMatchObject({ workflowTaskFailing: true });
});
