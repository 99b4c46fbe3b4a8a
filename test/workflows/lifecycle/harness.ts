// Drives the pure lifecycle without Temporal: its requests are answered by the real activities
// (the schedule engine, the calendar), called directly. Dates are fixed, so no clock is read.
import { createActivities } from '../../../activities';
import type { Actor, EventName, EventPayloads, StartTransferInput, TransferRequest } from '../../../workflows/definitions';
import type { TransferModel } from '../../../workflows/lifecycle/model';
import type { Asks, Request } from '../../../workflows/lifecycle/requests';
import { applyEvent, applyTimer, start, type StepResult } from '../../../workflows/lifecycle/step';
import { nextTimer } from '../../../workflows/lifecycle/timers';
import { startableTransfer } from '../../support/fixtures';
import { actors as driverActors } from '../../support/workflow-driver';

export const activities = createActivities({ audit: () => undefined, mail: undefined, webhook: undefined });
export const WORKFLOW_ID = 'transfer-test';

/** A Monday with no bank holiday near it; every scenario counts from here. */
export const TODAY = '2027-02-01';
export const at = (date: string, time = '09:00:00') => `${date}T${time}Z`;
export const plus = (date: string, days: number) => new Date(Date.parse(`${date}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Answers each request; `fail` makes the matching one throw, as a local activity that gave up would. */
export async function run<T>(step: Asks<T>, fail?: (r: Request) => boolean): Promise<T> {
  let next = step.next();
  while (!next.done) {
    const r = next.value;
    if (fail?.(r)) throw new Error(`${r.kind} failed`);
    const answer = await (activities[r.kind] as (input: unknown) => Promise<unknown>)(r.input);
    next = step.next(answer);
  }
  return next.value;
}

/** Runs a step as `run` does, and lists the kinds of request it asked, in order. */
export async function runListing<T>(step: Asks<T>): Promise<{ value: T; asked: Request['kind'][] }> {
  const asked: Request['kind'][] = [];
  const value = await run(step, (r) => {
    asked.push(r.kind);
    return false;
  });
  return { value, asked };
}

/** The schedule a new request would give for the model's facts, under its pinned policy. */
export const freshSchedule = (m: TransferModel) => activities.computeSchedule({ ...m.facts, policy: m.digest!.policy });

// The driver's people, plus a social worker of the receiving side for refusals.
export const actors = {
  ...driverActors,
  otherSw: { id: 'sw-zed', roles: ['social-worker'], sides: ['receiving'], kind: 'person' } as Actor,
};

export function request(authority: TransferRequest['authority'], kind: string, trigger: { event: string; date: string }, extra: Partial<TransferRequest> = {}): TransferRequest {
  return startableTransfer(authority, kind, trigger, { transferId: 'test', ...extra });
}

export async function started(req: TransferRequest, now = at(TODAY)): Promise<TransferModel> {
  const input: StartTransferInput = { request: req, requestHash: 'h', startedBy: actors.integration, receivedOn: now.slice(0, 10) };
  return (await run(start(input, { now, workflowId: WORKFLOW_ID }))).model;
}

export async function step<E extends EventName>(m: TransferModel, name: E, actor: Actor, payload: EventPayloads[E], now = at(TODAY), eventId?: string): Promise<StepResult> {
  return run(applyEvent(m, name, { actor, payload, eventId }, { now, workflowId: WORKFLOW_ID }));
}

/** Applies the event and returns the new model. */
export async function apply<E extends EventName>(m: TransferModel, name: E, actor: Actor, payload: EventPayloads[E], now = at(TODAY)): Promise<TransferModel> {
  return (await step(m, name, actor, payload, now)).model;
}

/** Fires every timer due up to the instant, in order, as the workflow's loop would. */
export async function advance(m: TransferModel, until: string): Promise<TransferModel> {
  for (let i = 0; i < 200; i++) {
    const t = nextTimer(m);
    if (!t || t.at > Date.parse(until)) return m;
    const result = await run(applyTimer(m, t, { now: new Date(t.at).toISOString(), workflowId: WORKFLOW_ID }));
    if (!result) return m;
    m = result.model;
  }
  throw new Error('more than 200 timers fired');
}

// Fixtures: one transfer per profile of the lifecycle.
export const isl = (extra: Partial<TransferRequest> = {}) =>
  request('islington', 'isl-cin-to-cla', { event: 'first-cla-review', date: plus(TODAY, 35) }, extra);
export const islNotified = (end = plus(TODAY, 30)) => started(isl({ notifiedOn: TODAY, windowEnd: end }));
export const som = () => request('somerset', 'som-at-to-sg', { event: 'icpc', date: TODAY });
export const swk = () => request('southwark', 'swk-ai-to-sfs-cin', { event: 'cin-review', date: plus(TODAY, 14) }, { notifiedOn: TODAY });
export const unn = () => request('internal-v11', 'unn-ai-to-fsp-cin', { event: 'cin-six-months', date: TODAY });
export const lbbd = (kind = 'lbbd-to-cic-longterm', event = 'final-hearing') =>
  request('barking-dagenham', kind, { event, date: TODAY }, {
    children: [{ ref: 'C-7', dateOfBirth: '2012-02-02', legalStatus: 's31 care order', lookedAfter: true }],
  });
