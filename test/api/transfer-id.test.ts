// A client-supplied transferId becomes the workflow id, which is stored unencrypted: only a UUID
// is accepted, so a child's name or case number can never become one. Refused before Temporal.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { tokenFor } from '../support/fixtures';
import { expectProblem, testApp, transferBody, unreachableClient } from './helpers';

let app: ReturnType<typeof testApp>;
let integration: string;

beforeAll(async () => {
  app = testApp(await unreachableClient());
  integration = await tokenFor('lcs', ['integration']);
});

test.each([
  ['a name', 'Maisie-Quartermaine'],
  ['a case number', 'LCS-000001'],
  ['a short id', 'T-1'],
  ['a UUID with a suffix', `${randomUUID()}-x`],
  ['a UUID without dashes', randomUUID().replace(/-/g, '')],
])('%s as transferId is a 400 naming the field, on start and on preview', async (_what, transferId) => {
  for (const path of ['/v1/transfers', '/v1/transfers/preview']) {
    const res = await request(app).post(path).set('Authorization', `Bearer ${integration}`).send({ ...transferBody(), transferId });
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([{ path: 'transferId', message: expect.stringMatching(/UUID/) }]);
    expect(res.text).not.toContain(transferId);
  }
});

test('a UUID passes validation (the preview starts nothing, so it answers without Temporal)', async () => {
  const res = await request(app).post('/v1/transfers/preview').set('Authorization', `Bearer ${integration}`).send({ ...transferBody(), transferId: randomUUID() });
  expect(res.status).toBe(200);
  const upper = await request(app).post('/v1/transfers/preview').set('Authorization', `Bearer ${integration}`).send({ ...transferBody(), transferId: randomUUID().toUpperCase() });
  expect(upper.status).toBe(200);
});
