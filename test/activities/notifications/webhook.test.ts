// The webhook body, its schema, and the activity's delivery against a real local HTTP receiver.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities, type AuditRecord } from '../../../activities';
import { classifyHttpStatus, postWebhookEvent } from '../../../activities/notifications/webhook';
import {
  toWebhookEvent,
  webhookEventJsonSchema,
  webhookEventSchema,
  webhookEventType,
} from '../../../activities/notifications/webhook-schema';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../../activities/notifications/signature';
import { CHILD_DOB, CHILD_NAME, escalation, messageFor, namedRequest, startWebhookReceiver, type WebhookReceiver } from './helpers';

const secret = 'webhook-secret-for-tests-0123456789';

describe('event body and schema', () => {
  const request = namedRequest();
  const message = messageFor(request, {
    sequence: 7,
    event: 'timer:deadline',
    actor: 'system',
    statusBefore: 'notified',
    statusAfter: 'notified',
    detail: 'deadline d-ack (T-ISL-07) missed',
    snapshot: {
      raised: [escalation()],
      remediation: { letterOn: '2027-03-01', due: '', dueOn: '', items: [{ itemId: 'x', description: 'chronology', state: 'open' }] },
    },
  });

  test('carries the audit record, the state after the step, and ids that match the idempotency key', () => {
    const event = toWebhookEvent(message);
    expect(webhookEventSchema.parse(event)).toEqual(event);
    expect(event).toMatchObject({
      id: `transfer-${request.transferId}:7`,
      type: 'transfer.timer.deadline',
      version: '1',
      createdAt: message.at,
      transferId: request.transferId,
      sequence: 7,
      audit: { actor: 'system', event: 'timer:deadline', outcome: 'accepted', statusBefore: 'notified', statusAfter: 'notified', at: message.at },
      transfer: {
        authority: 'islington',
        kind: 'isl-cin-to-cla',
        childRefs: ['LCS-000001'],
        escalationsRaised: [{ escalationId: 'esc-1', to: { id: 'sm-gu', role: 'service-manager' } }],
        openDeadlines: [{ rule: 'T-ISL-07', state: 'pending' }],
        outstandingItems: ['isl-case-notes-finalised'],
      },
    });
    // An empty due date is left out rather than sent as an invalid instant.
    expect(event.transfer.remediation).toEqual({ letterOn: '2027-03-01', items: [{ itemId: 'x', description: 'chronology', state: 'open' }] });
  });

  test('sends staff by id and role only, and nothing about a child but the case reference', () => {
    const json = JSON.stringify(toWebhookEvent(message));
    expect(json).not.toContain('@from.test');
    expect(json).not.toContain('@to.test');
    expect(json).not.toContain('Anna Social');
    expect(json).not.toContain(CHILD_NAME);
    expect(json).not.toContain(CHILD_DOB);
    expect(toWebhookEvent(message).transfer.people.allocatedSocialWorker).toEqual({ id: 'sw-anna', role: 'social-worker' });
  });

  test('maps event names to types', () => {
    expect(webhookEventType('notification')).toBe('transfer.notification');
    expect(webhookEventType('started')).toBe('transfer.started');
    expect(webhookEventType('timer:completion')).toBe('transfer.timer.completion');
  });

  test('the schema refuses a body that breaks the contract', () => {
    const event = toWebhookEvent(message);
    expect(webhookEventSchema.safeParse({ ...event, transfer: { ...event.transfer, childRefs: [] } }).success).toBe(false);
    expect(webhookEventSchema.safeParse({ ...event, transfer: { ...event.transfer, status: 'done' } }).success).toBe(false);
    expect(webhookEventSchema.safeParse({ ...event, createdAt: '11/01/2027' }).success).toBe(false);
    expect(webhookEventSchema.safeParse({ ...event, type: 'notification' }).success).toBe(false);
  });

  test('the JSON Schema documents the body and leaves room for fields added later', () => {
    const schema = webhookEventJsonSchema as { $schema: string; required: string[]; properties: Record<string, { required?: string[] }> };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'type', 'createdAt', 'transferId', 'sequence', 'audit', 'transfer']));
    expect(schema.properties.audit.required).toEqual(
      expect.arrayContaining(['actor', 'event', 'outcome', 'statusBefore', 'statusAfter', 'at', 'detail']),
    );
    expect(JSON.stringify(schema)).not.toContain('"additionalProperties":false');
  });
});

describe('status classification', () => {
  test.each([200, 201, 202, 204])('%i is delivered', (s) => expect(classifyHttpStatus(s)).toBe('delivered'));
  test.each([408, 429, 500, 502, 503, 504])('%i is retried', (s) => expect(classifyHttpStatus(s)).toBe('retry'));
  test.each([400, 401, 403, 404, 409, 410, 413, 422, 301, 302, 307])('%i is permanent', (s) =>
    expect(classifyHttpStatus(s)).toBe('permanent'),
  );
});

describe('delivery to a real HTTP receiver', () => {
  let receiver: WebhookReceiver;
  let status = 204;
  const message = messageFor(namedRequest(), { sequence: 3 });
  const settings = () => ({ url: receiver.url, secret, timeoutMs: 2000 });

  beforeAll(async () => {
    receiver = await startWebhookReceiver(secret, () => status);
  });
  afterAll(() => receiver.close());
  beforeEach(() => {
    status = 204;
    receiver.requests.length = 0;
  });

  test('a 2xx delivers a signed, schema-valid body with the idempotency key', async () => {
    await expect(postWebhookEvent(settings(), message)).resolves.toEqual({ status: 204, id: `${message.workflowId}:3` });
    expect(receiver.requests).toHaveLength(1);
    const r = receiver.requests[0];
    expect(r.verified.ok).toBe(true);
    expect(r.key).toBe(`${message.workflowId}:3`);
    expect(r.headers['content-type']).toBe('application/json');
    expect(Number(r.headers[TIMESTAMP_HEADER.toLowerCase()])).toBeCloseTo(Date.now() / 1000, -1);
    expect(r.headers[SIGNATURE_HEADER.toLowerCase()]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(webhookEventSchema.parse(JSON.parse(r.raw)).id).toBe(r.key);
  });

  test.each([503, 500, 429, 408])('%i throws a plain (retryable) error', async (s) => {
    status = s;
    const err = await postWebhookEvent(settings(), message).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect((err as Error).message).toContain(String(s));
  });

  test.each([400, 404, 410, 422])('%i throws a non-retryable PermanentDeliveryError', async (s) => {
    status = s;
    const err = await postWebhookEvent(settings(), message).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'PermanentDeliveryError', nonRetryable: true });
  });

  test('a wrong secret gets 401 from a verifying receiver: permanent', async () => {
    const err = await postWebhookEvent({ ...settings(), secret: 'not-the-shared-secret' }, message).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'PermanentDeliveryError' });
    expect(receiver.requests[0].verified).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a redirect is not followed and counts as permanent', async () => {
    status = 302;
    const err = await postWebhookEvent(settings(), message).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'PermanentDeliveryError' });
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('network trouble is retryable', () => {
  test('connection refused', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await postWebhookEvent({ url: `http://127.0.0.1:${port}/x`, secret, timeoutMs: 2000 }, messageFor(namedRequest())).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });

  test('a receiver that never answers is cut off by the timeout', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const err = await postWebhookEvent({ url: `http://127.0.0.1:${port}/x`, secret, timeoutMs: 1000 }, messageFor(namedRequest())).catch(
        (e: unknown) => e,
      );
      expect(Date.now() - started).toBeLessThan(5000);
      expect(err).not.toBeInstanceOf(ApplicationFailure);
      expect((err as Error).message).toMatch(/no answer/);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describe('the deliverWebhook activity', () => {
  test('without WEBHOOK_URL it only writes the audit record', async () => {
    const records: AuditRecord[] = [];
    const activities = createActivities({ audit: (r) => void records.push(r), webhook: undefined });
    const message = messageFor(namedRequest(), { sequence: 4 });
    await activities.deliverWebhook(message);
    expect(records).toEqual([expect.objectContaining({ workflowId: message.workflowId, sequence: 4, event: 'notification' })]);
    expect(records[0]).not.toHaveProperty('snapshot');
  });

  test('a retried delivery logs the audit record once and posts until the receiver accepts', async () => {
    let answers = [503, 204];
    const receiver = await startWebhookReceiver(secret, () => answers.shift() ?? 204);
    try {
      const records: AuditRecord[] = [];
      const activities = createActivities({ audit: (r) => void records.push(r), webhook: { url: receiver.url, secret, timeoutMs: 2000 } });
      const message = messageFor(namedRequest(), { sequence: 5 });
      await expect(activities.deliverWebhook(message)).rejects.toThrow(/503/);
      await activities.deliverWebhook(message);
      expect(records).toHaveLength(1);
      expect(receiver.requests.map((r) => [r.key, r.status])).toEqual([
        [`${message.workflowId}:5`, 503],
        [`${message.workflowId}:5`, 204],
      ]);
      answers = [];
    } finally {
      await receiver.close();
    }
  });
});

describe('docs/webhook.md stays true', () => {
  const root = path.resolve(__dirname, '..', '..', '..');

  test('docs/webhook-event.schema.json is the schema generated from the zod schema', () => {
    // Regenerate with: npx ts-node --transpile-only -e "require('fs').writeFileSync('docs/webhook-event.schema.json',
    //   JSON.stringify(require('./activities/notifications/webhook-schema').webhookEventJsonSchema, null, 2) + '\n')"
    const documented = JSON.parse(readFileSync(path.join(root, 'docs', 'webhook-event.schema.json'), 'utf8')) as unknown;
    expect(documented).toEqual(JSON.parse(JSON.stringify(webhookEventJsonSchema)));
  });

  test('the retry numbers in the docs are the workflow’s', () => {
    const workflow = readFileSync(path.join(root, 'workflows', 'case-transfer.ts'), 'utf8');
    const docs = readFileSync(path.join(root, 'docs', 'webhook.md'), 'utf8');
    const policy = (name: string) => {
      const block = new RegExp(`const ${name} = proxyActivities[\\s\\S]*?\\n\\}\\);`).exec(workflow)?.[0] ?? '';
      const get = (key: string) => new RegExp(`${key}: '([^']+)'`).exec(block)?.[1];
      return { startToClose: get('startToCloseTimeout'), scheduleToClose: get('scheduleToCloseTimeout'), initial: get('initialInterval'), max: get('maximumInterval'), factor: /backoffCoefficient: (\d+)/.exec(block)?.[1] };
    };
    const human = (d = '') => d.replace(/^(\d+)s$/, '$1 s').replace(/^(\d+)m$/, '$1 minutes').replace(/^(\d+)h$/, '$1 hours');
    expect(policy('webhook')).toEqual({ startToClose: '30s', scheduleToClose: '24h', initial: '5s', max: '5m', factor: '2' });
    expect(policy('email')).toEqual({ startToClose: '30s', scheduleToClose: '2h', initial: '10s', max: '10m', factor: '2' });
    for (const p of [policy('webhook'), policy('email')]) {
      for (const v of [p.initial, p.max, p.scheduleToClose, p.startToClose]) expect(docs).toContain(`**${human(v)}**`);
    }
  });
});
