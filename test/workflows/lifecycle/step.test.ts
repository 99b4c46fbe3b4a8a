// The step functions' own promises, with no Temporal: a failed request commits nothing, the system
// actor cannot be claimed, repeats are applied once, and what the model keeps is bounded.
import { answerState } from '../../../workflows/definitions';
import { LIMITS, view } from '../../../workflows/lifecycle/model';
import { applyEvent, rejectSignal, start } from '../../../workflows/lifecycle/step';
import { validate } from '../../../workflows/lifecycle/validate';
import { TODAY, WORKFLOW_ID, actors, apply, at, freshSchedule, isl, islNotified, lbbd, plus, run, runListing, som, started, step, swk, unn } from './harness';

const ctx = { now: at(TODAY), workflowId: WORKFLOW_ID };

test('a schedule computation that fails part-way through a step leaves the model unchanged', async () => {
  const m = await islNotified();
  const before = JSON.stringify(m);
  // The meeting asks for a new schedule; the local activity gives up.
  const scheduled = applyEvent(m, 'meeting', { actor: actors.transferringTm, payload: { status: 'scheduled', on: plus(TODAY, 5) } }, ctx);
  await expect(run(scheduled, (r) => r.kind === 'computeSchedule')).rejects.toThrow(/computeSchedule failed/);
  expect(JSON.stringify(m)).toBe(before);
  // An extension approved by the second side fails in its reschedule: neither the approval nor the new end lands.
  let x = (await step(m, 'exceptionRequest', actors.transferringTm, { exceptionId: 'e', kind: 'extend-window', reason: 'r', newWindowEnd: plus(TODAY, 40) })).model;
  x = (await step(x, 'exceptionDecision', actors.transferringSm, { exceptionId: 'e', decision: 'approve' })).model;
  const partly = JSON.stringify(x);
  const second = applyEvent(x, 'exceptionDecision', { actor: actors.receivingSm, payload: { exceptionId: 'e', decision: 'approve' } }, ctx);
  await expect(run(second, (r) => r.kind === 'computeSchedule')).rejects.toThrow();
  expect(JSON.stringify(x)).toBe(partly);
  expect(x.transfer.exceptions[0]).toMatchObject({ state: 'pending', approvals: [{ side: 'transferring' }] });
  // The same event with the activity working is applied in full.
  const ok = await step(x, 'exceptionDecision', actors.receivingSm, { exceptionId: 'e', decision: 'approve' });
  expect(ok.model.transfer.window?.endsOn).toBe(plus(TODAY, 40));
});

test('an event claiming the system actor is refused, and a signal doing so is recorded as rejected', async () => {
  const m = await islNotified();
  const system = { id: 'system', roles: [], sides: [], kind: 'system' as const };
  const refusal = validate(m, 'cancellation', { actor: system, payload: { reason: 'CHILD_MOVED_AWAY' } });
  expect(refusal).toMatchObject({ type: 'Forbidden', message: expect.stringMatching(/system actor/) });
  await expect(step(m, 'cancellation', system, { reason: 'CHILD_MOVED_AWAY' })).rejects.toMatchObject({ type: 'Forbidden' });
  const rejected = rejectSignal(m, 'cancellation', { actor: system, payload: { reason: 'x' } }, refusal!, ctx);
  expect(rejected.model.transfer.status).toBe('notified');
  expect(rejected.model.transfer.history.at(-1)).toMatchObject({ event: 'cancellation', by: 'system', outcome: 'rejected', detail: expect.stringMatching(/system actor/) });
  expect(rejected.effects.map((e) => e.message.outcome)).toEqual(['rejected']);
});

test('an applied event id is applied once; the answer leaves out history and fixed fields, and rebuilds the state', async () => {
  const m = await islNotified();
  const first = await step(m, 'acknowledgement', actors.receivingTm, {}, at(TODAY), 'ack-1');
  expect(first.result).toMatchObject({ status: 'acknowledged', version: m.version + 1, detail: `acknowledged on ${TODAY}`, eventId: 'ack-1' });
  const answer = first.result.answer!;
  for (const held of ['history', 'children', 'people', 'transferId', 'from', 'to']) expect(answer).not.toHaveProperty(held);
  // Onto the state read before the event, or one read long after it: the same state.
  expect(answerState(m.transfer, answer)).toEqual(first.model.transfer);
  const later = await step(first.model, 'allocation', actors.receivingTm, { receivingSocialWorker: { id: 'sw-jo', role: 'social-worker' } });
  expect(JSON.stringify(answerState(later.model.transfer, answer))).toBe(JSON.stringify(answerState(m.transfer, answer)));
  // It does not grow with the history: ten more events later, an answer is no larger.
  let more = later.model;
  for (let i = 0; i < 10; i++) more = (await step(more, 'checklistItem', actors.allocatedSw, { itemId: more.transfer.checklist[0].itemId, state: 'done' })).model;
  const tenth = await step(more, 'checklistItem', actors.allocatedSw, { itemId: more.transfer.checklist[0].itemId, state: 'done' });
  expect(JSON.stringify(tenth.result.answer).length).toBeLessThan(JSON.stringify(answer).length + 300);
  const again = await step(first.model, 'acknowledgement', actors.receivingTm, {}, at(TODAY), 'ack-1');
  expect(again.model).toBe(first.model);
  expect(again.effects).toEqual([]);
  expect(again.result).toMatchObject({ duplicate: true, eventId: 'ack-1' });
});

test('a bad signal sent a thousand times grows nothing without limit', async () => {
  let m = await islNotified();
  const payload = { notifiedOn: 'not a date' };
  for (let i = 0; i < 1000; i++) {
    // From a hundred different senders, so no two in a row are the same refusal.
    const actor = { ...actors.transferringTm, id: `tm-${i % 100}` };
    m = rejectSignal(m, 'notification', { actor, payload, eventId: `e-${i}` }, validate(m, 'notification', { actor, payload })!, ctx).model;
  }
  expect(m.transfer.history.filter((h) => h.outcome === 'rejected')).toHaveLength(LIMITS.rejectedEntries);
  expect(m.transfer.history.filter((h) => h.outcome === 'accepted')).toHaveLength(1);
  expect(m.rejectedCount).toBe(1000);
});

test('the applied event ids the model keeps are bounded, the newest kept', async () => {
  let m = await islNotified();
  const itemId = m.transfer.checklist[0].itemId;
  // As if the first thousand had been applied already; five more push the oldest out.
  m = { ...m, appliedEventIds: Array.from({ length: LIMITS.appliedEventIds }, (_, i) => `item-${i}`) };
  for (let i = LIMITS.appliedEventIds; i < LIMITS.appliedEventIds + 5; i++) {
    m = (await step(m, 'checklistItem', actors.allocatedSw, { itemId, state: 'done' }, at(TODAY), `item-${i}`)).model;
  }
  // The oldest is gone, so it would be applied again; a kept one is not.
  expect((await step(m, 'checklistItem', actors.allocatedSw, { itemId, state: 'done' }, at(TODAY), 'item-10')).result.duplicate).toBe(true);
  expect(m.appliedEventIds).toHaveLength(LIMITS.appliedEventIds);
  expect(m.appliedEventIds[0]).toBe('item-5');
  expect(m.appliedEventIds.at(-1)).toBe(`item-${LIMITS.appliedEventIds + 4}`);
});

test('the same rejection repeated is counted on its entry, not added again', async () => {
  let m = await islNotified();
  const payload = { notifiedOn: 'x' };
  const refusal = validate(m, 'notification', { actor: actors.transferringTm, payload })!;
  const effects: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = rejectSignal(m, 'notification', { actor: actors.transferringTm, payload }, refusal, ctx);
    effects.push(r.effects.length);
    m = r.model;
  }
  expect(effects).toEqual([1, 0, 0, 0, 0]);
  expect(m.transfer.history.filter((h) => h.outcome === 'rejected')).toEqual([expect.objectContaining({ repeats: 5 })]);
});

test('the state names each region beside the status', async () => {
  const m = await islNotified();
  expect(view(m).regions).toEqual({ allocation: 'team-identified', checklist: 'ready', meeting: 'none', exception: 'none', escalation: 'none', hold: 'running', signOff: 'not-required' });
  const scheduled = (await step(m, 'meeting', actors.transferringTm, { status: 'scheduled', on: plus(TODAY, 3) })).model;
  const held = (await step(scheduled, 'exceptionRequest', actors.transferringTm, { exceptionId: 'h', kind: 'hold', reason: 'r' })).model;
  expect(view(held).regions).toMatchObject({ meeting: 'scheduled', exception: 'requested' });
});

test('a step that requests an exception needing approval publishes it for the approvers; one applied at once does not', async () => {
  const m = await islNotified();
  const asked = await step(m, 'exceptionRequest', actors.transferringTm, { exceptionId: 'e-1', kind: 'extend-window', reason: 'review moved', newWindowEnd: plus(TODAY, 40) });
  const published = asked.effects.map((e) => e.message.snapshot.awaitingApproval);
  expect(published).toEqual([[expect.objectContaining({ exceptionId: 'e-1', state: 'pending', requiredSides: ['transferring', 'receiving'] })]]);
  // The first side's approval asks nobody new.
  const half = await step(asked.model, 'exceptionDecision', actors.transferringSm, { exceptionId: 'e-1', decision: 'approve' });
  expect(half.effects.map((e) => e.message.snapshot.awaitingApproval)).toEqual([[]]);
  let held = (await step(m, 'exceptionRequest', actors.transferringTm, { exceptionId: 'h-1', kind: 'hold', reason: 'child in hospital' })).model;
  for (const approver of [actors.transferringSm, actors.receivingSm]) held = (await step(held, 'exceptionDecision', approver, { exceptionId: 'h-1', decision: 'approve' })).model;
  expect(held.transfer.onHold).toBe(true);
  const resumed = await step(held, 'exceptionRequest', actors.transferringTm, { exceptionId: 'r-1', kind: 'resume', reason: 'back home' });
  expect(resumed.effects.map((e) => e.message.snapshot.awaitingApproval)).toEqual([[]]);
});

test('a start asks once, for the pinned digest and the first schedule together, and keeps the schedule that request gave', async () => {
  for (const req of [isl(), isl({ notifiedOn: TODAY, windowEnd: plus(TODAY, 30) }), som(), swk(), unn(), lbbd()]) {
    const input = { request: req, requestHash: 'h', startedBy: actors.integration, receivedOn: TODAY };
    const { value: { model }, asked } = await runListing(start(input, ctx));
    expect({ kind: req.kind, asked }).toEqual({ kind: req.kind, asked: ['firstSchedule'] });
    // The same schedule every later step would compute from the pinned copy and these facts.
    expect(JSON.stringify(model.schedule)).toBe(JSON.stringify(await freshSchedule(model)));
  }
});

test('a notification asks for one schedule when nothing changed after its trial, and the same model results', async () => {
  const m = await started(isl());
  const notify = (payload: Record<string, unknown>) => runListing(applyEvent(m, 'notification', { actor: actors.transferringTm, payload }, ctx));
  const once = await notify({ notifiedOn: TODAY });
  expect(once.asked.filter((k) => k === 'computeSchedule')).toHaveLength(1);
  // The trial's answer is the schedule a second computation would give for the same facts.
  expect(JSON.stringify(once.value.model.schedule)).toBe(JSON.stringify(await freshSchedule(once.value.model)));
  // Facts that change after the trial (the important dates) are asked for again.
  const changed = await notify({ notifiedOn: TODAY, importantDates: [{ what: 'court hearing', on: plus(TODAY, 20) }] });
  expect(changed.asked.filter((k) => k === 'computeSchedule')).toHaveLength(2);
});

test('a completion asks for one schedule: the guard request brings the schedule once completed, whoever receives the case', async () => {
  for (const receivingSocialWorker of [{ id: 'sw-jo', role: 'social-worker' }, undefined]) {
    const notified = await islNotified();
    const m = await apply(notified, 'acknowledgement', actors.receivingTm, receivingSocialWorker ? { receivingSocialWorker } : {});
    const held = { status: 'held' as const, on: TODAY, attendees: ['sw-anna'] };
    const { value, asked } = await runListing(applyEvent(m, 'meeting', { actor: actors.transferringTm, payload: held }, ctx));
    const receiver = value.model.transfer.completion?.receiver;
    expect({ receiver, schedules: asked.filter((k) => k === 'computeSchedule' || k === 'completionTrial') }).toEqual({
      receiver: receivingSocialWorker ? 'worker' : 'team-queue',
      schedules: ['completionTrial'],
    });
    // The trial is the schedule a computation after the completion gives for the same facts.
    expect(JSON.stringify(value.model.schedule)).toBe(JSON.stringify(await freshSchedule(value.model)));
  }
});
