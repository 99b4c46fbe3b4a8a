// The lifecycle's transitions, mirroring DOMAIN §3.4 (T1..T18). This table is the only place a
// transfer's status is assigned: a step names the row it takes, and `go` applies it when the
// current status is one the row leaves from and its guard holds.
import type { TransferStatus } from '../contract';
import { allocationPending, hasObligations, isCompleted, type TransferModel } from './model';

type Target = TransferStatus | ((m: TransferModel) => TransferStatus);

export interface Transition {
  id: string;
  from: readonly TransferStatus[];
  /** The event or timer the row answers (documentation, and what the tests drive). */
  on: string;
  guard?: (m: TransferModel) => boolean;
  to: Target;
  source: string;
}

const PRE_COMPLETION: readonly TransferStatus[] = ['identified', 'notified', 'acknowledged', 'preparing', 'blocked', 'returned-to-meeting'];
const PREPARING_ENTRY: readonly TransferStatus[] = ['notified', 'acknowledged'];

/** Where a transfer stands when nothing holds it: allocated, decided or notified, or not yet. */
const resumeStatus = (m: TransferModel): TransferStatus =>
  m.transfer.people.receivingSocialWorker ? 'preparing' : m.transfer.notifiedOn || m.transfer.agreedTransferOn ? 'notified' : 'identified';

export const TRANSITIONS: readonly Transition[] = [
  { id: 'T1', from: [], on: 'start', to: 'identified', source: '000 §9; 002 §2 b3; 003 item 2' },
  // The manager conversation is the start's `decidedOn`; the schedule arms "written notification due".
  { id: 'T2', from: ['identified'], on: 'start (decidedOn)', to: 'identified', source: '000 §9' },
  { id: 'T3', from: ['identified'], on: 'notification', to: 'notified', source: '000 §9; 004 §3.2' },
  // Started with the notification already sent, or with the forum's decision (no window).
  { id: 'T3.start', from: ['identified'], on: 'start (notifiedOn or decidedOn)', to: 'notified', source: '000 §9; 001 ¶11; 002 §2 b5' },
  // A forum decision starts the clocks; after a return to the meeting the next one re-decides (T17).
  {
    id: 'T3.decision',
    from: ['identified', 'notified', 'acknowledged', 'preparing', 'returned-to-meeting'],
    on: 'decision',
    // A windowed kind is notified by its written notification, not by a forum's decision.
    guard: (m) => !m.digest?.usesWindow || Boolean(m.transfer.notifiedOn),
    to: (m) => (m.transfer.people.receivingSocialWorker ? 'preparing' : 'notified'),
    source: '001 ¶11; 002 §2 b5; 004 §3.1',
  },
  // A forum's decision can come before the written notice (Southwark's PGL decides, then the notice
  // goes): the notice is still recorded, and the clocks counted from it start; the status stays.
  {
    id: 'T3.after-decision',
    from: ['notified', 'acknowledged', 'preparing', 'blocked'],
    on: 'notification (after a forum decision)',
    guard: (m) => Boolean(m.transfer.decidedOn),
    to: (m) => m.transfer.status,
    source: '004 §3.1, §3.2',
  },
  { id: 'T4', from: ['notified'], on: 'acknowledgement', to: 'acknowledged', source: '000 §9, §10, fn3' },
  { id: 'T5', from: PREPARING_ENTRY, on: 'allocation', to: 'preparing', source: '000 §9; 001 ¶11' },
  // [IMPL] Work on the checklist or a scheduled meeting also enters PREPARING (DOMAIN §3.2).
  { id: 'T5.checklist', from: PREPARING_ENTRY, on: 'checklistItem', to: 'preparing', source: 'DOMAIN §3.2' },
  { id: 'T5.meeting', from: PREPARING_ENTRY, on: 'meeting scheduled', to: 'preparing', source: 'DOMAIN §3.2' },
  { id: 'T6', from: PRE_COMPLETION, on: 'meeting held', to: 'completed', source: '000 §11; 002 §2 b6; 003 item 1' },
  { id: 'T7', from: PRE_COMPLETION, on: 'trigger', to: 'completed', source: '001 TblB; 004 §4.2.2; 003 item 12' },
  { id: 'T8', from: PRE_COMPLETION, on: 'timer:completion (window end)', to: 'completed', source: '000 §11' },
  // The agreed date, or the sign-off that arrives after it where the policy waits for one.
  { id: 'T9', from: PRE_COMPLETION, on: 'timer:completion (agreed date) or sign-off', to: 'completed', source: '001 ¶11, ¶14; 002 §2 b5; 003 item 2' },
  // A kind whose transfer point is a manual step (DOMAIN §3.2 completion.mode MANUAL), recorded by the roles the policy names.
  { id: 'T9.manual', from: PRE_COMPLETION, on: 'completion (manual)', to: 'completed', source: 'DOMAIN §3.2; policy manualCompletion' },
  { id: 'T10', from: PRE_COMPLETION, on: 'trigger (cancelling outcome)', to: 'cancelled', source: '000 fn8, fn14' },
  { id: 'T11', from: PRE_COMPLETION, on: 'cancellation', to: 'cancelled', source: 'DOMAIN §7.4' },
  { id: 'T12', from: PRE_COMPLETION, on: 'rejection', to: 'rejected', source: '000 §5; 001 ¶9-¶10; 004 §1.3, §3.5' },
  // T13 moves no status except an approved cancel-transfer exception.
  { id: 'T13.cancel', from: PRE_COMPLETION, on: 'exceptionDecision (cancel-transfer approved)', to: 'cancelled', source: '000 §5; 001 ¶15' },
  { id: 'T14', from: ['completed'], on: 'completion (team queue or deferred items)', guard: hasObligations, to: 'post-transfer', source: '002 §2 b7-b8; 004 §1.3, §1.5' },
  { id: 'T15', from: ['completed'], on: 'remediation letter', guard: hasObligations, to: 'post-transfer', source: '004 §3.7-§3.8' },
  // [IMPL] Obligations done: completed again, and closed after 28 quiet days (T16.close).
  { id: 'T16', from: ['post-transfer'], on: 'obligation done', guard: (m) => !hasObligations(m), to: 'completed', source: 'DOMAIN §3.4 T16' },
  { id: 'T16.close', from: ['completed'], on: 'timer:close', guard: (m) => isCompleted(m) && !allocationPending(m) && !hasObligations(m), to: 'closed', source: 'DOMAIN §3.4 T16 [IMPL]' },
  { id: 'T17', from: ['identified', 'notified', 'acknowledged', 'preparing'], on: 'timer:completion (agreed tasks open)', to: 'returned-to-meeting', source: '002 §2 b5' },
  { id: 'T18', from: ['identified', 'notified', 'acknowledged', 'preparing'], on: 'start (blocker)', to: 'blocked', source: '001 TblE, TblB, TblF' },
  { id: 'T18.leave', from: ['blocked'], on: 'decision or blocking item done', to: resumeStatus, source: '001 TblB, TblF' },
];

const BY_ID = new Map(TRANSITIONS.map((t) => [t.id, t]));

function row(id: string): Transition {
  const found = BY_ID.get(id);
  if (!found) throw new Error(`no transition ${id}`);
  return found;
}

const applies = (t: Transition, m: TransferModel): boolean => (!t.from.length || t.from.includes(m.transfer.status)) && (!t.guard || t.guard(m));

/** Whether the model is in one of the transition's source states and its guard holds (nothing changes). */
export const can = (m: TransferModel, id: string): boolean => applies(row(id), m);

/**
 * Takes the named transition if the model is in one of its source states and its guard holds.
 * Returns whether it was taken. The status (and `phaseSince`, when it changes) is written here only.
 */
export function go(m: TransferModel, id: string, now: string): boolean {
  const t = row(id);
  if (!applies(t, m)) return false;
  const to = typeof t.to === 'function' ? t.to(m) : t.to;
  if (to !== m.transfer.status) {
    m.transfer.status = to;
    m.transfer.phaseSince = now;
  }
  return true;
}

/** After a completion or a post-transfer change: into or out of POST_TRANSFER as obligations say. */
export function settle(m: TransferModel, now: string, entry: 'T14' | 'T15' = 'T14'): void {
  if (!go(m, entry, now)) go(m, 'T16', now);
}
