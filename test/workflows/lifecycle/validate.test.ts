// Every refusal `validate` can give, each against a model in the state that provokes it, and a
// check that the step refuses the same way (and changes nothing).
import type { Actor, EventName } from '../../../workflows/definitions';
import type { TransferModel } from '../../../workflows/lifecycle/model';
import { Refusal } from '../../../workflows/lifecycle/requests';
import { validate } from '../../../workflows/lifecycle/validate';
import { TODAY, actors, advance, apply, at, isl, islNotified, lbbd, plus, request, som, started, step, swk, unn } from './harness';

type Fixture = 'partlyApproved' | 'noForum' | 'identified' | 'notified' | 'completed' | 'cancelled' | 'lbbd' | 'unn' | 'returned' | 'swkDone' | 'swkLetter' | 'pendingException' | 'escalated' | 'onHold' | 'blocked';
const models = {} as Record<Fixture, TransferModel>;
const worker = { receivingSocialWorker: { id: 'sw-jo', role: 'social-worker' } };

beforeAll(async () => {
  models.identified = await started(isl());
  models.notified = await islNotified();
  const allocated = await apply(models.notified, 'allocation', actors.receivingTm, worker);
  models.completed = await apply(allocated, 'meeting', actors.transferringTm, { status: 'held', on: TODAY, attendees: ['sw-anna'] });
  models.cancelled = await apply(models.notified, 'cancellation', actors.transferringTm, { reason: 'CHILD_MOVED_AWAY' });
  models.lbbd = await started(lbbd());
  models.unn = await started(unn());
  const decided = await apply(await started(som()), 'decision', actors.receivingTm, { on: TODAY, agreedTasks: ['assessment'] });
  models.returned = await advance(decided, at(plus(TODAY, 16)));
  models.swkDone = await apply(await started(swk()), 'trigger', actors.integration, { event: 'cin-review', on: plus(TODAY, 14) }, at(plus(TODAY, 14)));
  models.swkLetter = await apply(models.swkDone, 'remediation', actors.receivingTm, { items: [{ itemId: 'chronology', description: 'gaps' }] }, at(plus(TODAY, 14)));
  models.swkLetter = await apply(models.swkLetter, 'remediation', actors.transferringTm, { itemId: 'chronology' }, at(plus(TODAY, 15)));
  models.pendingException = await apply(models.notified, 'exceptionRequest', actors.transferringTm, { exceptionId: 'e1', kind: 'extend-window', reason: 'r', newWindowEnd: plus(TODAY, 40) });
  models.partlyApproved = await apply(models.pendingException, 'exceptionDecision', actors.transferringSm, { exceptionId: 'e1', decision: 'approve' });
  // No policy today has a kind without an allocation forum: the digest is data, so make one.
  models.noForum = { ...models.notified, digest: { ...models.notified.digest!, usesDecision: false } };
  models.escalated = await advance(models.notified, at(plus(TODAY, 4)));
  const hold = await apply(models.notified, 'exceptionRequest', actors.transferringTm, { exceptionId: 'h', kind: 'hold', reason: 'r' });
  models.onHold = await apply(await apply(hold, 'exceptionDecision', actors.transferringSm, { exceptionId: 'h', decision: 'approve' }), 'exceptionDecision', actors.receivingSm, { exceptionId: 'h', decision: 'approve' });
  models.blocked = await started(lbbd('lbbd-transfer-in-cin', 'transfer-in-request'));
});

const system = { id: 'system', roles: [], sides: [], kind: 'system' } as Actor;
const tm = actors.transferringTm;
const rm = actors.receivingTm;
const item = (m: TransferModel) => m.transfer.checklist[0].itemId;
type Case = [string, Fixture, EventName, Actor, unknown, Refusal['type'], RegExp];

const CASES: Case[] = [
  ['no payload', 'notified', 'acknowledgement', rm, null, 'InvalidState', /malformed/],
  ['an actor without roles', 'notified', 'acknowledgement', { id: 'x' } as Actor, {}, 'InvalidState', /id, roles and sides/],
  ['an actor claiming to be the system', 'notified', 'acknowledgement', system, {}, 'Forbidden', /system actor/],
  ['a person using the system id', 'notified', 'acknowledgement', { ...rm, id: 'system' }, {}, 'Forbidden', /system actor/],
  ['an actor of an unknown kind', 'notified', 'acknowledgement', { ...rm, kind: 'robot' } as unknown as Actor, {}, 'InvalidState', /person or integration/],
  ['a role the table does not permit', 'identified', 'notification', actors.allocatedSw, { notifiedOn: TODAY }, 'Forbidden', /may not record notification/],
  ['an integration where only managers may', 'notified', 'acknowledgement', actors.integration, {}, 'Forbidden', /may not record/],
  ['the wrong side', 'notified', 'acknowledgement', tm, {}, 'Forbidden', /may not record/],
  ['another social worker', 'notified', 'checklistItem', actors.otherSw, { itemId: 'x', state: 'done' }, 'Forbidden', /may not record/],
  ['any event on a terminal transfer', 'cancelled', 'cancellation', tm, { reason: 'x' }, 'InvalidState', /is cancelled/],
  ['notification: not a date', 'identified', 'notification', tm, { notifiedOn: '1 Feb' }, 'InvalidState', /notifiedOn must be a date/],
  ['notification: window end not a date', 'identified', 'notification', tm, { notifiedOn: TODAY, windowEnd: 'soon' }, 'InvalidState', /windowEnd must be a date/],
  ['notification: twice', 'notified', 'notification', tm, { notifiedOn: TODAY }, 'InvalidState', /already notified/],
  ['notification: after completion, where a decision notified it', 'completed', 'notification', tm, { notifiedOn: TODAY }, 'InvalidState', /already notified/],
  ['acknowledgement: not yet notified', 'identified', 'acknowledgement', rm, {}, 'InvalidState', /needs a notified transfer/],
  ['acknowledgement: not a date', 'notified', 'acknowledgement', rm, { acknowledgedOn: 'today' }, 'InvalidState', /acknowledgedOn must be a date/],
  ['allocation: no worker', 'notified', 'allocation', rm, {}, 'InvalidState', /receivingSocialWorker is required/],
  ['allocation: a worker already there after completion', 'completed', 'allocation', rm, worker, 'InvalidState', /already allocated/],
  ['checklist: no such item', 'notified', 'checklistItem', tm, { itemId: 'nope', state: 'done' }, 'NotFound', /no checklist item nope/],
  ['checklist: an unknown state', 'notified', 'checklistItem', tm, { itemId: '$item', state: 'finished' }, 'InvalidState', /state must be/],
  ['checklist: reopened after completion', 'completed', 'checklistItem', tm, { itemId: '$item', state: 'open', reason: 'r' }, 'InvalidState', /only deferred items/],
  ['checklist: historic gap outside LBBD', 'notified', 'checklistItem', tm, { itemId: '$item', state: 'historic-gap' }, 'InvalidState', /historic-gap applies only/],
  ['checklist: n/a without a reason', 'notified', 'checklistItem', tm, { itemId: '$item', state: 'na' }, 'InvalidState', /na needs a reason/],
  ['checklist: reopened without a reason', 'notified', 'checklistItem', tm, { itemId: '$item', state: 'open' }, 'InvalidState', /open needs a reason/],
  ['meeting: not a date', 'notified', 'meeting', tm, { status: 'scheduled', on: 'x' }, 'InvalidState', /on must be a date/],
  ['meeting: after completion', 'completed', 'meeting', tm, { status: 'held', on: TODAY }, 'InvalidState', /not valid after completion/],
  ['meeting: an unknown status', 'notified', 'meeting', tm, { status: 'cancelled', on: TODAY }, 'InvalidState', /scheduled or held/],
  ['meeting: outside the window (T-ISL-06)', 'notified', 'meeting', tm, { status: 'scheduled', on: plus(TODAY, 31) }, 'InvalidState', /T-ISL-06/],
  ['meeting: held while blocked', 'blocked', 'meeting', tm, { status: 'held', on: TODAY }, 'InvalidState', /R-BLK-LBBD-TIN/],
  ['meeting: held after a return to the allocation meeting', 'returned', 'meeting', tm, { status: 'held', on: plus(TODAY, 16) }, 'InvalidState', /record a new decision first/],
  ['meeting: held before sign-off (LBBD)', 'lbbd', 'meeting', tm, { status: 'held', on: TODAY }, 'InvalidState', /checklist gate is not met/],
  ['meeting: held before the notification (ISL)', 'identified', 'meeting', tm, { status: 'held', on: TODAY }, 'InvalidState', /not been notified/],
  ['exception: after completion', 'completed', 'exceptionRequest', tm, { exceptionId: 'x', kind: 'hold', reason: 'r' }, 'InvalidState', /not valid after completion/],
  ['exception: no id', 'notified', 'exceptionRequest', tm, { kind: 'hold', reason: 'r' }, 'InvalidState', /exceptionId is required/],
  ['exception: unknown kind', 'notified', 'exceptionRequest', tm, { exceptionId: 'x', kind: 'pause', reason: 'r' }, 'InvalidState', /unknown exception kind/],
  ['exception: extension not a date', 'notified', 'exceptionRequest', tm, { exceptionId: 'x', kind: 'extend-window', reason: 'r', newWindowEnd: 'x' }, 'InvalidState', /newWindowEnd must be a date/],
  ['exception: extension not later', 'notified', 'exceptionRequest', tm, { exceptionId: 'x', kind: 'extend-window', reason: 'r', newWindowEnd: plus(TODAY, 20) }, 'InvalidState', /must be after the current end/],
  ['exception: waiver without items', 'notified', 'exceptionRequest', tm, { exceptionId: 'x', kind: 'waive-items', reason: 'r', itemIds: [] }, 'InvalidState', /itemIds are required/],
  ['exception: waiver of an unknown item', 'notified', 'exceptionRequest', tm, { exceptionId: 'x', kind: 'waive-items', reason: 'r', itemIds: ['nope'] }, 'InvalidState', /no checklist item nope on this transfer/],
  ['exception: hold while on hold', 'onHold', 'exceptionRequest', tm, { exceptionId: 'x', kind: 'hold', reason: 'r' }, 'InvalidState', /already on hold/],
  ['exception: resume while running', 'notified', 'exceptionRequest', tm, { exceptionId: 'x', kind: 'resume', reason: 'r' }, 'InvalidState', /not on hold/],
  ['exception: the same id again', 'pendingException', 'exceptionRequest', tm, { exceptionId: 'e1', kind: 'hold', reason: 'r' }, 'InvalidState', /duplicate exceptionId/],
  ['approval: after completion', 'completed', 'exceptionDecision', actors.transferringSm, { exceptionId: 'e1', decision: 'approve' }, 'InvalidState', /not valid after completion/],
  ['approval: below the rank', 'pendingException', 'exceptionDecision', tm, { exceptionId: 'e1', decision: 'approve' }, 'Forbidden', /needs the rank service-manager/],
  ['approval: no such exception', 'pendingException', 'exceptionDecision', actors.transferringSm, { exceptionId: 'nope', decision: 'approve' }, 'NotFound', /no exception nope/],
  ['approval: already decided', 'onHold', 'exceptionDecision', actors.transferringSm, { exceptionId: 'h', decision: 'approve' }, 'InvalidState', /already approved/],
  ['approval: an unknown decision', 'pendingException', 'exceptionDecision', actors.transferringSm, { exceptionId: 'e1', decision: 'maybe' }, 'InvalidState', /approve or reject/],
  ['approval: from a side that has approved', 'partlyApproved', 'exceptionDecision', actors.transferringSm, { exceptionId: 'e1', decision: 'approve' }, 'Forbidden', /approver is not on it/],
  ['escalation answer: no such escalation', 'escalated', 'escalationResponse', actors.receivingSm, { escalationId: 'nope', decision: 'd' }, 'NotFound', /no escalation nope/],
  ['escalation answer: from below', 'escalated', 'escalationResponse', rm, { escalationId: 'esc-1', decision: 'd' }, 'Forbidden', /escalated to, or someone above/],
  ['escalation answer: without a decision', 'escalated', 'escalationResponse', actors.receivingSm, { escalationId: 'esc-1', decision: '' }, 'InvalidState', /decision is required/],
  ['decision: not a date', 'unn', 'decision', rm, { on: 'x' }, 'InvalidState', /on must be a date/],
  ['decision: transfer date not a date', 'unn', 'decision', rm, { on: TODAY, transferOn: 'x' }, 'InvalidState', /transferOn must be a date/],
  ['decision: after completion', 'swkDone', 'decision', rm, { on: TODAY }, 'InvalidState', /not valid after completion/],
  ['decision: a kind without an allocation forum', 'noForum', 'decision', rm, { on: TODAY }, 'InvalidState', /not decided at an allocation meeting/],
  ['trigger: not a date', 'notified', 'trigger', actors.integration, { event: 'x', on: 'x' }, 'InvalidState', /on must be a date/],
  ['trigger: no event', 'notified', 'trigger', actors.integration, { event: '', on: TODAY }, 'InvalidState', /event is required/],
  ['trigger: after completion', 'completed', 'trigger', actors.integration, { event: 'first-cla-review', on: TODAY }, 'InvalidState', /not valid after completion/],
  ['remediation: before completion', 'notified', 'remediation', rm, { items: [{ itemId: 'a', description: 'd' }] }, 'InvalidState', /after completion/],
  ['remediation: a letter from the transferring side', 'swkDone', 'remediation', tm, { items: [{ itemId: 'a', description: 'd' }] }, 'Forbidden', /receiving side lists/],
  ['remediation: a second letter', 'swkLetter', 'remediation', rm, { items: [{ itemId: 'a', description: 'd' }] }, 'InvalidState', /already sent/],
  ['remediation: a letter without items', 'swkDone', 'remediation', rm, { items: [] }, 'InvalidState', /at least one defect/],
  ['remediation: a letter date not a date', 'swkDone', 'remediation', rm, { items: [{ itemId: 'a', description: 'd' }], letterOn: 'x' }, 'InvalidState', /letterOn must be a date/],
  ['remediation: a fix from the receiving side', 'swkLetter', 'remediation', rm, { itemId: 'chronology' }, 'Forbidden', /transferring side marks/],
  ['remediation: a fix of an unknown item', 'swkLetter', 'remediation', tm, { itemId: 'nope' }, 'NotFound', /no remediation item nope/],
  ['remediation: a fix twice', 'swkLetter', 'remediation', tm, { itemId: 'chronology' }, 'InvalidState', /already done/],
  ['remediation: neither letter nor fix', 'swkDone', 'remediation', rm, {}, 'InvalidState', /send items/],
  ['cancellation: after completion', 'completed', 'cancellation', tm, { reason: 'x' }, 'InvalidState', /not valid after completion/],
  ['cancellation: no reason', 'notified', 'cancellation', tm, { reason: '' }, 'InvalidState', /reason is required/],
  ['cancellation: capacity (INV-2)', 'notified', 'cancellation', rm, { reason: 'capacity' }, 'InvalidState', /CAPACITY is never a reason to stop/],
  ['a cancel-transfer exception: record quality (INV-3)', 'notified', 'exceptionRequest', tm, { exceptionId: 'x', kind: 'cancel-transfer', reason: 'record quality' }, 'InvalidState', /RECORD_QUALITY is never a reason to stop/],
  ['rejection: after completion', 'completed', 'rejection', rm, { reason: 'CRITERIA_NOT_MET' }, 'InvalidState', /not valid after completion/],
  ['rejection: record quality (INV-3)', 'notified', 'rejection', rm, { reason: 'record quality' }, 'InvalidState', /never a reason to refuse/],
  ['rejection: a reason the policy does not permit', 'notified', 'rejection', rm, { reason: 'TOO_BUSY' }, 'InvalidState', /not a permitted reason/],
];

test.each(CASES)('%s', async (_name, fixture, event, actor, payload, type, message) => {
  const m = models[fixture];
  const resolved = payload && typeof payload === 'object' && (payload as { itemId?: string }).itemId === '$item' ? { ...payload, itemId: item(m) } : payload;
  const env = { actor, payload: resolved };
  const refusal = validate(m, event, env as never);
  expect(refusal).toBeInstanceOf(Refusal);
  expect(refusal).toMatchObject({ type, message: expect.stringMatching(message) });
  // The step refuses the same way, before anything changes.
  const before = JSON.stringify(m);
  await expect(step(m, event, actor, resolved as never)).rejects.toMatchObject({ type, message: expect.stringMatching(message) });
  expect(JSON.stringify(m)).toBe(before);
});

test('a rule the schedule refuses is a RuleViolation naming the rule, and nothing changes (ISL-03)', async () => {
  const m = models.identified;
  const before = JSON.stringify(m);
  expect(validate(m, 'notification', { actor: tm, payload: { notifiedOn: TODAY, windowEnd: plus(TODAY, 43) } })).toBeUndefined();
  await expect(step(m, 'notification', tm, { notifiedOn: TODAY, windowEnd: plus(TODAY, 43) })).rejects.toMatchObject({
    type: 'RuleViolation',
    message: expect.stringMatching(/T-ISL-04/),
  });
  expect(JSON.stringify(m)).toBe(before);
});

test('what each fixture is in, so the refusals above are provoked by the state they name', () => {
  expect(Object.fromEntries(Object.entries(models).map(([k, m]) => [k, m.transfer.status]))).toEqual({
    identified: 'identified',
    notified: 'notified',
    completed: 'completed',
    cancelled: 'cancelled',
    lbbd: 'identified',
    unn: 'identified',
    returned: 'returned-to-meeting',
    swkDone: 'post-transfer',
    swkLetter: 'post-transfer',
    pendingException: 'notified',
    partlyApproved: 'notified',
    noForum: 'notified',
    escalated: 'notified',
    onHold: 'notified',
    blocked: 'blocked',
  });
  expect(models.escalated.transfer.escalations[0]).toMatchObject({ escalationId: 'esc-1', state: 'open', to: { id: 'sm-gu' } });
  expect(models.onHold.transfer.regions.hold).toBe('on-hold');
});

test('a policy refusal names the field, the rule and the valid date in its errors (T-ISL-06, INV-2)', () => {
  const m = models.notified;
  const end = m.transfer.window!.endsOn;
  const late = validate(m, 'meeting', { actor: tm, payload: { status: 'scheduled', on: plus(end, 1) } } as never);
  expect(late?.details).toMatchObject({ rule: 'T-ISL-06', latestOn: end, errors: [{ path: 'on', rule: 'T-ISL-06', latestOn: end }] });
  const early = validate(m, 'meeting', { actor: tm, payload: { status: 'scheduled', on: plus(m.transfer.window!.opensOn, -1) } } as never);
  expect(early?.details).toMatchObject({ earliestOn: m.transfer.window!.opensOn, errors: [{ path: 'on', earliestOn: m.transfer.window!.opensOn }] });
  const capacity = validate(m, 'cancellation', { actor: tm, payload: { reason: 'capacity' } } as never);
  expect(capacity?.details).toMatchObject({ errors: [{ path: 'reason', rule: expect.any(String) }] });
});

test('refusals of a value the transfer or its policy does not know name the field: a rejection reason (T12), a waived item, a window end', () => {
  const m = models.notified;
  const reject = validate(m, 'rejection', { actor: rm, payload: { reason: 'BECAUSE' } } as never);
  expect(reject?.details).toMatchObject({ rule: 'T12', allowed: m.digest!.permittedRejectionReasons, errors: [{ path: 'reason', rule: 'T12' }] });
  const waive = validate(m, 'exceptionRequest', { actor: tm, payload: { exceptionId: 'x', kind: 'waive-items', reason: 'r', itemIds: [item(m), 'nope'] } } as never);
  expect(waive?.details).toMatchObject({ errors: [{ path: 'itemIds[1]' }], allowed: m.transfer.checklist.map((i) => i.itemId) });
  const extend = validate(m, 'exceptionRequest', { actor: tm, payload: { exceptionId: 'x', kind: 'extend-window', reason: 'r', newWindowEnd: m.transfer.window!.endsOn } } as never);
  expect(extend?.details).toMatchObject({ errors: [{ path: 'newWindowEnd' }] });
});

test('a manual completion cannot be dated before the transfer was decided', async () => {
  const m = await started(request('islington', 'isl-rereferral', { event: 're-referral', date: TODAY }, { decidedOn: TODAY }));
  const r = validate(m, 'completion', { actor: actors.transferringTm, payload: { on: plus(TODAY, -1) } } as never);
  expect(r).toMatchObject({ type: 'InvalidState', details: { earliestOn: TODAY, errors: [{ path: 'on', earliestOn: TODAY }] } });
  expect(validate(m, 'completion', { actor: actors.transferringTm, payload: { on: TODAY } } as never)).toBeUndefined();
});
