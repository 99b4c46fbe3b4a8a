// Shared by the notification suites: published messages built the way the workflow builds them
// (children by reference only), and a real HTTP webhook receiver that verifies every signature.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  type VerifyResult,
} from '../../../activities/notifications/signature';
import type { Deadline, Escalation, TransferEventMessage, TransferRequest } from '../../../workflows/definitions';
import { islingtonCinToCla } from '../../support/fixtures';

export const CHILD_NAME = 'Amelia Testcase';
export const CHILD_DOB = '2015-04-02';

/** A request whose child has a name and date of birth: neither may reach a subject line. */
export function namedRequest(overrides: Partial<TransferRequest> = {}): TransferRequest {
  const base = islingtonCinToCla(overrides);
  return {
    ...base,
    children: [{ ref: 'LCS-000001', dateOfBirth: CHILD_DOB, legalStatus: 's20', lookedAfter: true, displayName: CHILD_NAME }],
    people: {
      allocatedSocialWorker: { id: 'sw-anna', role: 'social-worker', email: 'anna@from.test', name: 'Anna Social' },
      lineManager: { id: 'lm-bo', role: 'line-manager', email: 'bo@from.test' },
      transferringManager: { id: 'tm-cy', role: 'team-manager', email: 'cy@from.test' },
      receivingManager: { id: 'tm-di', role: 'team-manager', email: 'di@to.test' },
      chain: {
        transferring: [
          { id: 'lm-bo', role: 'line-manager', email: 'bo@from.test' },
          { id: 'tm-cy', role: 'team-manager', email: 'cy@from.test' },
          { id: 'sm-ed', role: 'service-manager', email: 'ed@from.test' },
        ],
        receiving: [
          // No email address: skipped and counted.
          { id: 'lm-ra', role: 'line-manager' },
          { id: 'tm-di', role: 'team-manager', email: 'di@to.test' },
          { id: 'sm-gu', role: 'service-manager', email: 'gu@to.test' },
          { id: 'hos-ha', role: 'head-of-service', email: 'ha@to.test' },
        ],
      },
    },
    ...overrides,
  };
}

export function deadline(over: Partial<Deadline> = {}): Deadline {
  return {
    id: 'd-ack',
    what: 'Receiving manager acknowledges the notification',
    due: '2027-01-14T00:00:00.000Z',
    dueOn: '2027-01-13',
    rule: 'T-ISL-07',
    source: '000 §9',
    state: 'pending',
    ...over,
  };
}

export function escalation(over: Partial<Escalation> = {}): Escalation {
  return {
    escalationId: 'esc-1',
    reason: 'notification not acknowledged',
    deadlineId: 'd-ack',
    side: 'receiving',
    level: 1,
    to: { id: 'sm-gu', role: 'service-manager', email: 'gu@to.test' },
    raisedAt: '2027-01-14T00:00:00.000Z',
    respondBy: '2027-06-16T08:00:00.000Z',
    state: 'open',
    ...over,
  };
}

type SnapshotOverrides = Partial<TransferEventMessage['snapshot']>;

/** A published step, with the snapshot the workflow would build from this request. */
export function messageFor(
  request: TransferRequest,
  over: Partial<Omit<TransferEventMessage, 'snapshot'>> & { snapshot?: SnapshotOverrides } = {},
): TransferEventMessage {
  const { snapshot, ...rest } = over;
  return {
    workflowId: `transfer-${request.transferId}`,
    transferId: request.transferId,
    sequence: 2,
    at: '2027-01-11T10:00:00.000Z',
    event: 'notification',
    actor: 'tm-cy',
    outcome: 'accepted',
    statusBefore: 'identified',
    statusAfter: 'notified',
    detail: 'notified on 2027-01-11',
    ...rest,
    snapshot: {
      authority: request.authority,
      kind: request.kind,
      status: rest.statusAfter ?? 'notified',
      childRefs: request.children.map((c) => c.ref),
      from: request.from,
      to: request.to,
      people: request.people,
      window: { opensOn: '2027-01-11', endsOn: '2027-02-19', originalEndsOn: '2027-02-19', onHold: false },
      meeting: {},
      raised: [],
      awaitingApproval: [],
      missed: [],
      pendingDeadlines: [deadline()],
      outstandingItems: ['isl-case-notes-finalised'],
      ...snapshot,
    },
  };
}

export interface ReceivedRequest {
  key: string;
  workflowId: string;
  sequence: number;
  raw: string;
  headers: IncomingHttpHeaders;
  verified: VerifyResult;
  status: number;
  /** Processed by the receiver (normally: answered 2xx; a lost answer is processed and 5xx). */
  kept: boolean;
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Processed requests, first per Idempotency-Key, in arrival order: what a deduplicating receiver keeps. */
  accepted(workflowId?: string): ReceivedRequest[];
  close(): Promise<void>;
}

export type Answer = number | { status: number; kept: boolean };

/**
 * `answer` decides each verified request's status; an unverifiable one always gets 401 and is not
 * kept. The n-th request of a workflow (from 1) is passed so outages can be scripted per transfer.
 */
export async function startWebhookReceiver(
  secret: string,
  answer: (r: { workflowId: string; sequence: number; n: number }) => Answer = () => 204,
): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const perWorkflow = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const key = String(req.headers[IDEMPOTENCY_HEADER.toLowerCase()] ?? '');
      const [, workflowId = '', sequence = '0'] = /^(.*):(\d+)$/.exec(key) ?? [];
      const verified = verifyWebhookSignature({
        secret,
        rawBody: raw,
        timestamp: req.headers[TIMESTAMP_HEADER.toLowerCase()] as string | undefined,
        signature: req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined,
      });
      const n = (perWorkflow.get(workflowId) ?? 0) + 1;
      perWorkflow.set(workflowId, n);
      const given = verified.ok ? answer({ workflowId, sequence: Number(sequence), n }) : { status: 401, kept: false };
      const { status, kept } = typeof given === 'number' ? { status: given, kept: given < 300 } : given;
      requests.push({ key, workflowId, sequence: Number(sequence), raw, headers: req.headers, verified, status, kept });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? '' : 'unavailable');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/case-transfers`,
    requests,
    accepted(workflowId) {
      const seen = new Set<string>();
      return requests.filter((r) => {
        if (!r.kept || (workflowId && r.workflowId !== workflowId) || seen.has(r.key)) return false;
        seen.add(r.key);
        return true;
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls until the predicate holds or the time is up; returns whether it held. */
export async function waitUntil(predicate: () => boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}
