// In the time-skipping server: a transfer nobody touches completes itself at the end of its window.
import {
  getStateQuery,
  TASK_QUEUE,
  workflowIdFor,
  type StartTransferInput,
} from '../../workflows/definitions';
import { islingtonCinToCla, londonToday, plusDays } from '../support/fixtures';
import { timeSkippingSuite } from '../support/time-skipping';
import { state } from '../support/workflow-driver';

const suite = timeSkippingSuite();

function input(notifiedOn: string, windowEnd: string): StartTransferInput {
  const request = islingtonCinToCla({ notifiedOn, windowEnd, trigger: { event: 'first-cla-review', date: plusDays(notifiedOn, 35) } });
  return {
    request,
    requestHash: 'h',
    startedBy: { id: 'integration-lcs', roles: ['integration'], sides: [], kind: 'integration' },
    receivedOn: notifiedOn,
  };
}

test('the window-end timer auto-completes an untouched transfer on the last day of the window', async () => {
  const today = londonToday();
  const windowEnd = plusDays(today, 14);
  const args = input(today, windowEnd);
  const handle = await suite.env.client.workflow.start('caseTransfer', {
    workflowId: workflowIdFor(args.request.transferId),
    taskQueue: TASK_QUEUE,
    args: [args],
  });

  const before = await state(handle); // waits for the first task, which a busy machine may delay
  expect(before.status).toBe('notified');
  expect(before.window?.endsOn).toBe(windowEnd);

  await suite.env.sleep('13 days');
  expect((await handle.query(getStateQuery)).status).toBe('notified');

  await suite.env.sleep('3 days');
  const after = await handle.query(getStateQuery);
  expect(after.completion).toMatchObject({ how: 'window-end', effectiveOn: windowEnd, receiver: 'team-queue' });
  // No receiving social worker was identified: the case waits in the receiving team's queue.
  expect(after.status).toBe('post-transfer');
});
