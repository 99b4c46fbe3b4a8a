// Issue 9 part A on the pure lifecycle (no Temporal): one completion guard on every path to
// COMPLETED, manual completion, how deadlines were met, limits that run as clocks, trigger events
// checked against the kind, units chosen per deployment, and decisions re-anchoring only their own
// clocks. Each bullet on each authority it applies to.
import { createActivities } from '../../../activities';
import type { Actor, RuleViolation, StartTransferInput, TransferRequest, UnitSettings } from '../../../workflows/definitions';
import type { TransferModel } from '../../../workflows/lifecycle/model';
import { Refusal, type Asks, type Request } from '../../../workflows/lifecycle/requests';
import { applyEvent, start } from '../../../workflows/lifecycle/step';
import { TODAY, WORKFLOW_ID, actors, advance, apply, at, isl, plus, request, som, started, step, swk } from './harness';

/** The refusal an event gets, or undefined when it is applied. */
async function refusal(m: TransferModel, name: Parameters<typeof step>[1], actor: Actor, payload: never, now = at(TODAY)): Promise<Refusal | undefined> {
  try {
    await step(m, name, actor, payload, now);
    return undefined;
  } catch (err) {
    if (err instanceof Refusal) return err;
    throw err;
  }
}
const violations = (r: Refusal | undefined) => (r?.details ?? []) as RuleViolation[];

/** Every blocking checklist item done (LBBD's sign-off gate), so that only the date rules decide. */
async function signedOff(m: TransferModel, now = at(TODAY)): Promise<TransferModel> {
  for (const item of m.transfer.checklist.filter((i) => i.blocking)) {
    m = await apply(m, 'checklistItem', actors.allocatedSw, { itemId: item.itemId, state: 'done' }, now);
  }
  return m;
}

const lookedAfter = (dateOfBirth: string, facts: Record<string, unknown> = {}) => [
  { ref: 'C-1', dateOfBirth, legalStatus: 's31 care order', lookedAfter: true, facts },
];

describe('one completion guard', () => {
  test('Southwark: a CIN review inside the 10 working days of notice does not complete; 409 with the earliest date (T-SWK-01)', async () => {
    const m = await started(swk());
    const early = await refusal(m, 'trigger', actors.integration, { event: 'cin-review', on: plus(TODAY, 5) } as never);
    expect(early?.type).toBe('RuleViolation');
    expect(violations(early)).toEqual([expect.objectContaining({ rule: 'T-SWK-01', field: 'on', earliestOn: '2027-02-15' })]);
    // A meeting held early is refused by the same guard.
    const meeting = await refusal(m, 'meeting', actors.transferringTm, { status: 'held', on: plus(TODAY, 3), attendees: ['sw-anna'] } as never);
    expect(violations(meeting).map((v) => v.rule)).toEqual(['T-SWK-01']);
    const done = await apply(m, 'trigger', actors.integration, { event: 'cin-review', on: '2027-02-15' });
    expect(done.transfer.completion).toMatchObject({ how: 'trigger-event', effectiveOn: '2027-02-15' });
  });

  test('Southwark: an s20 rehabilitation case may stay at most a month after the first LAC review (T-SWK-07), manual or meeting alike', async () => {
    const m = await started(request('southwark', 'swk-ai-to-sfs-s20', { event: 'first-cla-review', date: TODAY }, { notifiedOn: plus(TODAY, -20) }));
    const late = await refusal(m, 'meeting', actors.transferringTm, { status: 'held', on: '2027-03-02', attendees: ['sw-anna'] } as never);
    expect(violations(late)).toEqual([expect.objectContaining({ rule: 'T-SWK-07', latestOn: '2027-03-01' })]);
    const inTime = await apply(m, 'meeting', actors.transferringTm, { status: 'held', on: '2027-03-01', attendees: ['sw-anna'] });
    expect(inTime.transfer.completion?.how).toBe('meeting');
  });

  test('Barking and Dagenham: a Learn2Live meeting inside the exam blackout is refused until a best-interest agreement (T-LBBD-17)', async () => {
    const now = at('2027-05-10');
    const req = request('barking-dagenham', 'lbbd-cic-to-l2l', { event: 'birthday-16', date: '2027-05-15' }, {
      children: lookedAfter('2011-05-15', { lastGcseExamOn: '2027-06-18', sitsGcsesThisYear: true }),
      decidedOn: '2027-05-10',
    });
    const m = await signedOff(await started(req, now), now);
    const held = { status: 'held', on: '2027-05-17', attendees: ['sw-anna'] } as never;
    const refused = await refusal(m, 'meeting', actors.transferringTm, held, now);
    expect(violations(refused)).toEqual([expect.objectContaining({ rule: 'T-LBBD-17', earliestOn: '2027-06-21' })]);
    const agreed = await apply(m, 'trigger', actors.transferringTm, { event: 'best-interest-agreement', on: '2027-05-11' }, now);
    const done = await apply(agreed, 'meeting', actors.transferringTm, held, now);
    expect(done.transfer.completion).toMatchObject({ how: 'meeting', effectiveOn: '2027-05-17' });
  });

  test('Barking and Dagenham: a meeting more than 2 weeks after the Transfer Meeting is refused with the latest date (T-LBBD-02)', async () => {
    const m = await signedOff(await started(request('barking-dagenham', 'lbbd-cm-to-dct', { event: 'transfer-meeting', date: TODAY }, { decidedOn: TODAY })));
    const r = await refusal(m, 'meeting', actors.transferringTm, { status: 'held', on: plus(TODAY, 15), attendees: ['sw-anna'] } as never);
    expect(violations(r)).toEqual([expect.objectContaining({ rule: 'T-LBBD-02', latestOn: plus(TODAY, 14) })]);
  });

  test('Somerset: a Leaving Care meeting before the 18th birthday is refused (T-SOM-11)', async () => {
    const m = await started(request('somerset', 'som-cla-to-lc', { event: 'birthday-18', date: '2027-03-03' }, { children: lookedAfter('2009-03-03') }));
    const r = await refusal(m, 'meeting', actors.transferringTm, { status: 'held', on: plus(TODAY, 10), attendees: ['sw-anna'] } as never);
    expect(violations(r)).toEqual([expect.objectContaining({ rule: 'T-SOM-11', earliestOn: '2027-03-03' })]);
    const done = await apply(m, 'meeting', actors.transferringTm, { status: 'held', on: '2027-03-03', attendees: ['sw-anna'] });
    expect(done.transfer.completion?.effectiveOn).toBe('2027-03-03');
  });

  test('Internal v11: an early transfer before the CMH needs the CMH more than 3 weeks from the ICO and the managers 5 working days before it (T-UNN-07)', async () => {
    const cmh = '2027-03-15';
    const proceedings = (facts: Record<string, unknown>) =>
      request('internal-v11', 'unn-ai-to-fsp-proceedings', { event: 'cmh', date: cmh }, { children: lookedAfter('2015-01-01', facts) });
    const held = (on: string) => ({ status: 'held', on, attendees: ['sw-anna'] }) as never;
    // No ICO date recorded: the precondition cannot be shown, so the case waits for the CMH.
    const unknown = await refusal(await started(proceedings({})), 'meeting', actors.transferringTm, held('2027-03-05'));
    expect(violations(unknown)).toEqual([expect.objectContaining({ rule: 'T-UNN-07', earliestOn: cmh })]);
    const m = await started(proceedings({ icoOn: TODAY }));
    // 10 Mar is 3 working days before the CMH: too late for an early transfer.
    expect(violations(await refusal(m, 'meeting', actors.transferringTm, held('2027-03-10'))).map((v) => v.rule)).toEqual(['T-UNN-07']);
    const early = await apply(m, 'meeting', actors.transferringTm, held('2027-03-08'));
    expect(early.transfer.completion).toMatchObject({ how: 'meeting', effectiveOn: '2027-03-08' });
    // The CMH itself is always allowed.
    expect((await apply(m, 'trigger', actors.integration, { event: 'cmh', on: cmh })).transfer.completion?.how).toBe('trigger-event');
    // An ICO too close to the CMH allows no early transfer however early the managers meet.
    const close = await started(proceedings({ icoOn: '2027-03-01' }));
    expect(violations(await refusal(close, 'meeting', actors.transferringTm, held('2027-03-02'))).map((v) => v.rule)).toEqual(['T-UNN-07']);
  });

  test('Islington: the window end completes anyway and carries the notice shortfall as a recorded breach (000 §9, §11)', async () => {
    const m = await started(isl({ notifiedOn: TODAY, windowEnd: plus(TODAY, 30), trigger: { event: 'first-cla-review', date: plus(TODAY, 20) } }));
    expect(m.transfer.flags).toEqual([expect.objectContaining({ type: 'notice-shortfall', rule: 'T-ISL-02', shortfallDays: 8, unit: 'days' })]);
    const done = await advance(m, at(plus(TODAY, 31)));
    expect(done.transfer.completion?.how).toBe('window-end');
    expect(done.transfer.completion?.breaches).toEqual([expect.objectContaining({ type: 'notice-shortfall', rule: 'T-ISL-02', shortfallDays: 8 })]);
  });

  test('start warns when the planned trigger date already breaks a rule (Southwark notice)', async () => {
    const m = await started(request('southwark', 'swk-ai-to-sfs-cin', { event: 'cin-review', date: plus(TODAY, 4) }, { notifiedOn: TODAY }));
    expect(m.transfer.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'T-SWK-01', earliestOn: '2027-02-15' })]));
    const fine = await started(swk());
    expect(fine.transfer.warnings.filter((w) => w.rule === 'T-SWK-01')).toEqual([]);
  });
});

describe('an approved extension', () => {
  test('Barking and Dagenham: moves the latest date, never the two weeks of notice a CIN transfer needs (LBBD-07, T-LBBD-11)', async () => {
    const meeting = '2027-03-11';
    let m = await started(request('barking-dagenham', 'lbbd-assess-to-cm-cin', { event: 'transfer-meeting', date: meeting }, { decidedOn: meeting }), at(meeting));
    m = await apply(m, 'exceptionRequest', actors.receivingTm, { exceptionId: 'e1', kind: 'extend-window', reason: 'family circumstances', newWindowEnd: '2027-03-29' } as never, at(meeting, '13:00:00'));
    m = await apply(m, 'exceptionDecision', actors.transferringHos, { exceptionId: 'e1', decision: 'approve' } as never, at(meeting, '14:00:00'));
    m = await apply(m, 'exceptionDecision', actors.receivingHos, { exceptionId: 'e1', decision: 'approve' } as never, at(meeting, '15:00:00'));
    expect(m.transfer.agreedTransferOn).toBe('2027-03-29');
    const tooSoon = await refusal(m, 'decision', actors.transferringTm, { on: meeting, transferOn: '2027-03-15' } as never, at('2027-03-12'));
    expect(violations(tooSoon)).toEqual([expect.objectContaining({ rule: 'T-LBBD-11', earliestOn: '2027-03-25' })]);
    // Past the two-week maximum (T-LBBD-02), up to the approved date, is what the exception allows.
    const later = await apply(m, 'decision', actors.transferringTm, { on: meeting, transferOn: '2027-03-29' } as never, at('2027-03-12'));
    expect(later.transfer.agreedTransferOn).toBe('2027-03-29');
  });
});

describe('manual completion', () => {
  const manualKinds: [string, string, string][] = [
    ['islington', 'isl-rereferral', 're-referral'],
    ['barking-dagenham', 'lbbd-relinquished-early', 'relinquishment-notice'],
    ['somerset', 'som-at-nfa', 'assessment-completed'],
    ['internal-v11', 'unn-closure', 'closure'],
    ['southwark', 'swk-placement-with-parents', 'placed-with-parents'],
  ];
  test.each(manualKinds)('%s %s completes manually by a manager, not by a social worker', async (authority, kind, event) => {
    // Southwark's 10 working days of notice (T-SWK-01) hold for a manual completion too: notified three weeks before.
    const notice = authority === 'southwark' ? { notifiedOn: plus(TODAY, -21) } : {};
    let m = await started(request(authority, kind, { event, date: TODAY }, { children: lookedAfter('2012-02-02', { lastClosedOn: plus(TODAY, -30) }), ...notice }));
    m = await signedOff(m);
    const bySw = await refusal(m, 'completion', actors.allocatedSw, { on: TODAY } as never);
    expect(bySw?.type).toBe('Forbidden');
    const done = await apply(m, 'completion', actors.transferringTm, { on: plus(TODAY, 1) });
    expect(done.transfer.completion).toMatchObject({ how: 'manual', effectiveOn: plus(TODAY, 1) });
  });

  test('a kind without a manual transfer point refuses it, naming how it completes', async () => {
    const r = await refusal(await started(swk()), 'completion', actors.transferringTm, { on: TODAY } as never);
    expect(r?.type).toBe('InvalidState');
    expect(r?.message).toMatch(/does not complete manually; it completes by trigger-event, meeting/);
  });

  test('Somerset: a child who returned home stays with the CLA team 6 months; manual completion passes the same guard (T-SOM-08)', async () => {
    const m = await started(request('somerset', 'som-cla-return-home', { event: 'return-home', date: TODAY }, { children: lookedAfter('2012-02-02') }));
    const r = await refusal(m, 'completion', actors.transferringTm, { on: plus(TODAY, 30) } as never);
    expect(violations(r)).toEqual([expect.objectContaining({ rule: 'T-SOM-08', earliestOn: '2027-08-01', field: 'on' })]);
    expect((await apply(m, 'completion', actors.transferringTm, { on: '2027-08-01' })).transfer.completion?.how).toBe('manual');
  });
});

describe('deadlines record how they were met', () => {
  test('Islington: a written notification sent after its due date is met-late with the days late (T-ISL-01)', async () => {
    const m = await started(isl({ decidedOn: TODAY }));
    const late = await apply(m, 'notification', actors.transferringTm, { notifiedOn: plus(TODAY, 3), windowEnd: plus(TODAY, 30) });
    expect(late.transfer.deadlines.find((d) => d.rule === 'T-ISL-01')).toMatchObject({ state: 'met-late', lateByDays: 2, metOn: plus(TODAY, 3) });
    const onTime = await apply(m, 'notification', actors.transferringTm, { notifiedOn: plus(TODAY, 1) });
    expect(onTime.transfer.deadlines.find((d) => d.rule === 'T-ISL-01')).toMatchObject({ state: 'met' });
    expect(onTime.transfer.deadlines.find((d) => d.rule === 'T-ISL-01')?.lateByDays).toBeUndefined();
  });

  test('Islington: a missed acknowledgement done later becomes met-late, and its escalation settles (T-ISL-07)', async () => {
    const m = await started(isl({ notifiedOn: TODAY, windowEnd: plus(TODAY, 30) }));
    const missed = await advance(m, at(plus(TODAY, 4)));
    expect(missed.transfer.deadlines.find((d) => d.rule === 'T-ISL-07')?.state).toBe('missed');
    expect(missed.transfer.escalations.filter((e) => e.state === 'open')).toHaveLength(1);
    const acked = await apply(missed, 'acknowledgement', actors.receivingTm, { acknowledgedOn: plus(TODAY, 4) }, at(plus(TODAY, 4)));
    expect(acked.transfer.deadlines.find((d) => d.rule === 'T-ISL-07')).toMatchObject({ state: 'met-late', lateByDays: 2 });
    expect(acked.transfer.escalations.every((e) => e.state !== 'open')).toBe(true);
  });

  test('Somerset: cancelled or rejected, the pending clocks are waived', async () => {
    const m = await apply(await started(request('somerset', 'som-at-to-sg', { event: 'icpc', date: TODAY })), 'decision', actors.receivingTm, { on: TODAY });
    const cancelled = await apply(m, 'cancellation', actors.transferringTm, { reason: 'CHILD_MOVED_AWAY' });
    expect(cancelled.transfer.deadlines.length).toBeGreaterThan(0);
    expect(cancelled.transfer.deadlines.every((d) => d.state === 'waived')).toBe(true);
  });

  test('Barking and Dagenham: a transfer-in cancelled while blocked is no longer blocked', async () => {
    const m = await started(request('barking-dagenham', 'lbbd-transfer-in-cin', { event: 'transfer-in-request', date: TODAY }));
    expect(m.transfer.blocked).toBeDefined();
    const cancelled = await apply(m, 'cancellation', actors.transferringTm, { reason: 'OTHER_LA_WITHDREW' });
    expect(cancelled.transfer.blocked).toBeUndefined();
    expect(cancelled.transfer.deadlines.filter((d) => d.state === 'pending')).toEqual([]);
  });
});

describe('limits with a clock', () => {
  test('Southwark: the 1-month maximum stay in A&I goes overdue and escalates to the transferring PGL (T-SWK-07)', async () => {
    const m = await started(request('southwark', 'swk-ai-to-sfs-s20', { event: 'first-cla-review', date: TODAY }, { notifiedOn: plus(TODAY, -20) }));
    const limit = m.transfer.deadlines.find((d) => d.rule === 'T-SWK-07');
    expect(limit).toMatchObject({ state: 'pending', dueOn: '2027-03-01' });
    const overdue = await advance(m, at('2027-03-02'));
    expect(overdue.transfer.deadlines.find((d) => d.rule === 'T-SWK-07')?.state).toBe('missed');
    expect(overdue.transfer.escalations).toEqual([expect.objectContaining({ side: 'transferring', state: 'open', to: expect.objectContaining({ id: 'tm-cy' }) })]);
  });

  test('Somerset: six months after return home without step-down raises the plan review task (T-SOM-08, DOMAIN §9 A20)', async () => {
    const m = await started(request('somerset', 'som-cla-return-home', { event: 'return-home', date: TODAY }, { children: lookedAfter('2012-02-02') }));
    expect(m.transfer.tasks).toEqual([]);
    const overdue = await advance(m, at('2027-08-02', '12:00:00'));
    expect(overdue.transfer.tasks).toEqual([expect.objectContaining({ rule: 'T-SOM-08', state: 'open', side: 'transferring', owner: expect.objectContaining({ id: 'tm-cy' }) })]);
    expect(overdue.transfer.escalations.filter((e) => e.state === 'open')).toHaveLength(1);
    // Stepping down (the manual completion) does the task, late.
    const done = await apply(overdue, 'completion', actors.transferringTm, { on: '2027-08-02' }, at('2027-08-02', '12:00:00'));
    expect(done.transfer.tasks[0].state).toBe('done');
    expect(done.transfer.deadlines.find((d) => d.rule === 'T-SOM-08')).toMatchObject({ state: 'met-late', lateByDays: 1 });
  });

  test('Somerset: a short-term AT intervention past 3 months raises the transfer-or-step-down decision (T-SOM-07)', async () => {
    const m = await started(request('somerset', 'som-at-short-term', { event: 'assessment-completed', date: TODAY }));
    const overdue = await advance(m, at('2027-05-02'));
    expect(overdue.transfer.tasks.map((t) => t.rule)).toEqual(['T-SOM-07']);
  });

  test('Internal v11: an s20 child still in FSP at month 6 escalates to the service manager (T-UNN-09)', async () => {
    const m = await started(request('internal-v11', 'unn-fsp-to-cla-s20', { event: 'entered-care-s20', date: TODAY }, { children: lookedAfter('2012-02-02', { enteredCareOn: TODAY }) }));
    const overdue = await advance(m, at('2027-08-02'));
    expect(overdue.transfer.escalations).toEqual([expect.objectContaining({ to: expect.objectContaining({ id: 'sm-ed' }), state: 'open' })]);
  });
});

describe('trigger events, units, decisions', () => {
  test('an event or outcome the kind does not know is refused, naming the allowed values (Islington, Southwark)', async () => {
    const m = await started(isl({ notifiedOn: TODAY }));
    const unknown = await refusal(m, 'trigger', actors.integration, { event: 'first-cla-reveiw', on: TODAY } as never);
    expect(unknown?.message).toMatch(/allowed: first-hearing, first-cla-review/);
    expect(unknown?.details).toMatchObject({ field: 'event', allowed: expect.arrayContaining(['first-hearing', 'first-cla-review']) });
    const outcome = await refusal(m, 'trigger', actors.integration, { event: 'first-cla-review', on: TODAY, outcome: 'return-home-soon' } as never);
    expect(outcome?.details).toMatchObject({ field: 'outcome', allowed: ['return-home-within-12-weeks'] });
    const swkOutcome = await refusal(await started(swk()), 'trigger', actors.integration, { event: 'cin-review', on: '2027-02-15', outcome: 'x' } as never);
    expect(swkOutcome?.message).toMatch(/carry no outcome/);
  });

  /** Starts and applies events with activities built for another deployment's unit choices. */
  async function withUnits(units: UnitSettings, req: TransferRequest): Promise<{ m: TransferModel; held: (on: string) => Promise<TransferModel | Refusal> }> {
    const acts = createActivities({ audit: () => undefined, mail: undefined, webhook: undefined, units });
    const run = async <T>(s: Asks<T>): Promise<T> => {
      let next = s.next();
      while (!next.done) {
        const r: Request = next.value;
        next = s.next(await (acts[r.kind] as (input: unknown) => Promise<unknown>)(r.input));
      }
      return next.value;
    };
    const input: StartTransferInput = { request: req, requestHash: 'h', startedBy: actors.integration, receivedOn: TODAY };
    const m = (await run(start(input, { now: at(TODAY), workflowId: WORKFLOW_ID }))).model;
    const held = (on: string) =>
      run(applyEvent(m, 'meeting', { actor: actors.transferringTm, payload: { status: 'held', on, attendees: ['sw-anna'] } }, { now: at(TODAY), workflowId: WORKFLOW_ID }))
        .then((r) => r.model)
        .catch((err: unknown) => err as Refusal);
    return { m, held };
  }

  test('the UNN CMH unit is chosen per deployment and recorded on the transfer (DOMAIN §10)', async () => {
    const req = request('internal-v11', 'unn-ai-to-fsp-proceedings', { event: 'cmh', date: '2027-03-15' }, { children: lookedAfter('2015-01-01', { icoOn: TODAY }) });
    const wd = await withUnits({}, req);
    expect(wd.m.transfer.unitSettings).toEqual({ cmhEarlyTransferUnit: 'WD' });
    expect(await wd.held('2027-03-10')).toBeInstanceOf(Refusal);
    const cal = await withUnits({ cmhEarlyTransferUnit: 'CAL' }, req);
    expect(cal.m.transfer.unitSettings).toEqual({ cmhEarlyTransferUnit: 'CAL' });
    // 5 calendar days before 15 Mar is 10 Mar: the same meeting now allows the early transfer.
    expect(((await cal.held('2027-03-10')) as TransferModel).transfer.completion?.how).toBe('meeting');
  });

  test('the SGO paperwork and transfer-in conference units follow the deployment (Barking and Dagenham, Somerset)', async () => {
    const sgo = request('barking-dagenham', 'lbbd-sgo-to-adoption-team', { event: 'sgo-granted', date: TODAY });
    const cal = (await withUnits({}, sgo)).m;
    const wd = (await withUnits({ sgoPaperworkUnit: 'WD' }, sgo)).m;
    expect(cal.transfer.deadlines.find((d) => d.rule === 'T-LBBD-21')?.dueOn).toBe(plus(TODAY, 5));
    expect(wd.transfer.deadlines.find((d) => d.rule === 'T-LBBD-21')?.dueOn).toBe(plus(TODAY, 7));
    expect(wd.transfer.unitSettings).toEqual({ sgoPaperworkUnit: 'WD' });
    const tin = request('somerset', 'som-transfer-in-cp', { event: 'transfer-in-request', date: TODAY }, { notifiedOn: TODAY });
    expect((await withUnits({ transferInConferenceUnit: 'WD' }, tin)).m.transfer.deadlines.find((d) => d.rule === 'T-SOM-13')?.dueOn).toBe(plus(TODAY, 21));
  });

  test('a new decision restarts only the clocks that count from a decision (Somerset)', async () => {
    const decided = await apply(await started(request('somerset', 'som-transfer-in-cp', { event: 'transfer-in-request', date: TODAY }, { notifiedOn: TODAY })), 'decision', actors.receivingTm, { on: TODAY, agreedTasks: ['plan'] });
    let back = await advance(decided, at(plus(TODAY, 16)));
    expect(back.transfer.status).toBe('returned-to-meeting');
    const conference = back.transfer.deadlines.filter((d) => d.rule === 'T-SOM-13');
    expect(conference).toEqual([expect.objectContaining({ state: 'missed' })]);
    // A hold moves the conference clock's date; a new decision must still not start it again.
    back = await apply(back, 'exceptionRequest', actors.transferringTm, { exceptionId: 'h', kind: 'hold', reason: 'court' }, at(plus(TODAY, 16)));
    back = await apply(back, 'exceptionDecision', actors.transferringSm, { exceptionId: 'h', decision: 'approve' }, at(plus(TODAY, 16)));
    back = await apply(back, 'exceptionDecision', actors.receivingSm, { exceptionId: 'h', decision: 'approve' }, at(plus(TODAY, 16)));
    back = await apply(back, 'exceptionRequest', actors.transferringTm, { exceptionId: 'r', kind: 'resume', reason: 'court done' }, at(plus(TODAY, 18)));
    const again = await apply(back, 'decision', actors.receivingTm, { on: plus(TODAY, 18), agreedTasks: ['plan'] }, at(plus(TODAY, 18)));
    // The TAM clock starts again from the new decision; the conference clock, counted from the notification, does not.
    const tam = again.transfer.deadlines.filter((d) => d.rule === 'T-SOM-02' && d.state === 'pending');
    expect(tam).toHaveLength(1);
    expect(tam[0].dueOn >= plus(TODAY, 32)).toBe(true);
    expect(again.transfer.deadlines.filter((d) => d.rule === 'T-SOM-13')).toEqual(conference);
  });
});

describe('the guard runs under the pinned policy', () => {
  test('a transfer pinned to a copy with 2 working days of notice completes where the file in force refuses (T-SWK-01)', async () => {
    const m = await started(swk());
    // The file in force refuses a CIN review 5 days after the notification ...
    const refused = await refusal(m, 'trigger', actors.integration, { event: 'cin-review', on: plus(TODAY, 5) } as never);
    expect(violations(refused).map((v) => v.rule)).toEqual(['T-SWK-01']);
    // ... the transfer's own copy, pinned at its start, says 2 working days: that copy decides.
    const pinned = JSON.parse(JSON.stringify(m.digest!.policy)) as { bounds: { rule: string; check: { offset: { n: number } } }[] };
    const notice = pinned.bounds.find((b) => b.rule === 'T-SWK-01')!;
    expect(notice.check.offset.n).toBe(10);
    notice.check.offset.n = 2;
    const repinned: TransferModel = { ...m, digest: { ...m.digest!, policy: pinned as never } };
    const done = await apply(repinned, 'trigger', actors.integration, { event: 'cin-review', on: plus(TODAY, 5) });
    expect(done.transfer.completion).toMatchObject({ how: 'trigger-event', effectiveOn: plus(TODAY, 5) });
  });
});

describe('the trigger endpoint reports events; only the transfer point completes', () => {
  test('Southwark: with no notification recorded, no completion can show its 10 working days of notice (T-SWK-01)', async () => {
    const m = await started(request('southwark', 'swk-ai-to-sfs-cin', { event: 'cin-review', date: plus(TODAY, 2) }));
    for (const [name, payload] of [
      ['trigger', { event: 'cin-review', on: plus(TODAY, 2) }],
      ['meeting', { status: 'held', on: plus(TODAY, 1), attendees: ['sw-anna'] }],
    ] as const) {
      const r = await refusal(m, name, actors.transferringTm, payload as never);
      expect(violations(r)).toEqual([expect.objectContaining({ rule: 'T-SWK-01', message: expect.stringMatching(/written notification is not recorded yet/) })]);
    }
  });

  const heldIcpc = { event: 'icpc', on: TODAY };

  test('Internal v11: the ICPC a CP transfer starts with does not complete it; the initial core group does, and a late one is late against the ICPC (UNN-01, T-UNN-04)', async () => {
    let m = await started(request('internal-v11', 'unn-ai-to-fsp-cp', { event: 'icpc', date: '2026-12-21' }), at('2026-12-21'));
    m = await apply(m, 'trigger', actors.integration, { event: 'icpc', on: '2026-12-21' }, at('2026-12-21', '15:00:00'));
    expect(m.transfer.completion).toBeUndefined();
    const handover = () => m.transfer.deadlines.find((d) => d.rule === 'T-UNN-04');
    expect(handover()).toMatchObject({ dueOn: '2027-01-07', state: 'pending' });
    // The core group's own date does not become the date its 10 working days count from.
    const done = await apply(m, 'trigger', actors.integration, { event: 'initial-core-group', on: '2027-01-20' }, at('2027-01-20', '12:00:00'));
    expect(done.transfer.completion).toMatchObject({ how: 'trigger-event', effectiveOn: '2027-01-20' });
    expect(done.transfer.deadlines.find((d) => d.rule === 'T-UNN-04')).toMatchObject({ dueOn: '2027-01-07', state: 'met-late', lateByDays: 13 });
  });

  test('Internal v11: reporting the ICO leaves a proceedings transfer counted from its CMH (T-UNN-07)', async () => {
    const children = lookedAfter('2015-01-01', { icoOn: '2027-02-15' });
    let m = await started(request('internal-v11', 'unn-ai-to-fsp-proceedings', { event: 'cmh', date: '2027-03-01' }, { children }), at('2027-02-15'));
    m = await apply(m, 'trigger', actors.integration, { event: 'ico', on: '2027-02-15' }, at('2027-02-15', '12:00:00'));
    expect(m.transfer.completion).toBeUndefined();
    expect(m.transfer.trigger).toMatchObject({ event: 'cmh', date: '2027-03-01' });
    const early = await refusal(m, 'meeting', actors.transferringTm, { status: 'held', on: '2027-02-20', attendees: ['sw-anna'] } as never, at('2027-02-20'));
    expect(violations(early)).toEqual([expect.objectContaining({ rule: 'T-UNN-07', earliestOn: '2027-03-01' })]);
  });

  test('Southwark: a deferred ICPC does not complete a CP transfer; the deferred conference held does (T7)', async () => {
    // Started at the deferral (the integration knows of it first): reporting it still does not complete.
    let m = await started(request('southwark', 'swk-ai-to-sfs-cp', { event: 'icpc-deferred', date: '2027-02-22' }, { notifiedOn: TODAY }));
    m = await apply(m, 'trigger', actors.integration, { event: 'icpc-deferred', on: '2027-02-22' }, at('2027-02-22'));
    expect(m.transfer.completion).toBeUndefined();
    const done = await apply(m, 'trigger', actors.integration, { event: 'icpc', on: '2027-03-08' }, at('2027-03-08'));
    expect(done.transfer.completion).toMatchObject({ how: 'trigger-event', effectiveOn: '2027-03-08' });
  });

  test('a clock met by a named event is met by that event only: a network meeting is not the CIN review (T-SWK-02), a transfer-in request not the conference (T-SOM-13)', async () => {
    let m = await started(request('southwark', 'swk-ai-to-sfs-cin', { event: 'cin-review', date: plus(TODAY, 14) }, { notifiedOn: TODAY }));
    m = await apply(m, 'trigger', actors.integration, { event: 'network-meeting', on: plus(TODAY, 2) }, at(plus(TODAY, 2)));
    expect(m.transfer.deadlines.find((d) => d.rule === 'T-SWK-02')?.state).toBe('pending');
    let s = await started(request('somerset', 'som-transfer-in-cp', { event: 'transfer-in-conference', date: plus(TODAY, 10) }, { notifiedOn: TODAY }));
    s = await apply(s, 'trigger', actors.integration, { event: 'transfer-in-request', on: TODAY }, at(TODAY, '12:00:00'));
    expect(s.transfer.deadlines.find((d) => d.rule === 'T-SOM-13')?.state).toBe('pending');
    s = await apply(s, 'trigger', actors.integration, { event: 'transfer-in-conference', on: plus(TODAY, 10) }, at(plus(TODAY, 10)));
    expect(s.transfer.deadlines.find((d) => d.rule === 'T-SOM-13')?.state).toBe('met');
  });

  test('Barking and Dagenham: an ICPC with the checklist not signed off is kept, escalated, and completes the transfer on the day it is signed off (001 ¶11)', async () => {
    let m = await started(request('barking-dagenham', 'lbbd-assess-to-cm-cp', { event: 'icpc', date: plus(TODAY, 9) }, { decidedOn: TODAY }));
    const icpcOn = plus(TODAY, 9);
    m = await apply(m, 'trigger', actors.integration, { ...heldIcpc, on: icpcOn }, at(icpcOn, '15:00:00'));
    expect(m.transfer.completion).toBeUndefined();
    expect(m.transfer.history.at(-1)?.detail).toMatch(/completes once its blocking items are signed off/);
    const chase = m.transfer.escalations.filter((e) => e.state === 'open');
    expect(chase.map((e) => e.reason)).toEqual([expect.stringMatching(/signed off/)]);
    const signOffDay = plus(icpcOn, 2);
    const done = await signedOff(m, at(signOffDay));
    expect(done.transfer.completion).toMatchObject({ how: 'trigger-event', effectiveOn: signOffDay, outstandingItems: [] });
    expect(done.transfer.escalations.find((e) => e.escalationId === chase[0].escalationId)?.state).toBe('answered');
  });

  test('Somerset: an ICPC with an agreed task open waits for it; the end of the 14 days still sends the case back to the TAM (002 §2 b5)', async () => {
    const decided = async () => apply(await started(som()), 'decision', actors.transferringTm, { on: TODAY, agreedTasks: ['assessment'] } as never, at(TODAY, '12:00:00'));
    const task = (m: TransferModel) => m.transfer.checklist.find((i) => i.blocking && i.state === 'open')!.itemId;
    let m = await apply(await decided(), 'trigger', actors.integration, { ...heldIcpc, on: plus(TODAY, 3) }, at(plus(TODAY, 3)));
    expect(m.transfer.completion).toBeUndefined();
    const done = await apply(m, 'checklistItem', actors.allocatedSw, { itemId: task(m), state: 'done' }, at(plus(TODAY, 5)));
    expect(done.transfer.completion).toMatchObject({ how: 'trigger-event', effectiveOn: plus(TODAY, 5) });
    m = await apply(await decided(), 'trigger', actors.integration, { ...heldIcpc, on: plus(TODAY, 3) }, at(plus(TODAY, 3)));
    const back = await advance(m, at(plus(TODAY, 16)));
    expect(back.transfer.status).toBe('returned-to-meeting');
    expect(back.transfer.completion).toBeUndefined();
  });
});
