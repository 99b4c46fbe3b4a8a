// Blackouts as date ranges from the children's facts: the shipped exam blackout (from a month-day
// to the last GCSE exam) and the same rule started from a fact instead (six weeks before the last
// exam), through the schedule engine as a transfer's pinned policy; and what policy:check says of
// a blackout that cannot be right.
import YAML from 'yaml';
import { createActivities } from '../../../activities';
import { formatProblem, readPolicyText } from '../../../activities/policy/check';
import { policiesFrom } from '../../../activities/policy/registry';
import type { Policy } from '../../../activities/policy/types';
import type { PinnedPolicy } from '../../../workflows/definitions';
import { protocolTransfer } from '../../support/fixtures';

const activities = createActivities({ audit: () => undefined, mail: undefined, webhook: undefined });
const shipped = policiesFrom().inForce('barking-dagenham', '2027-01-01');

function withBlackout(edit: (check: Record<string, unknown>) => void): Policy {
  const p = JSON.parse(JSON.stringify(shipped)) as Policy;
  const bound = p.bounds.find((b) => b.rule === 'T-LBBD-17')!;
  edit(bound.check as unknown as Record<string, unknown>);
  return p;
}

/** The rules refusing an agreed transfer date for a young person whose last GCSE exam is Fri 18 Jun 2027. */
async function refusing(policy: Policy, agreedTransferOn: string) {
  const request = protocolTransfer('barking-dagenham', 'lbbd-cic-to-l2l', { event: 'birthday-16', date: '2027-05-15' }, {
    children: [{ ref: 'C-7', dateOfBirth: '2011-05-15', legalStatus: 's31 care order', lookedAfter: true, facts: { lastGcseExamOn: '2027-06-18' } }],
  });
  const schedule = await activities.computeSchedule({
    request, decidedOn: '2027-01-04', agreedTransferOn, heldDays: 0, policy: policy as unknown as PinnedPolicy,
  });
  return schedule.violations.filter((v) => v.rule === 'T-LBBD-17').map((v) => [v.message.match(/\((.*)\)/)?.[1], v.earliestOn]);
}

test('the shipped blackout runs from 1 March to the last exam', async () => {
  expect(await refusing(shipped, '2027-02-26')).toEqual([]);
  expect(await refusing(shipped, '2027-03-01')).toEqual([['2027-03-01 to 2027-06-18', '2027-06-21']]);
  expect(await refusing(shipped, '2027-06-18')).toEqual([['2027-03-01 to 2027-06-18', '2027-06-21']]);
  expect(await refusing(shipped, '2027-06-21')).toEqual([]);
});

test('a blackout started from a child fact with an offset, and one ended after it', async () => {
  const sixWeeksBefore = withBlackout((c) => (c.from = { childFact: 'lastGcseExamOn', offset: { unit: 'weeks', n: 6 }, direction: 'before' }));
  expect(await refusing(sixWeeksBefore, '2027-05-06')).toEqual([]);
  expect(await refusing(sixWeeksBefore, '2027-05-07')).toEqual([['2027-05-07 to 2027-06-18', '2027-06-21']]);
  // Ending two weeks after the exam (results and a settling-in time) moves the earliest date too.
  const longer = withBlackout((c) => {
    c.from = { childFact: 'lastGcseExamOn', offset: { unit: 'weeks', n: 6 }, direction: 'before' };
    c.to = { childFact: 'lastGcseExamOn', offset: { unit: 'weeks', n: 2 } };
  });
  expect(await refusing(longer, '2027-06-30')).toEqual([['2027-05-07 to 2027-07-02', '2027-07-05']]);
  // No date for the fact: no blackout.
  const placement = withBlackout((c) => (c.from = { childFact: 'placementStartOn' }));
  expect(await refusing(placement, '2027-05-07')).toEqual([]);
});

test('policy:check names the rule and the field of a blackout that cannot be right', () => {
  const text = (edit: (check: Record<string, unknown>) => void) => YAML.stringify(withBlackout(edit));
  const problems = (t: string) => readPolicyText('barking-dagenham.yaml', t).problems.map(formatProblem).map((l) => l.replace(/^[^:]+:\d+:\d+: /, ''));
  expect(problems(text((c) => (c.from = { childFact: 'lastGcseExam' })))).toEqual([
    expect.stringMatching(/^bounds\[\d+\]\.check\.from(\.childFact)? \[rule T-LBBD-17\]: /),
  ]);
  expect(problems(text((c) => (c.from = { childFact: 'lastGcseExamOn', offset: { unit: 'weeks', n: 1 } })))).toEqual([
    expect.stringMatching(/^bounds\[\d+\]\.check\.from \[rule T-LBBD-17\]: the blackout would start after it ends: both count from lastGcseExamOn/),
  ]);
  expect(problems(text((c) => (c.to = { childFact: 'lastGcseExamOn', direction: 'before' })))).toEqual([
    expect.stringMatching(/^bounds\[\d+\]\.check\.to\.direction \[rule T-LBBD-17\]: direction only applies with an offset$/),
  ]);
  expect(problems(text((c) => (c.from = { childFact: 'lastGcseExamOn', offset: { unit: 'weeks', n: 6 }, direction: 'before' })))).toEqual([]);
});
