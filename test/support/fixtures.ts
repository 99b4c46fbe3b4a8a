// Builders for start bodies and tokens used across suites. Children's data here is invented.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { mintToken } from '../../api/auth';
import type { AuthorityId, Child, TransferRequest } from '../../workflows/definitions';
import { triggerEvents } from '../../activities/policy/digest';
import { policiesFrom, type PolicyRegistry } from '../../activities/policy/registry';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-signing';

export const TEAMS = {
  cin: 'isl-cin-team-3',
  cla: 'isl-cla-team-1',
  other: 'isl-fostering',
};

export function londonToday(): string {
  return DateTime.now().setZone('Europe/London').toISODate()!;
}

export function plusDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'Europe/London' }).plus({ days }).toISODate()!;
}

let counter = 0;
export function uniqueId(prefix = 't'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

export function islingtonCinToCla(overrides: Partial<TransferRequest> = {}): TransferRequest & { transferId: string } {
  const base = protocolTransfer('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: '2026-12-17' });
  return {
    ...base,
    transferId: randomUUID(),
    children: [{ ref: 'LCS-000001', dateOfBirth: '2015-04-02', legalStatus: 's20', lookedAfter: true }],
    from: { service: 'Children in Need', team: TEAMS.cin },
    to: { service: 'Children Looked After', team: TEAMS.cla },
    people: {
      ...base.people,
      chain: {
        transferring: [{ id: 'lm-bo', role: 'line-manager' }, ...base.people.chain.transferring.slice(0, 2), { id: 'ad-fi', role: 'assistant-director' }],
        receiving: [...base.people.chain.receiving, { id: 'ad-io', role: 'assistant-director' }],
      },
    },
    ...overrides,
  } as TransferRequest & { transferId: string };
}

export async function tokenFor(sub: string, roles: string[], teams: string[] = []): Promise<string> {
  return mintToken(TEST_SECRET, { sub, roles, teams });
}

let shipped: PolicyRegistry | undefined;

/** protocolTransfer for tests that start without the API: refuses a trigger event the API would refuse. */
export function startableTransfer(authority: AuthorityId, kind: string, trigger: { event: string; date: string }, extra: Partial<TransferRequest> = {}): TransferRequest {
  shipped ??= policiesFrom();
  // A generated authority (not shipped) is the test's own to check.
  const known = shipped.has(authority) ? triggerEvents(shipped.inForce(authority, '2026-12-01'), kind) : [trigger.event];
  if (!known.includes(trigger.event)) throw new Error(`fixture: ${trigger.event} is not a trigger event of ${kind} (one of ${known.join(', ')})`);
  return protocolTransfer(authority, kind, trigger, extra);
}

/** A transfer of any authority's kind between two teams, with a three-rung ladder each side. */
export function protocolTransfer(authority: AuthorityId, kind: string, trigger: { event: string; date: string }, extra: Partial<TransferRequest> = {}): TransferRequest {
  const children: Child[] = [{ ref: 'C-9', dateOfBirth: '2013-03-03', legalStatus: 's17', lookedAfter: false }];
  return {
    transferId: randomUUID(),
    authority,
    kind,
    children,
    from: { service: 'Assessment', team: 'team-from' },
    to: { service: 'Safeguarding', team: 'team-to' },
    people: {
      allocatedSocialWorker: { id: 'sw-anna', role: 'social-worker' },
      lineManager: { id: 'lm-bo', role: 'line-manager' },
      transferringManager: { id: 'tm-cy', role: 'team-manager' },
      receivingManager: { id: 'tm-di', role: 'team-manager' },
      chain: {
        transferring: [
          { id: 'tm-cy', role: 'team-manager' },
          { id: 'sm-ed', role: 'service-manager' },
          { id: 'hos-tx', role: 'head-of-service' },
        ],
        receiving: [
          { id: 'tm-di', role: 'team-manager' },
          { id: 'sm-gu', role: 'service-manager' },
          { id: 'hos-ha', role: 'head-of-service' },
        ],
      },
    },
    trigger,
    ...extra,
  };
}
