// General mechanisms a protocol can use without any engine change, on an invented authority's
// policy: a clock anchored on a named event, a deadline met by a checklist item, one armed only once
// another event is reported, a recurring report that does not move the trigger date, and approvers
// per kind of exception (a two-sided decision, and one either side settles).
import { createActivities } from '../../../activities';
import { checkPolicy } from '../../../activities/policy/check';
import { PolicyRegistry } from '../../../activities/policy/registry';
import type { Policy } from '../../../activities/policy/types';
import type { StartTransferInput } from '../../../workflows/definitions';
import type { TransferModel } from '../../../workflows/lifecycle/model';
import type { Asks } from '../../../workflows/lifecycle/requests';
import { applyEvent, start } from '../../../workflows/lifecycle/step';
import { validate } from '../../../workflows/lifecycle/validate';
import { calendar } from '../../support/time-skipping';
import { actors, at, plus, request, TODAY, WORKFLOW_ID } from './harness';

const src = 'generated for a test';
const policy: Policy = {
  authority: 'east-shire',
  code: 'ESH',
  name: 'East Shire',
  document: 'Case transfer protocol',
  seed: src,
  protocolVersion: '1.0',
  policyVersion: '2026-11-01.1',
  effectiveFrom: '2026-11-01',
  jobTitles: [
    { title: 'Social Worker', rank: 'social-worker', source: src },
    { title: 'Team Manager', rank: 'team-manager', source: src },
  ],
  escalationLadder: [{ rank: 'team-manager', titles: ['Team Manager'] }],
  escalationResponse: { within: { unit: 'working-days', n: 2 }, rule: 'T-ESH-09', source: src },
  exceptionApproval: {
    sides: ['transferring', 'receiving'],
    minRank: 'team-manager',
    decision: 'every-side',
    source: src,
    exceptions: { hold: { sides: ['transferring', 'receiving'], minRank: 'team-manager', decision: 'any-side', source: src } },
  },
  rejection: { permitted: [], forbidden: [] },
  checklistGate: { source: src },
  manualCompletion: { minRank: 'team-manager', sides: ['transferring', 'receiving'], source: src },
  kinds: [
    {
      id: 'esh-to-long-term',
      title: 'To the long-term team',
      from: 'Assessment',
      to: 'Long-term team',
      trigger: { events: ['referral'], description: 'a referral' },
      timing: 'when the managers agree',
      responsibility: 'Y',
      source: src,
      completion: ['manual'],
    },
  ],
  deadlines: [
    {
      id: 'core-group-notes',
      rule: 'T-ESH-01',
      source: src,
      what: 'Notes of the core group on file',
      anchor: { event: 'core-group' },
      offset: { unit: 'working-days', n: 5 },
      metBy: 'checklist-item',
      metByItem: 'esh-core-group-notes',
      onMissed: { kind: 'flag' },
    },
    {
      id: 'weekly-visit',
      rule: 'T-ESH-02',
      source: src,
      what: 'A visit every week from the referral',
      anchor: { event: 'referral' },
      offset: { unit: 'days', n: 7 },
      repeatEvery: { unit: 'days', n: 7 },
      metBy: 'trigger',
      metByEvent: 'weekly-visit',
      onMissed: { kind: 'flag' },
    },
    {
      id: 'allocation-after-core-group',
      rule: 'T-ESH-03',
      source: src,
      what: 'Once a core group has met, a worker is allocated within 10 days of the referral',
      anchor: { event: 'referral' },
      offset: { unit: 'days', n: 10 },
      when: { reported: 'core-group' },
      metBy: 'allocation',
      onMissed: { kind: 'flag' },
    },
  ],
  bounds: [],
  checklist: [
    { itemId: 'esh-core-group-notes', title: 'Core group notes', section: 'checklist', source: src, appliesWhen: 'all' },
    { itemId: 'esh-case-summary', title: 'Case summary', section: 'checklist', source: src, appliesWhen: 'all' },
  ],
  rules: [
    { id: 'T-ESH-01', text: 'Core group notes within 5 working days of the core group', source: src, use: 'deadline' },
    { id: 'T-ESH-02', text: 'A weekly visit', source: src, use: 'deadline' },
    { id: 'T-ESH-03', text: 'Allocation within 10 days of the referral once a core group has met', source: src, use: 'deadline' },
    { id: 'T-ESH-09', text: 'An escalated manager answers within 2 working days', source: src, use: 'information' },
  ],
  settings: {},
};

const activities = createActivities({ policies: new PolicyRegistry([policy]), audit: () => undefined, mail: undefined, webhook: undefined });

async function run<T>(step: Asks<T>): Promise<T> {
  let next = step.next();
  while (!next.done) next = step.next(await (activities[next.value.kind] as (input: unknown) => Promise<unknown>)(next.value.input));
  return next.value;
}
/** A long-term transfer in the generated authority, started today on a referral. */
async function startedToday(): Promise<TransferModel> {
  const input: StartTransferInput = {
    request: request('east-shire', 'esh-to-long-term', { event: 'referral', date: TODAY }),
    requestHash: 'h',
    startedBy: actors.integration,
    receivedOn: TODAY,
  };
  return (await run(start(input, { now: at(TODAY), workflowId: WORKFLOW_ID }))).model;
}
const pending = (m: TransferModel, rule: string) => m.transfer.deadlines.filter((d) => d.rule === rule && d.state === 'pending').map((d) => d.dueOn);
const stateOf = (m: TransferModel, rule: string) => m.transfer.deadlines.filter((d) => d.rule === rule).map((d) => [d.dueOn, d.state]);

test('a clock on a named event, met by a checklist item; the kind\'s other events and a recurring report leave the trigger date', async () => {
  let m = await startedToday();
  // No core group yet: its clock is not armed. The weekly visit counts from the referral (the start trigger).
  expect(pending(m, 'T-ESH-01')).toEqual([]);
  expect(pending(m, 'T-ESH-03')).toEqual([]);
  expect(pending(m, 'T-ESH-02')).toEqual([plus(TODAY, 7)]);

  const event = async (name: 'trigger' | 'checklistItem', payload: object, on: string) =>
    (await run(applyEvent(m, name, { actor: actors.transferringTm, payload } as never, { now: at(on), workflowId: WORKFLOW_ID }))).model;

  const coreGroupOn = plus(TODAY, 2);
  m = await event('trigger', { event: 'core-group', on: coreGroupOn }, coreGroupOn);
  expect(pending(m, 'T-ESH-01')).toEqual([calendar.addWorkingDays(coreGroupOn, 5)]);
  expect(pending(m, 'T-ESH-03')).toEqual([plus(TODAY, 10)]);

  // Another item does not meet it; the named one does.
  m = await event('checklistItem', { itemId: 'esh-case-summary', state: 'done' }, coreGroupOn);
  expect(stateOf(m, 'T-ESH-01')).toEqual([[calendar.addWorkingDays(coreGroupOn, 5), 'pending']]);
  m = await event('checklistItem', { itemId: 'esh-core-group-notes', state: 'done' }, plus(TODAY, 3));
  expect(stateOf(m, 'T-ESH-01')).toEqual([[calendar.addWorkingDays(coreGroupOn, 5), 'met']]);

  // The weekly visit meets this week's occurrence and arms the next, a week after the last one:
  // the trigger date stays, so the visits keep their weekly rhythm.
  const trigger = m.transfer.trigger;
  m = await event('trigger', { event: 'weekly-visit', on: plus(TODAY, 6) }, plus(TODAY, 6));
  expect(stateOf(m, 'T-ESH-02')).toEqual([
    [plus(TODAY, 7), 'met'],
    [plus(TODAY, 14), 'pending'],
  ]);
  expect(m.transfer.trigger).toEqual(trigger);
  // Only the referral (the event the transfer started with) would move it; the core group is kept by name.
  expect(m.facts.triggerOccurredOn).toBeUndefined();
  expect(m.facts.eventsOn).toMatchObject({ 'core-group': coreGroupOn, 'weekly-visit': plus(TODAY, 6) });
});

test('the checker refuses a deadline met by an item the checklist does not have', () => {
  const broken: Policy = {
    ...policy,
    deadlines: policy.deadlines.map((d) => (d.metBy === 'checklist-item' ? { ...d, metByItem: 'esh-missing' } : d)),
  };
  expect(checkPolicy(policy)).toEqual([]);
  expect(checkPolicy(broken).map((p) => [p.path, p.rule, p.message])).toEqual([
    ['deadlines[0].metByItem', 'T-ESH-01', 'is met by checklist item "esh-missing", which the checklist does not have'],
  ]);
});

test('a two-sided decision is settled only when both sides have approved; a kind either side settles takes the first approval', async () => {
  let m = await startedToday();
  const send = async (name: 'exceptionRequest' | 'exceptionDecision', actor: typeof actors.receivingTm, payload: object) =>
    (m = (await run(applyEvent(m, name, { actor, payload } as never, { now: at(TODAY, '10:00:00'), workflowId: WORKFLOW_ID }))).model);
  const exception = (id: string) => m.transfer.exceptions.find((x) => x.exceptionId === id)!;

  // Waiving items follows the default: both sides.
  await send('exceptionRequest', actors.transferringTm, { exceptionId: 'x-1', kind: 'waive-items', reason: 'held elsewhere', itemIds: ['esh-case-summary'] });
  expect(exception('x-1')).toMatchObject({ requiredSides: ['transferring', 'receiving'], minRank: 'team-manager', state: 'pending' });
  expect(exception('x-1').decision).toBeUndefined();
  await send('exceptionDecision', actors.transferringTm, { exceptionId: 'x-1', decision: 'approve' });
  expect(exception('x-1').state).toBe('pending');
  expect(m.transfer.regions.exception).toBe('partially-approved');
  expect(m.transfer.checklist.find((i) => i.itemId === 'esh-case-summary')?.state).toBe('open');
  // The same side again is refused: its answer is in.
  expect(validate(m, 'exceptionDecision', { actor: actors.otherSw, payload: { exceptionId: 'x-1', decision: 'approve' } })).toMatchObject({ type: 'Forbidden' });
  expect(validate(m, 'exceptionDecision', { actor: actors.transferringTm, payload: { exceptionId: 'x-1', decision: 'approve' } })).toMatchObject({ type: 'Forbidden' });
  await send('exceptionDecision', actors.receivingTm, { exceptionId: 'x-1', decision: 'approve' });
  expect(exception('x-1').state).toBe('approved');
  expect(exception('x-1').approvals.map((a) => a.side)).toEqual(['transferring', 'receiving']);
  expect(m.transfer.checklist.find((i) => i.itemId === 'esh-case-summary')?.state).toBe('waived');

  // A hold is the policy's any-side kind: the receiving side's approval alone puts it on hold.
  await send('exceptionRequest', actors.receivingTm, { exceptionId: 'x-2', kind: 'hold', reason: 'the family is abroad' });
  expect(exception('x-2')).toMatchObject({ requiredSides: ['transferring', 'receiving'], decision: 'any-side', state: 'pending' });
  await send('exceptionDecision', actors.receivingTm, { exceptionId: 'x-2', decision: 'approve' });
  expect(exception('x-2').state).toBe('approved');
  expect(m.transfer.onHold).toBe(true);
});

test('the checker wants someone on the ladder for every kind of exception\'s approvers', () => {
  const broken: Policy = {
    ...policy,
    exceptionApproval: { ...policy.exceptionApproval, exceptions: { 'cancel-transfer': { sides: ['receiving'], minRank: 'director', decision: 'any-side', source: src } } },
  };
  expect(checkPolicy(broken).map((p) => [p.path, p.message])).toEqual([
    ['exceptionApproval.exceptions.cancel-transfer.minRank', 'no rung of the escalation ladder is director or above'],
  ]);
});
