// DOMAIN.md §8 acceptance scenarios that are date and rule facts, on their fixed dates, through the
// same schedule engine the workflow's local activity and the API's /preview use.
import { POLICIES } from '../../../activities/policy/authorities';
import { loadCalendar } from '../../../activities/policy/calendar/calendar';
import { ScheduleEngine } from '../../../activities/policy/schedule';
import type { AuthorityId, Child, ScheduleFacts, TransferRequest } from '../../../workflows/definitions';
import { protocolTransfer } from '../../support/fixtures';

const calendar = loadCalendar();

function request(authority: AuthorityId, kind: string, trigger: { event: string; date: string }, children?: Child[]): TransferRequest {
  const defaults: Child[] = [{ ref: 'C-1', dateOfBirth: '2014-06-01', legalStatus: 's17', lookedAfter: false }];
  return protocolTransfer(authority, kind, trigger, { children: children ?? defaults });
}

function schedule(req: TransferRequest, facts: Partial<ScheduleFacts> = {}) {
  return new ScheduleEngine(POLICIES[req.authority], calendar).compute({ request: req, heldDays: 0, ...facts });
}

const byRule = (s: ReturnType<typeof schedule>, rule: string) => s.deadlines.filter((d) => d.rule === rule);

describe('Islington', () => {
  test('ISL-01: the proposed window end rolls back from a substitute bank holiday to Thu 24 Dec 2026; notice is compliant', () => {
    const s = schedule(request('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: '2026-12-17' }), {
      notifiedOn: '2026-11-16',
    });
    expect(s.window).toEqual({ opensOn: '2026-11-16', endsOn: '2026-12-24', originalEndsOn: '2026-12-24' });
    expect(s.completionTimer).toEqual({ at: '2026-12-24T18:00:00.000Z', effectiveOn: '2026-12-24', how: 'window-end' });
    expect(s.violations).toEqual([]);
    expect(s.warnings.filter((w) => w.rule === 'T-ISL-02')).toEqual([]);
  });

  test('ISL-02: an agreed end of Mon 14 Dec 2026 auto-completes at 18:00 London that day', () => {
    const s = schedule(request('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: '2026-12-01' }), {
      notifiedOn: '2026-11-02',
      windowEnd: '2026-12-14',
    });
    expect(s.completionTimer).toEqual({ at: '2026-12-14T18:00:00.000Z', effectiveOn: '2026-12-14', how: 'window-end' });
  });

  test('ISL-03: a 43-day window is refused under T-ISL-04 unless an exception approved it; 42 days is accepted', () => {
    const req = request('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: '2026-12-01' });
    const tooLong = schedule(req, { notifiedOn: '2026-11-02', windowEnd: '2026-12-15' });
    expect(tooLong.violations).toEqual([
      expect.objectContaining({ rule: 'T-ISL-04', field: 'windowEnd', suggestion: '2026-12-14', overridable: true }),
    ]);
    expect(schedule(req, { notifiedOn: '2026-11-02', windowEnd: '2026-12-14' }).violations).toEqual([]);
    expect(schedule(req, { notifiedOn: '2026-11-02', windowEnd: '2026-12-15', windowEndApprovedByException: true }).violations).toEqual([]);
  });

  test('ISL notice shortfall (T-ISL-02) is recorded, not refused', () => {
    const s = schedule(request('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: '2026-11-20' }), {
      notifiedOn: '2026-11-02',
    });
    expect(s.violations).toEqual([]);
    expect(s.warnings.map((w) => w.rule)).toContain('T-ISL-02');
  });

  test('ISL-05: acknowledgement due within 2 working days; missing it escalates on Thu 4 Mar 2027 to the receiving service manager', () => {
    const s = schedule(request('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: '2027-04-05' }), {
      notifiedOn: '2027-03-01',
      windowEnd: '2027-04-12',
    });
    const [ack] = byRule(s, 'T-ISL-07');
    expect(ack).toMatchObject({ dueOn: '2027-03-03', due: '2027-03-04T00:00:00.000Z', metBy: 'acknowledgement' });
    expect(ack.onMissed).toMatchObject({ kind: 'escalate', side: 'receiving', fromRank: 'service-manager' });
    expect(s.window?.endsOn).toBe('2027-04-12');
  });

  test('ISL-15: a looked-after child transferred without the sibling is refused unless a best-interest exemption is recorded', () => {
    const a: Child = { ref: 'A', dateOfBirth: '2016-01-01', legalStatus: 's20', lookedAfter: true, siblingOf: ['B'] };
    const b: Child = { ref: 'B', dateOfBirth: '2018-01-01', legalStatus: 's17', lookedAfter: false, siblingOf: ['A'] };
    const trig = { event: 'first-cla-review', date: '2027-01-20' };
    const alone = schedule(request('islington', 'isl-cin-to-cla', trig, [a]));
    expect(alone.violations.map((v) => v.rule)).toEqual(['R-SIB-ISL-1']);
    expect(schedule(request('islington', 'isl-cin-to-cla', trig, [a, b])).violations).toEqual([]);
    expect(schedule(request('islington', 'isl-cin-to-cla', trig, [{ ...a, bestInterestExemption: 'assessed and recorded' }])).violations).toEqual([]);
  });
});

describe('Barking and Dagenham', () => {
  test('LBBD-01: allocation within two weeks of the Transfer Meeting; Tue 29 Dec 2026 is refused, Thu 24 Dec accepted', () => {
    const req = request('barking-dagenham', 'lbbd-assess-to-cm-cp', { event: 'icpc', date: '2026-12-08' });
    expect(schedule(req, { decidedOn: '2026-12-10', agreedTransferOn: '2026-12-24' }).violations).toEqual([]);
    const late = schedule(req, { decidedOn: '2026-12-10', agreedTransferOn: '2026-12-29' });
    expect(late.violations).toEqual([expect.objectContaining({ rule: 'T-LBBD-02', suggestion: '2026-12-24', overridable: true })]);
    expect(schedule(req, { decidedOn: '2026-12-10', agreedTransferOn: '2026-12-29', windowEndApprovedByException: true }).violations).toEqual([]);
    // The exception approved a date, not any date: beyond it the rule applies again.
    const approved = { decidedOn: '2026-12-10', windowEndApprovedByException: true, approvedThrough: '2026-12-29' };
    expect(schedule(req, { ...approved, agreedTransferOn: '2026-12-29' }).violations).toEqual([]);
    expect(schedule(req, { ...approved, agreedTransferOn: '2027-01-15' }).violations.map((v) => v.rule)).toEqual(['T-LBBD-02']);
  });

  test('LBBD-03: placement order at 14:00 on Fri 18 Dec 2026 → notify by 14:00 Sat 19 Dec; transfer by Fri 1 Jan 2027 (practically Thu 31 Dec)', () => {
    const s = schedule(request('barking-dagenham', 'lbbd-cm-to-adoption', { event: 'placement-order', date: '2026-12-18T14:00:00Z' }));
    expect(byRule(s, 'T-LBBD-19')[0]).toMatchObject({ due: '2026-12-19T14:00:00.000Z', dueOn: '2026-12-19' });
    expect(byRule(s, 'T-LBBD-20')[0]).toMatchObject({ dueOn: '2027-01-01', practicalDueOn: '2026-12-31' });
  });

  test('LBBD-05: L2L notified by Mon 15 Mar 2027; exam blackout refuses 1 Mar–18 Jun 2027 unless a best-interest agreement is recorded', () => {
    const child: Child = {
      ref: 'Y',
      dateOfBirth: '2011-05-15',
      legalStatus: 's31 care order',
      lookedAfter: true,
      facts: { lastGcseExamOn: '2027-06-18', sitsGcsesThisYear: true },
    };
    const req = request('barking-dagenham', 'lbbd-cic-to-l2l', { event: 'birthday-16', date: '2027-05-15' }, [child]);
    expect(byRule(schedule(req), 'T-LBBD-15')[0]).toMatchObject({ dueOn: '2027-03-15' });
    for (const on of ['2027-03-01', '2027-05-17', '2027-06-18']) {
      const v = schedule(req, { decidedOn: '2027-02-01', agreedTransferOn: on }).violations;
      expect(v).toEqual([expect.objectContaining({ rule: 'T-LBBD-17', suggestion: '2027-06-21' })]);
    }
    expect(schedule(req, { decidedOn: '2027-02-01', agreedTransferOn: '2027-06-21' }).violations).toEqual([]);
    expect(schedule(req, { decidedOn: '2027-02-01', agreedTransferOn: '2027-05-17', bestInterestAgreed: true }).violations).toEqual([]);
  });

  test('LBBD-07: a CIN case listed on Thu 11 Mar 2027 can only transfer on Thu 25 Mar 2027', () => {
    const req = request('barking-dagenham', 'lbbd-assess-to-cm-cin', { event: 'transfer-meeting', date: '2027-03-11' });
    const rules = (on: string) => schedule(req, { decidedOn: '2027-03-11', agreedTransferOn: on }).violations.map((v) => v.rule);
    expect(rules('2027-03-24')).toEqual(['T-LBBD-11']);
    expect(rules('2027-03-25')).toEqual([]);
    expect(rules('2027-03-26')).toEqual(['T-LBBD-02']);
  });
});

describe('Somerset', () => {
  test('SOM-01: a TAM decision on Tue 15 Dec 2026 is due by Tue 29 Dec; open tasks at the start of 30 Dec go back to the TAM on Tue 5 Jan 2027', () => {
    const s = schedule(request('somerset', 'som-at-to-sg', { event: 'icpc', date: '2026-12-10' }), {
      decidedOn: '2026-12-15',
      agreedTasks: ['assessment', 'case-summary'],
    });
    expect(byRule(s, 'T-SOM-02')[0]).toMatchObject({ dueOn: '2026-12-29', due: '2026-12-30T00:00:00.000Z' });
    expect(s.returnToMeetingAt).toEqual({ at: '2026-12-30T00:00:00.000Z', nextMeetingOn: '2027-01-05' });
    expect(s.checklist.filter((i) => i.itemId.startsWith('som-agreed-task-')).map((i) => [i.itemId, i.blocking])).toEqual([
      ['som-agreed-task-assessment', true],
      ['som-agreed-task-case-summary', true],
    ]);
  });

  test('SOM-02: unallocated on 30 Dec → receiving OM escalation; weekly overviews due Wed 6 and Wed 13 Jan 2027', () => {
    const req = request('somerset', 'som-at-to-sg', { event: 'icpc', date: '2026-12-10' });
    const before = schedule(req, { decidedOn: '2026-12-15' });
    expect(byRule(before, 'T-SOM-05')[0]).toMatchObject({ dueOn: '2026-12-29' });
    expect(byRule(before, 'T-SOM-05')[0].onMissed).toMatchObject({ kind: 'escalate', side: 'receiving', fromRank: 'service-manager' });
    expect(before.completionTimer).toMatchObject({ effectiveOn: '2026-12-30' });
    const inTray = schedule(req, {
      decidedOn: '2026-12-15',
      completedOn: '2026-12-30',
      allocationPending: true,
      asOf: '2027-01-07T09:00:00Z',
    });
    expect(byRule(inTray, 'T-SOM-04').map((d) => d.dueOn)).toEqual(['2027-01-06', '2027-01-13']);
    const allocated = schedule(req, { decidedOn: '2026-12-15', completedOn: '2026-12-30', allocationPending: false, asOf: '2027-01-07T09:00:00Z' });
    expect(byRule(allocated, 'T-SOM-04')).toEqual([]);
  });

  test('SOM-03: re-referral within three months of step-down: 28 Feb 2027 is inside, 1 Mar 2027 outside; 31 Aug 2026 → 30 Nov 2026', () => {
    const child = (lastClosedOn: string): Child[] => [
      { ref: 'R', dateOfBirth: '2015-02-02', legalStatus: 's17', lookedAfter: false, facts: { lastClosedOn } },
    ];
    const rereferral = (closed: string, on: string) =>
      schedule(request('somerset', 'som-rereferral', { event: 're-referral', date: on }, child(closed))).violations;
    expect(rereferral('2026-11-30', '2027-02-28')).toEqual([]);
    expect(rereferral('2026-11-30', '2027-03-01')).toEqual([expect.objectContaining({ rule: 'T-SOM-06', suggestion: '2027-02-28' })]);
    expect(rereferral('2026-08-31', '2026-11-30')).toEqual([]);
    expect(rereferral('2026-08-31', '2026-12-01').map((v) => v.rule)).toEqual(['T-SOM-06']);
  });
});

describe('Unnamed authority (internal-v11)', () => {
  test('UNN-01: ICPC on Mon 21 Dec 2026 → initial core group (handover) due by Thu 7 Jan 2027', () => {
    const s = schedule(request('internal-v11', 'unn-ai-to-fsp-cp', { event: 'icpc', date: '2026-12-21' }));
    expect(byRule(s, 'T-UNN-04')[0]).toMatchObject({ dueOn: '2027-01-07' });
  });

  test('UNN-04: care order on Wed 24 Mar 2027 → transfer to CLA due Fri 9 Apr 2027 (10 working days, not the calendar reading)', () => {
    const s = schedule(request('internal-v11', 'unn-fsp-to-cla-orders', { event: 'final-hearing', date: '2027-03-24' }));
    expect(byRule(s, 'T-UNN-08')[0]).toMatchObject({ dueOn: '2027-04-09' });
  });

  test('UNN-08: an agreed date of Mon 11 Jan 2027 completes that day and leaves open items deferred with a due date', () => {
    const req = request('internal-v11', 'unn-ai-to-fsp-cin', { event: 'cin-6-months', date: '2027-01-04' });
    const s = schedule(req, { decidedOn: '2026-12-20', agreedTransferOn: '2027-01-11' });
    expect(s.completionTimer).toMatchObject({ effectiveOn: '2027-01-11', how: 'agreed-date' });
    expect(s.checklist.map((i) => i.itemId)).toEqual(expect.arrayContaining(['unn-genogram-ecomap', 'unn-photo-of-child']));
    const after = schedule(req, { decidedOn: '2026-12-20', agreedTransferOn: '2027-01-11', completedOn: '2027-01-11' });
    expect(after.remediationDueOn).toBe(calendar.addDays('2027-01-11', 14));
  });
});

describe('Southwark', () => {
  test('SWK-01: PGL notification on Mon 14 Dec 2026 → CIN review (the transfer point) on Wed 30 Dec 2026', () => {
    const s = schedule(request('southwark', 'swk-ai-to-sfs-cin', { event: 'cin-review', date: '2026-12-30' }), {
      notifiedOn: '2026-12-14',
    });
    expect(byRule(s, 'T-SWK-02')[0]).toMatchObject({ dueOn: '2026-12-30', metBy: 'trigger' });
  });

  test('SWK-02: notice on Fri 18 Dec 2026 refuses Tue 29 Dec (5 working days) and offers Wed 6 Jan 2027', () => {
    const req = request('southwark', 'swk-ai-to-sfs-cp', { event: 'icpc', date: '2027-01-06' });
    const v = schedule(req, { notifiedOn: '2026-12-18', agreedTransferOn: '2026-12-29' }).violations;
    expect(v).toEqual([expect.objectContaining({ rule: 'T-SWK-01', suggestion: '2027-01-06', overridable: false })]);
    expect(schedule(req, { notifiedOn: '2026-12-18', agreedTransferOn: '2027-01-06' }).violations).toEqual([]);
  });

  test('SWK-04: record quality is never a permitted reason to refuse', () => {
    const forbidden = POLICIES.southwark.rejection.forbidden.find((f) => f.reason === 'RECORD_QUALITY');
    expect(forbidden).toBeDefined();
    expect(forbidden?.instead).toMatch(/remediation/i);
    expect(POLICIES.southwark.rejection.permitted.map((p) => p.reason)).not.toContain('RECORD_QUALITY');
  });

  test('SWK-05: remediation letter on Fri 8 Jan 2027 → fixes due Fri 22 Jan; escalation to the Head of Service from Sat 23 Jan', () => {
    const s = schedule(request('southwark', 'swk-ai-to-sfs-cin', { event: 'cin-review', date: '2027-01-07' }), {
      notifiedOn: '2026-12-18',
      completedOn: '2027-01-07',
      remediationLetterOn: '2027-01-08',
    });
    const [fix] = byRule(s, 'T-SWK-05');
    expect(fix).toMatchObject({ dueOn: '2027-01-22', due: '2027-01-23T00:00:00.000Z', metBy: 'remediation-done' });
    expect(fix.onMissed).toMatchObject({ kind: 'escalate', fromRank: 'head-of-service' });
    expect(s.remediationDueOn).toBe('2027-01-22');
  });
});
