// What the pages show, built from the transfer state: pure functions from state to rows of text,
// so the templates stay plain. Everything a person typed is escaped before it becomes HTML.
import { DateTime } from 'luxon';
import {
  EVENT_PERMISSIONS,
  highestRank,
  isPermitted,
  rankIndex,
  type Escalation,
  type EventName,
  type TransferException,
  type TransferState,
} from '../../workflows/definitions';
import type { Principal } from '../auth';
import { actorOf, sidesOf } from '../transfers';

const LONDON = 'Europe/London';

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** "Tue 5 Jan 2027, 09:00 GMT" */
export function when(iso: string | undefined): string {
  if (!iso) return '';
  const dt = DateTime.fromISO(iso, { setZone: true }).setZone(LONDON).setLocale('en-GB');
  return dt.isValid ? dt.toFormat('ccc d LLL yyyy, HH:mm ZZZZ') : iso;
}

/** "Tue 5 Jan 2027" */
export function day(isoDate: string | undefined): string {
  if (!isoDate) return '';
  const dt = DateTime.fromISO(isoDate.slice(0, 10), { zone: LONDON }).setLocale('en-GB');
  return dt.isValid ? dt.toFormat('ccc d LLL yyyy') : isoDate;
}

export function londonToday(): string {
  return DateTime.now().setZone(LONDON).toISODate()!;
}

export function plusDays(isoDate: string, days: number): string {
  return DateTime.fromISO(isoDate, { zone: LONDON }).plus({ days }).toISODate()!;
}

const TAG: Record<string, string> = {
  pending: 'blue', open: 'blue', met: 'green', done: 'green', approved: 'green', answered: 'green', waived: 'grey',
  na: 'grey', 'historic-gap': 'yellow', deferred: 'yellow', missed: 'red', rejected: 'red', superseded: 'grey',
  'met-late': 'orange',
};
export function tag(state: string): string {
  return `<strong class="govuk-tag govuk-tag--${TAG[state] ?? 'grey'}">${esc(state.replace(/-/g, ' '))}</strong>`;
}

export function caseLabel(t: Pick<TransferState, 'children'>): string {
  const refs = t.children.map((c) => c.ref);
  return refs.length === 1 ? `case ${refs[0]}` : `cases ${refs.join(', ')}`;
}

export const transferPath = (id: string) => `/app/transfers/${encodeURIComponent(id)}`;
export const escalationAnswerPath = (id: string, e: string) => `${transferPath(id)}/escalations/${encodeURIComponent(e)}/response`;
export const exceptionApprovalPath = (id: string, e: string) => `${transferPath(id)}/exceptions/${encodeURIComponent(e)}/approval`;

const link = (href: string, text: string, hidden?: string) =>
  `<a class="govuk-link" href="${esc(href)}">${esc(text)}${hidden ? `<span class="govuk-visually-hidden"> ${esc(hidden)}</span>` : ''}</a>`;

export function may(principal: Principal, state: TransferState, name: EventName): boolean {
  return isPermitted(EVENT_PERMISSIONS[name], actorOf(principal, sidesOf(principal, state)), state.people.allocatedSocialWorker.id);
}

/** The workflow decides in the end; this only says whether to offer the form. */
export function mayAnswer(principal: Principal, state: TransferState, e: Escalation): boolean {
  if (e.state !== 'open' || !may(principal, state, 'escalationResponse')) return false;
  const actor = actorOf(principal, sidesOf(principal, state));
  return actor.id === e.to.id || (highestRank(actor) > rankIndex(e.to.role) && actor.sides.includes(e.side));
}

export function openSides(x: TransferException) {
  return x.requiredSides.filter((s) => !x.approvals.some((a) => a.side === s));
}

/** The sides still to answer, in words: "transferring and receiving", or "or" where either settles it. */
export function sidesToAnswer(x: TransferException): string {
  return openSides(x).join(x.decision === 'any-side' ? ' or ' : ' and ');
}

export function mayDecide(principal: Principal, state: TransferState, x: TransferException): boolean {
  if (x.state !== 'pending' || !may(principal, state, 'exceptionDecision')) return false;
  const actor = actorOf(principal, sidesOf(principal, state));
  return highestRank(actor) >= rankIndex(x.minRank) && actor.sides.some((s) => openSides(x).includes(s));
}

export function exceptionLabel(x: TransferException): string {
  const what: Record<string, string> = {
    'extend-window': `Extend the window${x.newWindowEnd ? ` to ${day(x.newWindowEnd)}` : ''}`,
    'waive-items': `Waive ${x.itemIds?.join(', ') ?? 'items'}`,
    hold: 'Hold the transfer (pause the clocks)',
    resume: 'Resume the transfer',
    'cancel-transfer': 'Cancel the transfer',
  };
  return what[x.kind] ?? x.kind;
}

const EVENT_LABELS: Record<string, string> = {
  started: 'Transfer started', notification: 'Written notification', acknowledgement: 'Acknowledgement',
  allocation: 'Social worker allocated', checklistItem: 'Checklist', meeting: 'Meeting', exceptionRequest: 'Exception requested',
  exceptionDecision: 'Exception decision', escalationResponse: 'Escalation answered', raiseEscalation: 'Escalation raised', decision: 'Decision', trigger: 'Trigger event',
  remediation: 'Remediation', cancellation: 'Cancelled', rejection: 'Rejected',
};
export function eventLabel(event: string): string {
  return EVENT_LABELS[event] ?? event.replace(/[-_]/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
}

export function transferView(state: TransferState, principal: Principal, authorityName: string) {
  const id = state.transferId;
  const summary = [
    { key: { text: 'Status' }, value: { html: `${tag(state.status)}${state.onHold ? ' (on hold)' : ''}` } },
    { key: { text: 'From' }, value: { text: `${state.from.team} (${state.from.service})` } },
    { key: { text: 'To' }, value: { text: `${state.to.team} (${state.to.service})` } },
    {
      key: { text: 'Transfer window' },
      value: {
        text: state.window
          ? `${day(state.window.opensOn)} to ${day(state.window.endsOn)}${state.window.endsOn !== state.window.originalEndsOn ? ` (was ${day(state.window.originalEndsOn)})` : ''}`
          : 'Not open yet (opens with the written notification)',
      },
    },
    { key: { text: 'Allocated social worker' }, value: { text: state.people.allocatedSocialWorker.name ?? state.people.allocatedSocialWorker.id } },
    { key: { text: 'Receiving manager' }, value: { text: state.people.receivingManager.name ?? state.people.receivingManager.id } },
    { key: { text: 'Reference' }, value: { text: id } },
  ];
  if (state.completion) {
    summary.push({ key: { text: 'Completed' }, value: { text: `${day(state.completion.effectiveOn)} (${state.completion.how.replace(/-/g, ' ')})` } });
  }
  if (state.blocked) summary.push({ key: { text: 'Blocked' }, value: { text: JSON.stringify(state.blocked) } });

  const mayTick = may(principal, state, 'checklistItem');
  const checklist = state.checklist.map((c) => {
    const base = `${transferPath(id)}/checklist/${encodeURIComponent(c.itemId)}`;
    const action = !mayTick ? '' : c.state === 'open' ? link(base, 'Mark done', c.title) : ['done', 'na', 'historic-gap'].includes(c.state) ? link(`${base}/reopen`, 'Reopen', c.title) : '';
    return [
      { html: `${esc(c.title)} <span class="govuk-body-s">(${esc(c.itemId)})</span>` },
      { text: c.appliesBecause },
      { html: `${tag(c.state)}${c.doneBy ? `<br><span class="govuk-body-s">${esc(c.doneBy)}, ${esc(when(c.doneAt))}</span>` : ''}` },
      { html: action },
    ];
  });

  const actions: { href: string; text: string }[] = [];
  if (may(principal, state, 'meeting')) actions.push({ href: `${transferPath(id)}/meeting`, text: 'Record the transfer meeting' });
  if (may(principal, state, 'decision')) actions.push({ href: `${transferPath(id)}/decision`, text: 'Record the allocation decision' });
  if (may(principal, state, 'raiseEscalation') && !['completed', 'closed', 'rejected', 'cancelled'].includes(state.status)) {
    actions.push({ href: `${transferPath(id)}/escalations/new`, text: 'Raise an escalation' });
  }

  return {
    authorityName,
    kind: state.kind,
    caseLabel: caseLabel(state),
    summary,
    children: state.children.map((c) => [
      { text: c.ref },
      { text: (c as { displayName?: string }).displayName ?? 'Not given' },
      { text: c.legalStatus },
      { text: c.lookedAfter ? 'Yes' : 'No' },
    ]),
    deadlines: state.deadlines.map((d) => [
      { text: d.what },
      { html: `${esc(d.rule)}<br><span class="govuk-body-s">${esc(d.source)}</span>` },
      { text: when(d.due) },
      { html: tag(d.state) },
    ]),
    checklist,
    meeting: [
      { key: { text: 'Meeting scheduled' }, value: { text: state.meeting.scheduledOn ? day(state.meeting.scheduledOn) : 'Not scheduled' } },
      { key: { text: 'Meeting held' }, value: { text: state.meeting.heldOn ? `${day(state.meeting.heldOn)}${state.meeting.attendees?.length ? `, with ${state.meeting.attendees.join(', ')}` : ''}` : 'Not held' } },
      { key: { text: 'Agreed transfer date' }, value: { text: state.agreedTransferOn ? day(state.agreedTransferOn) : 'None' } },
    ],
    actions,
    exceptions: state.exceptions.map((x) => [
      { text: exceptionLabel(x) },
      { text: x.reason },
      { html: tag(x.state) },
      {
        html:
          x.approvals.map((a) => `${esc(a.decision)}d by ${esc(a.by)} (${esc(a.side)}, ${esc(a.rank)})`).join('<br>') ||
          (x.state === 'pending' ? `Needs ${esc(sidesToAnswer(x))} side at ${esc(x.minRank)} or above` : ''),
      },
      { html: mayDecide(principal, state, x) ? link(exceptionApprovalPath(id, x.exceptionId), 'Approve or reject', exceptionLabel(x)) : '' },
    ]),
    escalations: state.escalations.map((e) => [
      { html: `${esc(e.reason)}<br><span class="govuk-body-s">level ${e.level}, ${esc(e.side)} side</span>` },
      { text: `${e.to.name ?? e.to.id} (${e.to.role})` },
      { text: when(e.respondBy) },
      { html: `${tag(e.state)}${e.answer ? `<br><span class="govuk-body-s">${esc(e.answer.decision)} (${esc(e.answer.by)})</span>` : ''}` },
      { html: mayAnswer(principal, state, e) ? link(escalationAnswerPath(id, e.escalationId), 'Answer', e.reason) : '' },
    ]),
    timeline: [...state.history].reverse().map((h) => ({ at: when(h.at), event: eventLabel(h.event), by: h.by, detail: h.detail, rejected: h.outcome === 'rejected' })),
  };
}
