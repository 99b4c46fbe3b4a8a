// Properties of the lifecycle over generated event sequences (fast-check), on all five policies:
// terminal states absorb everything, a refused event changes nothing, nothing completes without a
// completion mode, and DOMAIN §3.6's invariants INV-1..INV-7 hold after every step.
import fc from 'fast-check';
import { COMPLETED_STATUSES, EVENT_PERMISSIONS, isPermitted, type Actor, type EventName, type TransferRequest } from '../../../workflows/definitions';
import { LIMITS, allocationPending, isTerminal, type TransferModel } from '../../../workflows/lifecycle/model';
import { Refusal } from '../../../workflows/lifecycle/requests';
import { nextTimer } from '../../../workflows/lifecycle/timers';
import { validate } from '../../../workflows/lifecycle/validate';
import { TODAY, actors, advance, at, isl, lbbd, plus, som, started, step, swk, unn } from './harness';

const SYSTEM = { id: 'system', roles: [], sides: [], kind: 'system' } as Actor;
const ACTORS: Actor[] = [...Object.values(actors), SYSTEM];
// Weighted towards the events that move a transfer along, so that sequences reach completion.
const EVENTS: EventName[] = [
  ...(['notification', 'decision', 'acknowledgement', 'allocation', 'meeting', 'trigger'] as const).flatMap((e) => [e, e]),
  ...(['checklistItem', 'checklistItem', 'checklistItem', 'checklistItem'] as const),
  ...(['exceptionRequest', 'exceptionDecision', 'exceptionDecision', 'escalationResponse', 'remediation', 'cancellation', 'rejection'] as const),
];
const FORBIDDEN_REASONS = ['capacity', 'CAPACITY', 'record quality', 'RECORD_QUALITY'];

interface Op {
  wait: number;
  event: number;
  actor: number;
  a: number;
  b: number;
}
const op = fc.record({ wait: fc.nat(9), event: fc.nat(EVENTS.length - 1), actor: fc.nat(ACTORS.length - 1), a: fc.nat(40), b: fc.nat(40) });

/** A plausible payload for the event, chosen from what the model holds (items, exceptions, escalations). */
function payloadFor(m: TransferModel, name: EventName, o: Op, today: string): unknown {
  const s = m.transfer;
  const pick = <T>(xs: T[], n: number): T | undefined => (xs.length ? xs[n % xs.length] : undefined);
  const day = (n: number) => plus(today, n);
  const worker = { receivingSocialWorker: { id: `sw-${o.b % 3}`, role: 'social-worker' } };
  switch (name) {
    case 'notification':
      return { notifiedOn: today, windowEnd: o.b % 2 ? day(10 + o.a) : undefined };
    case 'acknowledgement':
      return o.b % 3 === 0 ? worker : {};
    case 'allocation':
      return worker;
    case 'checklistItem':
      // Mostly the next blocking item, done; sometimes any item in any state.
      if (o.b % 3) return { itemId: s.checklist.find((i) => i.blocking && i.state === 'open')?.itemId ?? pick(s.checklist, o.a)?.itemId ?? 'x', state: 'done' };
      return { itemId: pick(s.checklist, o.a)?.itemId ?? 'x', state: (['done', 'done', 'na', 'historic-gap', 'open'] as const)[o.b % 5], reason: o.b % 2 ? 'r' : undefined };
    case 'meeting':
      return { status: o.b % 2 ? 'held' : 'scheduled', on: day(o.a % 15), attendees: ['sw-anna'] };
    case 'exceptionRequest': {
      const kind = (['extend-window', 'waive-items', 'hold', 'resume', 'cancel-transfer'] as const)[o.b % 5];
      return { exceptionId: `x-${s.exceptions.length}-${o.a}`, kind, reason: 'r', newWindowEnd: day(20 + o.a), itemIds: [pick(s.checklist, o.a)?.itemId ?? 'x'] };
    }
    case 'exceptionDecision':
      return { exceptionId: pick(s.exceptions, o.a)?.exceptionId ?? 'nope', decision: o.b % 4 ? 'approve' : 'reject' };
    case 'escalationResponse':
      return { escalationId: pick(s.escalations, o.a)?.escalationId ?? 'nope', decision: 'chased' };
    case 'decision':
      return { on: today, transferOn: o.b % 3 ? day(1 + (o.a % 16)) : undefined, agreedTasks: o.b % 2 ? ['plan'] : undefined };
    case 'trigger': {
      const events = [s.trigger.event, ...(m.digest?.completingTriggers ?? []), 'best-interest-agreement', 'weekly-overview'];
      const outcome = o.b % 5 === 0 ? m.digest?.cancellingOutcomes[0]?.outcome : undefined;
      return { event: pick(events, o.a), on: today, outcome };
    }
    case 'remediation':
      return o.b % 2 ? { items: [{ itemId: `d${o.a}`, description: 'gap' }] } : { itemId: pick(s.remediation?.items ?? [], o.a)?.itemId ?? 'nope' };
    case 'cancellation':
      return { reason: pick(['CHILD_MOVED_AWAY', ...FORBIDDEN_REASONS], o.b) };
    case 'rejection':
      return { reason: pick([...(m.digest?.permittedRejectionReasons ?? []), ...FORBIDDEN_REASONS], o.b) };
  }
}

function checkInvariants(m: TransferModel, req: TransferRequest): void {
  const s = m.transfer;
  const completed = COMPLETED_STATUSES.includes(s.status);
  // Nothing completes without a completion mode, and only with one the kind has.
  expect(Boolean(s.completion)).toBe(completed);
  if (s.completion) expect(m.digest!.completion).toContain(s.completion.how);
  // INV-1: one responsible party: the sending worker until completion, then the receiving worker or the team queue.
  expect(s.people.allocatedSocialWorker.id).toBe(req.people.allocatedSocialWorker.id);
  if (s.completion?.receiver === 'worker') expect(s.completion.receivingSocialWorker?.id).toBeTruthy();
  // INV-6 (and every policy): a queue with no named worker is an open obligation until one is allocated.
  if (s.completion?.receiver === 'team-queue' && !s.people.receivingSocialWorker && s.status !== 'closed') {
    expect(allocationPending(m)).toBe(true);
    expect(s.status).toBe('post-transfer');
  }
  // INV-2, INV-3: capacity and record quality never end a transfer.
  for (const reason of [s.rejection?.reason, s.cancellation?.reason]) {
    if (reason) expect(m.digest!.forbiddenRejectionReasons.map((f) => f.reason)).not.toContain(reason.trim().toUpperCase().replace(/[\s-]+/g, '_'));
  }
  if (s.authority === 'islington' && s.completion) {
    // INV-4: never after the window end (which an approved two-sided exception may have moved).
    expect(s.completion.effectiveOn <= s.window!.endsOn).toBe(true);
    if (s.window!.endsOn !== s.window!.originalEndsOn) expect(s.exceptions.some((e) => e.kind === 'extend-window' && e.state === 'approved')).toBe(true);
    // INV-5: an Islington transfer completes at its own meeting or the window end, never at the trigger event.
    expect(s.completion.how).not.toBe('trigger-event');
  }
  // INV-7: the sibling group moves together: the children never change, and there is one completion.
  expect(s.children).toEqual(req.children);
  // Bounded lists.
  expect(m.appliedEventIds.length).toBeLessThanOrEqual(LIMITS.appliedEventIds);
  expect(s.history.filter((h) => h.outcome === 'rejected').length).toBeLessThanOrEqual(LIMITS.rejectedEntries);
}

async function prepare(m: TransferModel): Promise<TransferModel> {
  if (m.digest!.usesWindow) m = (await step(m, 'notification', actors.transferringTm, { notifiedOn: TODAY, windowEnd: plus(TODAY, 20) })).model;
  else {
    const transferOn = m.digest!.completion.includes('agreed-date') ? plus(TODAY, 5) : undefined;
    m = (await step(m, 'decision', actors.receivingTm, { on: TODAY, transferOn })).model;
  }
  for (const item of m.transfer.checklist.filter((i) => i.blocking && i.state === 'open')) {
    m = (await step(m, 'checklistItem', actors.allocatedSw, { itemId: item.itemId, state: 'done' })).model;
  }
  return m;
}

const POLICIES: [string, () => TransferRequest][] = [
  ['islington', () => isl()],
  ['barking-dagenham', () => lbbd()],
  ['somerset', som],
  ['southwark', swk],
  ['internal-v11', unn],
];

test.each(POLICIES)('%s: generated event sequences keep every property', async (_authority, build) => {
  const req = build();
  const first = await started(req);
  await fc.assert(
    fc.asyncProperty(fc.boolean(), fc.array(op, { minLength: 1, maxLength: 20 }), async (prepared, ops) => {
      // Half the runs start from a prepared transfer (notified or decided, checklist done), so that
      // the generated events also land on completion and after it.
      let m = prepared ? await prepare(first) : first;
      let today = TODAY;
      for (const [i, o] of ops.entries()) {
        if (o.wait) {
          today = plus(today, o.wait);
          m = await advance(m, at(today));
          checkInvariants(m, req);
        }
        const name = EVENTS[o.event];
        // Mostly someone the permission table allows (so that sequences get somewhere), sometimes anyone.
        const allowed = ACTORS.filter((x) => x.kind !== 'system' && isPermitted(EVENT_PERMISSIONS[name], x, req.people.allocatedSocialWorker.id));
        const actor = o.actor % 4 === 0 || !allowed.length ? ACTORS[o.actor] : allowed[o.actor % allowed.length];
        const payload = payloadFor(m, name, o, today);
        const before = JSON.stringify(m);
        const terminal = isTerminal(m);
        try {
          const result = await step(m, name, actor, payload as never, at(today), `e-${i}`);
          expect(terminal).toBe(false);
          expect(actor.kind).not.toBe('system');
          m = result.model;
        } catch (err) {
          // A refused event (or one a rule refuses) leaves the model exactly as it was.
          expect(err).toBeInstanceOf(Refusal);
          expect(JSON.stringify(m)).toBe(before);
        }
        if (terminal) {
          expect(validate(m, name, { actor, payload })).toBeInstanceOf(Refusal);
          expect(nextTimer(m)).toBeUndefined();
        }
        checkInvariants(m, req);
      }
    }),
    { numRuns: 25 },
  );
});
