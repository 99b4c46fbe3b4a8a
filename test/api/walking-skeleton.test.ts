// End to end through every layer on a real Temporal dev server: HTTP → client → workflow
// (updates, query) → local activities → back.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import request from 'supertest';
import type { createApp } from '../../api/app';
import { islingtonCinToCla, londonToday, plusDays, TEAMS, tokenFor } from '../support/fixtures';
import { createLocalEnv, createTestWorker } from '../support/temporal';
import { testApp } from './helpers';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  env = await createLocalEnv();
  worker = await createTestWorker(env);
  running = worker.run();
  app = testApp(env.client);
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

test('start, read, notify and complete at the transfer meeting', async () => {
  const integration = await tokenFor('lcs', ['integration']);
  const transferringTm = await tokenFor('tm-cy', ['team-manager'], [TEAMS.cin]);
  const today = londonToday();
  const body = islingtonCinToCla({ trigger: { event: 'first-cla-review', date: plusDays(today, 35) } });

  const started = await request(app).post('/v1/transfers').set('Authorization', `Bearer ${integration}`).send(body);
  expect(started.status).toBe(201);
  expect(started.body).toMatchObject({ transferId: body.transferId, status: 'identified', authority: 'islington' });

  const again = await request(app).post('/v1/transfers').set('Authorization', `Bearer ${integration}`).send(body);
  expect(again.status).toBe(200);

  const notified = await request(app)
    .post(`/v1/transfers/${body.transferId}/notification`)
    .set('Authorization', `Bearer ${transferringTm}`)
    .send({ notifiedOn: today, windowEnd: plusDays(today, 28) });
  expect(notified.status).toBe(200);
  expect(notified.body.status).toBe('notified');
  expect(notified.body.window).toMatchObject({ opensOn: today, endsOn: plusDays(today, 28) });

  const held = await request(app)
    .post(`/v1/transfers/${body.transferId}/meeting`)
    .set('Authorization', `Bearer ${transferringTm}`)
    .send({ status: 'held', on: today, attendees: ['sw-anna', 'tm-di'] });
  expect(held.status).toBe(200);
  expect(held.body.completion).toMatchObject({ how: 'meeting', effectiveOn: today });
  expect(['completed', 'post-transfer']).toContain(held.body.status);

  const read = await request(app).get(`/v1/transfers/${body.transferId}`).set('Authorization', `Bearer ${transferringTm}`);
  expect(read.status).toBe(200);
  expect(read.body.history.map((h: { event: string }) => h.event)).toEqual(['started', 'notification', 'meeting']);

  const late = await request(app)
    .post(`/v1/transfers/${body.transferId}/meeting`)
    .set('Authorization', `Bearer ${transferringTm}`)
    .send({ status: 'held', on: today, attendees: ['sw-anna'] });
  expect(late.status).toBe(409);
  expect(late.headers['content-type']).toMatch(/application\/problem\+json/);
});
