// What the Temporal client throws, as the API answers it: a rate-limited namespace (which a
// PostgreSQL-backed server applies to listings at 10 a second by default) is a 503 to retry, not a 500.
import { ServiceError } from '@temporalio/client';
import { toHttpProblem } from '../../api/temporal-errors';

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
