// Two Islington meeting rules on the pure lifecycle (no Temporal): the transfer meeting may share
// the trigger event's date but not its meeting (R-BLK-ISL-SAMEMEETING), and a TAM booked after
// 16:00 on the Friday before it goes to the next TAM (T-ISL-26, the previous working day when that
// Friday is a bank holiday). Other authorities' policies carry neither rule.
import type { Actor, RuleViolation } from '../../../workflows/definitions';
import type { TransferModel } from '../../../workflows/lifecycle/model';
import { Refusal } from '../../../workflows/lifecycle/requests';
import { TODAY, actors, apply, at, islNotified, plus, request, started, step, swk } from './harness';

async function refusal(m: TransferModel, actor: Actor, payload: never, now = at(TODAY)): Promise<Refusal | undefined> {
  try {
    await step(m, 'meeting', actor, payload, now);
    return undefined;
  } catch (err) {
    if (err instanceof Refusal) return err;
    throw err;
  }
}

describe('R-BLK-ISL-SAMEMEETING: the transfer meeting is a meeting of its own', () => {
  test('a meeting on the trigger date is accepted; one recorded as part of the trigger event is refused, scheduled or held', async () => {
    const m = await islNotified(plus(TODAY, 40));
    const triggerOn = m.transfer.trigger.date;
    const sameDay = await apply(m, 'meeting', actors.transferringTm, { status: 'scheduled', on: triggerOn });
    expect(sameDay.transfer.meeting.scheduledOn).toBe(triggerOn);

    for (const status of ['scheduled', 'held'] as const) {
      const payload = { status, on: triggerOn, attendees: ['sw-anna'], partOf: 'first-cla-review' };
      const refused = await refusal(m, actors.transferringTm, payload as never);
      expect(refused?.type).toBe('InvalidState');
      expect(refused?.details).toMatchObject({ rule: 'R-BLK-ISL-SAMEMEETING', errors: [{ path: 'partOf', rule: 'R-BLK-ISL-SAMEMEETING' }] });
    }
    // Part of some other meeting (not the trigger event's) is no breach of the rule.
    const other = await apply(m, 'meeting', actors.transferringTm, { status: 'held', on: triggerOn, attendees: ['sw-anna'], partOf: 'team-meeting' });
    expect(other.transfer.completion).toMatchObject({ how: 'meeting', effectiveOn: triggerOn });
    expect(other.transfer.meeting.partOf).toBe('team-meeting');
  });

  test('a policy without the rule (Southwark) accepts a meeting held within the trigger event', async () => {
    const m = await started(swk());
    const held = await apply(m, 'meeting', actors.transferringTm, { status: 'held', on: plus(TODAY, 14), attendees: ['sw-anna'], partOf: 'cin-review' });
    expect(held.transfer.completion?.how).toBe('meeting');
  });
});

describe('T-ISL-26: TAM referrals are confirmed by 16:00 on the preceding Friday', () => {
  const targeted = () => started(request('islington', 'isl-statutory-to-targeted', { event: 'closure-decision', date: '2026-12-01' }, { decidedOn: '2026-12-01' }), at('2026-12-01'));
  const violations = (r: Refusal | undefined) => (r?.details ?? []) as RuleViolation[];

  test('booked by 16:00 London on the Friday: that Wednesday; after it: refused, the next TAM offered', async () => {
    const m = await targeted();
    // Wed 9 Dec 2026: the cut-off is Fri 4 Dec 16:00 London (GMT in December).
    const inTime = await apply(m, 'meeting', actors.transferringTm, { status: 'scheduled', on: '2026-12-09' }, '2026-12-04T15:59:00Z');
    expect(inTime.transfer.meeting.scheduledOn).toBe('2026-12-09');
    const late = await refusal(m, actors.transferringTm, { status: 'scheduled', on: '2026-12-09' } as never, '2026-12-04T16:01:00Z');
    expect(late?.type).toBe('RuleViolation');
    expect(violations(late)).toEqual([expect.objectContaining({ rule: 'T-ISL-26', field: 'on', earliestOn: '2026-12-16' })]);
    // The refusal changed nothing; the next TAM is accepted at the same moment.
    expect(m.transfer.meeting.scheduledOn).toBeUndefined();
    const next = await apply(m, 'meeting', actors.transferringTm, { status: 'scheduled', on: '2026-12-16' }, '2026-12-04T16:01:00Z');
    expect(next.transfer.meeting.scheduledOn).toBe('2026-12-16');
  });

  test('a bank-holiday Friday moves the cut-off to 16:00 on the working day before it (Christmas, Good Friday in summer time)', async () => {
    const m = await targeted();
    // Wed 30 Dec 2026: Fri 25 Dec is Christmas Day, so the cut-off is Thu 24 Dec 16:00 GMT.
    expect(violations(await refusal(m, actors.transferringTm, { status: 'scheduled', on: '2026-12-30' } as never, '2026-12-24T16:30:00Z'))).toEqual([
      expect.objectContaining({ rule: 'T-ISL-26', earliestOn: '2027-01-06' }),
    ]);
    expect((await apply(m, 'meeting', actors.transferringTm, { status: 'scheduled', on: '2026-12-30' }, '2026-12-24T15:30:00Z')).transfer.meeting.scheduledOn).toBe('2026-12-30');
    // Wed 31 Mar 2027: Good Friday 26 Mar, so Thu 25 Mar 16:00 GMT; Wed 7 Apr: Fri 2 Apr 16:00 BST (15:00 UTC).
    expect(violations(await refusal(m, actors.transferringTm, { status: 'scheduled', on: '2027-03-31' } as never, '2027-03-25T16:01:00Z'))[0]?.earliestOn).toBe('2027-04-07');
    expect(violations(await refusal(m, actors.transferringTm, { status: 'scheduled', on: '2027-04-07' } as never, '2027-04-02T15:01:00Z'))[0]?.earliestOn).toBe('2027-04-14');
    expect((await apply(m, 'meeting', actors.transferringTm, { status: 'scheduled', on: '2027-04-07' }, '2027-04-02T14:59:00Z')).transfer.meeting.scheduledOn).toBe('2027-04-07');
  });

  test('a booking weeks late is offered the first TAM whose cut-off has not passed; a held TAM is not re-judged', async () => {
    const m = await targeted();
    const late = await refusal(m, actors.transferringTm, { status: 'scheduled', on: '2026-12-09' } as never, '2026-12-20T10:00:00Z');
    // Fri 18 Dec 16:00 has passed for Wed 23 Dec; Wed 30 Dec's cut-off is Thu 24 Dec.
    expect(violations(late)[0]?.earliestOn).toBe('2026-12-30');
    const held = await apply(m, 'meeting', actors.transferringTm, { status: 'held', on: '2026-12-09', attendees: ['sw-anna'] }, '2026-12-20T10:00:00Z');
    expect(held.transfer.completion).toMatchObject({ how: 'meeting', effectiveOn: '2026-12-09' });
  });

  test('other Islington kinds (no TAM) are not cut off', async () => {
    const m = await islNotified();
    const friday = plus(TODAY, 4); // Fri 5 Feb 2027
    const scheduled = await apply(m, 'meeting', actors.transferringTm, { status: 'scheduled', on: plus(TODAY, 9) }, `${friday}T20:00:00Z`);
    expect(scheduled.transfer.meeting.scheduledOn).toBe(plus(TODAY, 9));
  });
});
