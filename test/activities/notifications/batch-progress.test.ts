// A batched webhook delivery records its progress as a heartbeat when it runs as an activity (so a
// retry resumes after the last message delivered), and records none as a local activity (the
// delivery's first try), where core has no heartbeat to keep and would only log a refusal.
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type AuditRecord } from '../../../activities';
import { messageFor, namedRequest } from './helpers';

const request = namedRequest();
const batch = [1, 2, 3].map((sequence) => messageFor(request, { sequence }));

async function deliver(info: { isLocal: boolean; heartbeatDetails?: unknown }) {
  const audited: AuditRecord[] = [];
  const activities = createActivities({ audit: (r) => void audited.push(r), webhook: undefined });
  const env = new MockActivityEnvironment(info);
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  const result = await env.run(activities.deliverWebhooks, batch);
  return { result, heartbeats, sequences: audited.map((r) => r.sequence) };
}

test('as an activity: one heartbeat per message delivered, counting them', async () => {
  const { result, heartbeats, sequences } = await deliver({ isLocal: false });
  expect(result).toEqual({ failed: [] });
  expect(heartbeats).toEqual([1, 2, 3]);
  expect(sequences).toEqual([1, 2, 3]);
});

test('a retried activity resumes after the messages its last heartbeat counted', async () => {
  const { heartbeats, sequences } = await deliver({ isLocal: false, heartbeatDetails: 2 });
  expect(sequences).toEqual([3]);
  expect(heartbeats).toEqual([3]);
});

test('as a local activity: the whole batch is delivered and no heartbeat is sent', async () => {
  const { result, heartbeats, sequences } = await deliver({ isLocal: true });
  expect(result).toEqual({ failed: [] });
  expect(sequences).toEqual([1, 2, 3]);
  expect(heartbeats).toEqual([]);
});
