// Escalations people raise (issue 9 item 3), through the pure lifecycle with the real schedule
// engine and calendar: each authority's reasons routed to the rung and sides its policy names, an
// answer that settles or climbs, time-outs, and INV-2 (capacity is escalated, never a delay).
import { rankIndex, type Actor, type Escalation, type TransferRequest } from '../../../workflows/definitions';
import type { TransferModel } from '../../../workflows/lifecycle/model';
import { Refusal } from '../../../workflows/lifecycle/requests';
import { policiesFrom } from '../../../activities/policy/registry';
import { applyTimer } from '../../../workflows/lifecycle/step';
import { nextTimer } from '../../../workflows/lifecycle/timers';
import { noticeTriggers, triggersEmail } from '../../../workflows/notices';
import { TODAY, actors, advance, apply, at, isl, lbbd, plus, request, run, som, started, step, swk, unn } from './harness';

const registry = policiesFrom();
const POLICIES = Object.fromEntries(registry.authorities().map((a) => [a, registry.inForce(a, TODAY)]));
/** The open escalations people raised (a missed clock may raise its own meanwhile). */
const open = (m: TransferModel) => m.transfer.escalations.filter((e) => e.state === 'open' && e.raised);
const byId = (m: TransferModel, id: string) => m.transfer.escalations.find((e) => e.escalationId === id)!;
const route = (es: Escalation[]) => es.map((e) => `${e.side}:${e.to.id}@${e.level}`).sort();

async function refused(m: TransferModel, name: 'raiseEscalation', actor: Actor, payload: { reason: string; note: string; side?: 'transferring' | 'receiving' }) {
  const err = await step(m, name, actor, payload).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Refusal);
  return err as Refusal;
}

async function raised(req: TransferRequest, actor: Actor, reason: string, side?: 'transferring' | 'receiving') {
  const m = await started(req);
  return apply(m, 'raiseEscalation', actor, { reason, note: `raised for ${reason}`, side });
}

describe('every reason in the policy files can be raised on a kind it applies to', () => {
  // The chain of the fixtures: team manager, service manager, head of service on each side.
  for (const [authority, policy] of Object.entries(POLICIES)) {
    for (const rule of policy.raisedEscalations ?? []) {
      it(`${authority}: ${rule.reason} goes to ${rule.to.join(' and ')} from ${rule.fromRank}`, async () => {
        const kind = rule.kinds?.[0] ?? policy.kinds.find((k) => !k.outOfScope)!.id;
        const k = policy.kinds.find((x) => x.id === kind)!;
        const req = request(authority, kind, { event: k.trigger.events[0] ?? 'trigger', date: plus(TODAY, 40) });
        const actor = rule.raisedBy.includes('receiving') ? actors.receivingTm : actors.transferringTm;
        const m = await raised(req, actor, rule.reason);
        const es = open(m);
        expect(es.map((e) => e.side).sort()).toEqual(rule.to.map((t) => (t === 'raiser' ? actor.sides[0] : t)).sort());
        for (const e of es) {
          expect(e).toMatchObject({ reason: rule.reason, rule: rule.rule, level: 1, raised: { by: actor.id, note: `raised for ${rule.reason}` } });
          expect(e.to).toEqual(req.people.chain[e.side].find((p) => rankIndex(p.role) >= rankIndex(rule.fromRank)));
          expect(Date.parse(e.respondBy)).toBeGreaterThan(Date.parse(e.raisedAt));
        }
      });
    }
  }
});

describe('Islington', () => {
  it("a written notification not sent by the day after the managers' conversation reminds the transferring manager and escalates nothing (T-ISL-01)", async () => {
    const m0 = await started(isl({ decidedOn: TODAY }));
    const due = m0.transfer.deadlines.find((d) => d.rule === 'T-ISL-01')!;
    const timer = nextTimer(m0)!;
    expect(new Date(timer.at).toISOString()).toBe(due.due);
    const fired = (await run(applyTimer(m0, timer, { now: due.due, workflowId: 'wf' })))!;
    expect(fired.model.transfer.deadlines.find((d) => d.id === due.id)?.state).toBe('missed');
    expect(fired.model.transfer.escalations).toEqual([]);
    const [message] = fired.effects.map((e) => e.message);
    expect(noticeTriggers(message).reminders).toEqual([expect.objectContaining({ rule: 'T-ISL-01', reminder: { side: 'transferring', reason: expect.stringMatching(/send the written transfer notification now/) } })]);
    expect(triggersEmail(message)).toBe(true);
  });

  it('capacity goes to the receiving service manager; the window, clocks and status stay as they were (INV-2)', async () => {
    const m0 = await started(isl({ notifiedOn: TODAY, windowEnd: plus(TODAY, 30) }));
    const m = await apply(m0, 'raiseEscalation', actors.receivingTm, { reason: 'capacity', note: 'no worker free until March' });
    expect(route(open(m))).toEqual(['receiving:sm-gu@1']);
    expect([m.transfer.status, m.transfer.window, m.transfer.deadlines]).toEqual([m0.transfer.status, m0.transfer.window, m0.transfer.deadlines]);
    // 2 working days (IMPL-ESC) from Mon 1 Feb: due by the end of Wed 3 Feb.
    expect(open(m)[0].respondBy).toBe('2027-02-04T00:00:00.000Z');
    // And capacity still ends nothing and delays nothing.
    for (const [name, payload] of [
      ['rejection', { reason: 'CAPACITY' }],
      ['cancellation', { reason: 'capacity' }],
      ['exceptionRequest', { exceptionId: 'x1', kind: 'hold', reason: 'capacity' }],
      ['exceptionRequest', { exceptionId: 'x2', kind: 'extend-window', reason: 'Capacity', newWindowEnd: plus(TODAY, 40) }],
      ['exceptionRequest', { exceptionId: 'x3', kind: 'cancel-transfer', reason: 'capacity' }],
    ] as const) {
      const err = await step(m, name, actors.receivingSm, payload as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Refusal);
      expect((err as Refusal).message).toMatch(/CAPACITY is never a reason/);
    }
  });

  it('"no agreement" climbs a rung; an unanswered rung climbs at its respond-by; the top rung answered ends it', async () => {
    let m = await raised(isl({ notifiedOn: TODAY, windowEnd: plus(TODAY, 30) }), actors.receivingTm, 'capacity');
    m = await apply(m, 'escalationResponse', actors.receivingSm, { escalationId: 'esc-1', decision: 'No agreement', note: 'cannot staff it' });
    expect(byId(m, 'esc-1')).toMatchObject({ state: 'answered', answer: { by: 'sm-gu', decision: 'No agreement' } });
    expect(route(open(m))).toEqual(['receiving:hos-ha@2']);
    expect(open(m)[0]).toMatchObject({ reason: 'capacity', rule: 'E-ISL-CAPACITY', raised: { by: 'tm-di' } });
    // The head of service does not answer: at the respond-by it goes to the assistant director.
    const chain = isl({ notifiedOn: TODAY, windowEnd: plus(TODAY, 30) });
    chain.people.chain.receiving.push({ id: 'ad-io', role: 'assistant-director' });
    let n = await raised(chain, actors.receivingTm, 'capacity');
    n = await apply(n, 'escalationResponse', actors.receivingSm, { escalationId: 'esc-1', decision: 'no-agreement', note: 'x' });
    n = await advance(n, at(plus(TODAY, 10)));
    expect(byId(n, 'esc-2')).toMatchObject({ state: 'superseded', to: { id: 'hos-ha' } });
    expect(route(open(n))).toEqual(['receiving:ad-io@3']);
    expect(open(n)[0].raised?.group).toBe('raised-1');
    // At the top of the chain "no agreement" stands as the answer: nothing further is raised.
    n = await apply(n, 'escalationResponse', { id: 'ad-io', roles: ['assistant-director'], sides: ['receiving'], kind: 'person' }, { escalationId: open(n)[0].escalationId, decision: 'no agreement', note: 'x' }, at(plus(TODAY, 10)));
    expect(open(n)).toEqual([]);
    expect(n.transfer.history.at(-1)!.detail).toMatch(/top of the ladder/);
  });

  it('a criteria dispute goes to both service managers; one settling answer settles both sides', async () => {
    let m = await raised(isl({ notifiedOn: TODAY, windowEnd: plus(TODAY, 30) }), actors.transferringTm, 'criteria-dispute');
    expect(route(open(m))).toEqual(['receiving:sm-gu@1', 'transferring:sm-ed@1']);
    const [tx] = open(m).filter((e) => e.side === 'transferring');
    m = await apply(m, 'escalationResponse', actors.transferringSm, { escalationId: tx.escalationId, decision: 'agreed: the criteria are met', note: 'spoke to sm-gu' });
    expect(open(m)).toEqual([]);
    expect(m.transfer.escalations.every((e) => e.state === 'answered')).toBe(true);
    expect(m.transfer.escalations.find((e) => e.side === 'receiving')!.answer?.note).toMatch(/settled by sm-ed/);
  });

  it('a criteria dispute answered "no agreement" climbs both chains', async () => {
    let m = await raised(isl({ notifiedOn: TODAY, windowEnd: plus(TODAY, 30) }), actors.receivingTm, 'criteria-dispute');
    const rx = open(m).find((e) => e.side === 'receiving')!;
    m = await apply(m, 'escalationResponse', actors.receivingSm, { escalationId: rx.escalationId, decision: 'no-agreement', note: 'x' });
    expect(route(open(m))).toEqual(['receiving:hos-ha@2', 'transferring:hos-tx@2']);
    expect(m.transfer.escalations.filter((e) => e.level === 1).map((e) => e.state).sort()).toEqual(['answered', 'superseded']);
  });

  it('a notice shortfall is raised by the receiving side, to both sides', async () => {
    const m = await started(isl({ notifiedOn: TODAY, windowEnd: plus(TODAY, 30) }));
    expect((await refused(m, 'raiseEscalation', actors.transferringTm, { reason: 'notice-shortfall', note: 'x' })).type).toBe('Forbidden');
    const n = await apply(m, 'raiseEscalation', actors.receivingTm, { reason: 'notice-shortfall', note: 'only 3 weeks' });
    expect(route(open(n))).toEqual(['receiving:sm-gu@1', 'transferring:sm-ed@1']);
  });

  it('refuses a reason the policy does not list (naming the allowed ones), a duplicate, a missing rung and a side the raiser is not on', async () => {
    const m = await raised(isl({ notifiedOn: TODAY, windowEnd: plus(TODAY, 30) }), actors.receivingTm, 'capacity');
    const unknown = await refused(m, 'raiseEscalation', actors.receivingTm, { reason: 'no-named-worker', note: 'x' });
    expect(unknown.message).toMatch(/allowed: capacity, notice-shortfall, criteria-dispute/);
    expect(unknown.details).toMatchObject({ errors: [{ path: 'reason' }], allowed: ['capacity', 'notice-shortfall', 'criteria-dispute'] });
    expect((await refused(m, 'raiseEscalation', actors.receivingTm, { reason: 'capacity', note: 'again' })).message).toMatch(/already open \(esc-1\)/);
    expect((await refused(m, 'raiseEscalation', actors.receivingTm, { reason: 'criteria-dispute', note: 'x', side: 'transferring' })).type).toBe('Forbidden');
    const short = isl({ notifiedOn: TODAY, windowEnd: plus(TODAY, 30) });
    short.people.chain.receiving = [{ id: 'tm-di', role: 'team-manager' }];
    const s = await started(short);
    expect((await refused(s, 'raiseEscalation', actors.receivingTm, { reason: 'capacity', note: 'x' })).details).toMatchObject({ rule: 'E-ISL-CAPACITY', errors: [{ path: 'people.chain.receiving' }] });
  });
});

describe('Barking and Dagenham', () => {
  it('capacity goes to both Group Managers with 24 hours to decide, then to the Heads of Service', async () => {
    let m = await raised(lbbd(), actors.receivingTm, 'capacity');
    expect(route(open(m))).toEqual(['receiving:sm-gu@1', 'transferring:sm-ed@1']);
    for (const e of open(m)) expect(e.respondBy).toBe(new Date(Date.parse(e.raisedAt) + 24 * 3600_000).toISOString());
    m = await advance(m, at(plus(TODAY, 1), '09:00:01'));
    expect(route(open(m))).toEqual(['receiving:hos-ha@2', 'transferring:hos-tx@2']);
    // The Heads of Service get the policy's answer time, which in Barking and Dagenham is 24 hours too.
    for (const e of open(m)) expect(e.respondBy).toBe(new Date(Date.parse(e.raisedAt) + 24 * 3600_000).toISOString());
  });

  it('a dispute goes to the Heads of Service, and their "no agreement" is final', async () => {
    let m = await raised(lbbd(), actors.transferringTm, 'criteria-dispute');
    expect(route(open(m))).toEqual(['receiving:hos-ha@1', 'transferring:hos-tx@1']);
    m = await apply(m, 'escalationResponse', actors.receivingHos, { escalationId: open(m).find((e) => e.side === 'receiving')!.escalationId, decision: 'no agreement', note: 'x' });
    expect(m.transfer.escalations.filter((e) => e.level > 1)).toEqual([]);
    expect(open(m)).toEqual([]);
  });
});

describe('Somerset', () => {
  it('capacity goes to both Operations Managers, and "no agreement" takes it to the Heads of Service', async () => {
    let m = await raised(som(), actors.receivingTm, 'capacity');
    expect(route(open(m))).toEqual(['receiving:sm-gu@1', 'transferring:sm-ed@1']);
    m = await apply(m, 'escalationResponse', actors.transferringSm, { escalationId: open(m).find((e) => e.side === 'transferring')!.escalationId, decision: 'no agreement', note: 'x' });
    expect(route(open(m))).toEqual(['receiving:hos-ha@2', 'transferring:hos-tx@2']);
  });

  it('an area-to-area disagreement applies only to area-to-area transfers, and the OMs decide', async () => {
    const other = await started(som());
    expect((await refused(other, 'raiseEscalation', actors.receivingTm, { reason: 'disagreement', note: 'x' })).message).toMatch(/allowed: capacity, no-named-worker/);
    let m = await raised(request('somerset', 'som-area-to-area', { event: 'tam', date: TODAY }), actors.receivingTm, 'disagreement');
    expect(route(open(m))).toEqual(['receiving:sm-gu@1', 'transferring:sm-ed@1']);
    m = await apply(m, 'escalationResponse', actors.receivingSm, { escalationId: open(m).find((e) => e.side === 'receiving')!.escalationId, decision: 'no agreement', note: 'x' });
    expect(m.transfer.escalations.some((e) => e.level > 1)).toBe(false);
  });

  it('no named worker goes to the receiving OM and is settled by the allocation', async () => {
    let m = await raised(som(), actors.transferringTm, 'no-named-worker');
    expect(route(open(m))).toEqual(['receiving:sm-gu@1']);
    m = await apply(m, 'allocation', actors.receivingTm, { receivingSocialWorker: { id: 'sw-new', role: 'social-worker' } });
    expect(open(m)).toEqual([]);
    expect(m.transfer.escalations[0].answer).toMatchObject({ by: 'system', decision: 'resolved' });
  });
});

describe('the unnamed authority', () => {
  it('team managers who disagree about an early transfer go to their service managers, no higher', async () => {
    let m = await raised(request('internal-v11', 'unn-ai-to-fsp-proceedings', { event: 'cmh', date: plus(TODAY, 40) }), actors.transferringTm, 'disagreement');
    expect(route(open(m))).toEqual(['receiving:sm-gu@1', 'transferring:sm-ed@1']);
    m = await apply(m, 'escalationResponse', actors.transferringSm, { escalationId: open(m)[0].escalationId, decision: 'no agreement', note: 'x' });
    expect(m.transfer.escalations.some((e) => e.level > 1)).toBe(false);
    const cin = await started(unn());
    expect((await refused(cin, 'raiseEscalation', actors.transferringTm, { reason: 'disagreement', note: 'x' })).message).toMatch(/allowed: capacity$/);
  });
});

describe('Southwark', () => {
  it('a remediation letter sent after the referring social worker has left gives the receiving AP the task of agreeing how the missing records will be produced, done with the remediation (SWK-05)', async () => {
    const withAp = swk();
    withAp.people.chain.receiving.unshift({ id: 'ap-re', role: 'line-manager' });
    const reviewOn = plus(TODAY, 14);
    let m = await apply(await started(withAp), 'trigger', actors.integration, { event: 'cin-review', on: reviewOn }, at(reviewOn));
    const letter = await step(m, 'remediation', actors.receivingTm, { items: [{ itemId: 'chronology', description: 'gaps' }], referringWorkerLeft: true }, at(plus(TODAY, 15)));
    m = letter.model;
    expect(m.transfer.tasks).toEqual([
      expect.objectContaining({ task: 'Agree how the missing records will be produced', rule: 'T-SWK-05', side: 'receiving', owner: { id: 'ap-re', role: 'line-manager' }, state: 'open' }),
    ]);
    expect(m.transfer.escalations).toEqual([]);
    const message = letter.effects[0].message;
    expect(noticeTriggers(message).tasks.map((t) => t.owner?.id)).toEqual(['ap-re']);
    m = await apply(m, 'remediation', actors.transferringTm, { itemId: 'chronology' }, at(plus(TODAY, 20)));
    expect(m.transfer.tasks.map((t) => t.state)).toEqual(['done']);

    // Without the flag, no task; a policy that names no such task refuses the flag.
    const plain = await apply(await apply(await started(swk()), 'trigger', actors.integration, { event: 'cin-review', on: reviewOn }, at(reviewOn)), 'remediation', actors.receivingTm, { items: [{ itemId: 'c', description: 'd' }] }, at(plus(TODAY, 15)));
    expect(plain.transfer.tasks).toEqual([]);
    const noTask = { ...plain, digest: { ...plain.digest!, remediationWorkerLeft: undefined } };
    const err = await step({ ...noTask, transfer: { ...noTask.transfer, remediation: undefined } }, 'remediation', actors.receivingTm, { items: [{ itemId: 'c', description: 'd' }], referringWorkerLeft: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Refusal);
    expect(err).toMatchObject({ details: { errors: [{ path: 'referringWorkerLeft' }] } });
  });

  it('a criteria dispute goes from the receiving PGL to the sending manager, then the Head of Service; the case stays with the sender', async () => {
    const m0 = await started(swk());
    expect((await refused(m0, 'raiseEscalation', actors.transferringTm, { reason: 'criteria-dispute', note: 'x' })).type).toBe('Forbidden');
    let m = await apply(m0, 'raiseEscalation', actors.receivingTm, { reason: 'criteria-dispute', note: 'not CIN threshold' });
    expect(route(open(m))).toEqual(['transferring:tm-cy@1']);
    m = await apply(m, 'escalationResponse', actors.transferringTm, { escalationId: 'esc-1', decision: 'no agreement', note: 'x' });
    expect(route(open(m))).toEqual(['transferring:sm-ed@2']);
    expect([m.transfer.status, m.transfer.people.allocatedSocialWorker, m.transfer.completion]).toEqual([m0.transfer.status, m0.transfer.people.allocatedSocialWorker, undefined]);
  });

  it('no named worker is a notice to the head-of-service rank (Head of QA) at once; capacity goes to the receiving AP', async () => {
    const m = await raised(swk(), actors.receivingTm, 'no-named-worker');
    expect(route(open(m))).toEqual(['receiving:hos-ha@1']);
    const withAp = swk();
    withAp.people.chain.receiving.unshift({ id: 'ap-re', role: 'line-manager' });
    const c = await raised(withAp, actors.allocatedSw, 'capacity');
    expect(route(open(c))).toEqual(['receiving:ap-re@1']);
    expect(open(c)[0].raised).toMatchObject({ by: 'sw-anna', side: 'transferring' });
  });

  it('a completion into the team queue with a looked-after child tells the Head of QA at once; the allocation settles it (INV-6)', async () => {
    const lookedAfter = swk();
    lookedAfter.children = [{ ref: 'C-4', dateOfBirth: '2014-04-04', legalStatus: 's20', lookedAfter: true }];
    const reviewOn = plus(TODAY, 14);
    let m = await apply(await started(lookedAfter), 'trigger', actors.integration, { event: 'cin-review', on: reviewOn }, at(reviewOn));
    expect(m.transfer.completion).toMatchObject({ receiver: 'team-queue' });
    expect(route(open(m))).toEqual(['receiving:hos-ha@1']);
    expect(open(m)[0]).toMatchObject({ reason: 'no-named-worker', rule: 'T-SWK-06', raised: { by: 'system', side: 'receiving' } });
    m = await apply(m, 'allocation', actors.receivingTm, { receivingSocialWorker: { id: 'sw-new', role: 'social-worker' } }, at(reviewOn));
    expect(open(m)).toEqual([]);

    // A child neither looked after nor on a CP plan: the receiving AP manages the queue, no notice.
    const s17 = await apply(await started(swk()), 'trigger', actors.integration, { event: 'cin-review', on: reviewOn }, at(reviewOn));
    expect(s17.transfer.completion).toMatchObject({ receiver: 'team-queue' });
    expect(open(s17)).toEqual([]);
  });
});
