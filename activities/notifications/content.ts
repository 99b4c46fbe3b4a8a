// What each published step means for people's inboxes: which notices it triggers, who gets them,
// and their subject, plain-text and HTML bodies. Pure: no I/O, so every notice can be unit-tested.
// Children appear only by case reference (the message carries nothing else about them).
import { lowestOnLadder, type Deadline, type Person, type TeamRef, type TransferEventMessage } from '../../workflows/definitions';
import { formatDate, formatInstant } from './london';
import { meetingInvite } from './invite';
import { noticeTriggers } from '../../workflows/notices';

export type NoticeKind =
  | 'notification'
  | 'acknowledgement-overdue'
  | 'escalation'
  | 'exception-approval'
  | 'meeting-scheduled'
  | 'completion'
  | 'remediation-due'
  | 'remediation-overdue'
  | 'deadline-reminder'
  | 'task';

export interface Notice {
  /** Unique within one message; with the workflow id, sequence and recipient, the idempotency key. */
  key: string;
  kind: NoticeKind;
  /** Deduplicated; people without an email address are still listed (and skipped when sending). */
  recipients: Person[];
  subject: string;
  text: string;
  html: string;
  invite?: { filename: string; content: string };
}

export interface ComposeOptions {
  publicBaseUrl: string;
  invite: { time?: string; minutes: number };
  organizer?: { name?: string; email: string };
}

type Snapshot = TransferEventMessage['snapshot'];

interface Content {
  lead: string;
  facts: [string, string][];
  lists?: { title: string; items: string[] }[];
  action?: string;
  /** The page that lets the recipient act, when it is not the transfer's own page. */
  actionLink?: { href: string; text: string };
}

export function caseLabel(childRefs: string[]): string {
  return childRefs.length === 1 ? `case ${childRefs[0]}` : `cases ${childRefs.join(', ')}`;
}

/** The transfer's page for people (api/pages), through sign-in when needed. */
export function transferLink(publicBaseUrl: string, transferId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/app/transfers/${encodeURIComponent(transferId)}`;
}

/** The page where an approver approves or rejects an exception. */
export function exceptionApprovalLink(publicBaseUrl: string, transferId: string, exceptionId: string): string {
  return `${transferLink(publicBaseUrl, transferId)}/exceptions/${encodeURIComponent(exceptionId)}/approval`;
}

const EXCEPTION_WHAT: Record<string, string> = {
  'extend-window': 'extend the transfer window',
  'waive-items': 'waive checklist items',
  hold: 'put the transfer on hold',
  'cancel-transfer': 'cancel the transfer',
};

/** The page where the person escalated to answers. */
export function escalationAnswerLink(publicBaseUrl: string, transferId: string, escalationId: string): string {
  return `${transferLink(publicBaseUrl, transferId)}/escalations/${encodeURIComponent(escalationId)}/response`;
}

function teamLabel(t: TeamRef): string {
  return `${t.team} (${t.service})`;
}

function personLabel(p: Person): string {
  return p.name ? `${p.name} (${p.id})` : p.id;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function uniquePeople(list: (Person | undefined)[]): Person[] {
  const seen = new Set<string>();
  const out: Person[] = [];
  for (const p of list) {
    if (!p) continue;
    const key = p.email ? `mail:${p.email.trim().toLowerCase()}` : `id:${p.id}`;
    if (seen.has(key) || seen.has(`id:${p.id}`)) continue;
    seen.add(key);
    seen.add(`id:${p.id}`);
    out.push(p);
  }
  return out;
}

function receivingLineManager(s: Snapshot): Person | undefined {
  return (s.people.chain?.receiving ?? []).find((p) => p.role === 'line-manager');
}

function deadlineLine(d: Deadline): string {
  return `${d.what}: due ${formatInstant(d.due)} (${d.rule})`;
}

function render(content: Content, link: string, reference: string): { text: string; html: string } {
  const text = [
    content.lead,
    content.facts.map(([k, v]) => `${k}: ${v}`).join('\n'),
    ...(content.lists ?? []).map((l) => `${l.title}:\n${l.items.map((i) => `  - ${i}`).join('\n')}`),
    content.action,
    content.actionLink ? `${content.actionLink.text}: ${content.actionLink.href}` : undefined,
    `Open the transfer: ${link}`,
    `--\nSent by the case-transfers service. Reference ${reference}.`,
  ]
    .filter((part) => part)
    .join('\n\n');
  const e = escapeHtml;
  const html = [
    '<!doctype html><html><body style="font-family: Arial, sans-serif; font-size: 15px">',
    `<p>${e(content.lead)}</p>`,
    content.facts.length
      ? `<table>${content.facts.map(([k, v]) => `<tr><th align="left" style="padding-right:1em">${e(k)}</th><td>${e(v)}</td></tr>`).join('')}</table>`
      : '',
    ...(content.lists ?? []).map((l) => `<p>${e(l.title)}:</p><ul>${l.items.map((i) => `<li>${e(i)}</li>`).join('')}</ul>`),
    content.action ? `<p><strong>${e(content.action)}</strong></p>` : '',
    content.actionLink ? `<p><a href="${e(content.actionLink.href)}">${e(content.actionLink.text)}</a></p>` : '',
    `<p><a href="${e(link)}">Open the transfer</a></p>`,
    `<p style="color:#555;font-size:12px">Sent by the case-transfers service. Reference ${e(reference)}.</p>`,
    '</body></html>',
  ].join('');
  return { text, html };
}

/** The notices one published step triggers, in a stable order. */
export function composeNotices(message: TransferEventMessage, opts: ComposeOptions): Notice[] {
  const s = message.snapshot;
  const people = s.people;
  const label = caseLabel(s.childRefs);
  const link = transferLink(opts.publicBaseUrl, message.transferId);
  const reference = `${message.workflowId}:${message.sequence}`;
  const route: [string, string][] = [
    ['From', teamLabel(s.from)],
    ['To', teamLabel(s.to)],
  ];
  const notices: Notice[] = [];
  const add = (key: string, kind: NoticeKind, recipients: (Person | undefined)[], subject: string, content: Content, invite?: Notice['invite']) => {
    notices.push({ key, kind, recipients: uniquePeople(recipients), subject, ...render(content, link, reference), invite });
  };

  const triggers = noticeTriggers(message);
  if (triggers.notification) {
    const ack = s.pendingDeadlines.find((d) => d.metBy === 'acknowledgement');
    const facts: [string, string][] = [...route];
    if (s.window) facts.push(['Transfer window', `${formatDate(s.window.opensOn)} to ${formatDate(s.window.endsOn)}`]);
    if (ack) facts.push(['Acknowledgement due', formatInstant(ack.due)]);
    add(
      'notification',
      'notification',
      // The addressees of a written notification (DOMAIN: the receiving and transferring managers and workers).
      [people.receivingManager, receivingLineManager(s), people.receivingSocialWorker, people.allocatedSocialWorker, people.lineManager],
      `Transfer notification: ${label} from ${s.from.service} to ${s.to.service}`,
      {
        lead: `The written notification of the transfer of ${label} from ${teamLabel(s.from)} to ${teamLabel(s.to)} has been recorded.`,
        facts,
        lists: s.pendingDeadlines.length ? [{ title: 'Deadlines', items: s.pendingDeadlines.map(deadlineLine) }] : undefined,
        action: ack
          ? `Receiving manager: please acknowledge the notification by ${formatInstant(ack.due)}.`
          : undefined,
      },
    );
  }

  const ackMissed = triggers.acknowledgementMissed;
  if (ackMissed) {
    const escalated = s.raised.some((e) => e.deadlineId === ackMissed.id);
    add(
      'acknowledgement-overdue',
      'acknowledgement-overdue',
      [people.receivingManager, people.transferringManager],
      `Acknowledgement overdue: ${label}`,
      {
        lead: `The transfer notification for ${label} has not been acknowledged by the receiving manager. It was due ${formatInstant(ackMissed.due)}.`,
        facts: [...route, ['Rule', `${ackMissed.rule} (${ackMissed.source})`]],
        action: `Please acknowledge the notification now.${escalated ? ' The delay has been escalated.' : ''} The transfer window does not move.`,
      },
    );
  }

  for (const e of triggers.escalations) {
    const missed = e.deadlineId ? [...s.missed, ...s.pendingDeadlines].find((d) => d.id === e.deadlineId) : undefined;
    const facts: [string, string][] = [
      ['Respond by', formatInstant(e.respondBy)],
      ['Raised', formatInstant(e.raisedAt)],
      ['Level', `${e.level} (${e.side} side)`],
    ];
    if (missed) facts.push(['Deadline missed', deadlineLine(missed)]);
    const answerAt = escalationAnswerLink(opts.publicBaseUrl, message.transferId, e.escalationId);
    add(
      `escalation:${e.escalationId}`,
      'escalation',
      [e.to],
      `Escalation: your response is needed by ${formatInstant(e.respondBy)} (${label})`,
      {
        lead: `The transfer of ${label} has been escalated to you: ${e.raised ? `${e.raised.title} (raised by ${e.raised.by}: ${e.raised.note})` : e.reason}.`,
        facts: [...facts, ...route],
        action:
          `What is needed: your decision on escalation ${e.escalationId} by ${formatInstant(e.respondBy)}. ` +
          'Without an answer by then it goes to the next manager up.',
        actionLink: { href: answerAt, text: 'Answer the escalation' },
      },
    );
  }

  for (const x of triggers.exceptionApprovals) {
    const approveAt = exceptionApprovalLink(opts.publicBaseUrl, message.transferId, x.exceptionId);
    const facts: [string, string][] = [['Requested', formatInstant(x.requestedAt)], ['Reason', x.reason]];
    if (x.newWindowEnd) facts.push(['New window end', formatDate(x.newWindowEnd)]);
    if (x.itemIds?.length) facts.push(['Items', x.itemIds.join(', ')]);
    const either = x.decision === 'any-side' && x.requiredSides.length > 1;
    const sides = x.requiredSides.join(either ? ' or ' : ' and ');
    add(
      `exception:${x.exceptionId}`,
      'exception-approval',
      x.requiredSides.map((side) => lowestOnLadder(people, side, x.minRank)),
      `Approval needed: a request to ${EXCEPTION_WHAT[x.kind] ?? x.kind} (${label})`,
      {
        lead: `A request to ${EXCEPTION_WHAT[x.kind] ?? x.kind} for ${label} needs approval from the ${sides} side${x.requiredSides.length > 1 && !either ? 's' : ''}, at ${x.minRank} or above.`,
        facts: [...facts, ...route],
        action: `What is needed: your decision on exception ${x.exceptionId}. Nothing changes until ${x.requiredSides.length > 1 && !either ? 'both sides approve' : 'it is approved'}.`,
        actionLink: { href: approveAt, text: 'Approve or reject the exception' },
      },
    );
  }

  const scheduled = triggers.meetingScheduledOn;
  if (scheduled) {
    const when = opts.invite.time ? `${formatDate(scheduled)} at ${opts.invite.time} (UK time)` : formatDate(scheduled);
    const title = `Transfer meeting: ${label}`;
    const invite = meetingInvite({
      uid: `${message.workflowId}.meeting@case-transfers`,
      sequence: message.sequence,
      on: scheduled,
      time: opts.invite.time,
      minutes: opts.invite.minutes,
      title,
      description: `Transfer meeting for ${label}, ${teamLabel(s.from)} to ${teamLabel(s.to)}. ${link}`,
      url: link,
      organizer: opts.organizer,
    });
    add(
      'meeting-scheduled',
      'meeting-scheduled',
      [people.transferringManager, people.allocatedSocialWorker, people.lineManager, people.receivingManager, receivingLineManager(s), people.receivingSocialWorker],
      `Transfer meeting scheduled for ${formatDate(scheduled)}: ${label}`,
      {
        lead: `The transfer meeting for ${label} has been scheduled for ${when}. A calendar invite is attached.`,
        facts: s.window ? [...route, ['Transfer window ends', formatDate(s.window.endsOn)]] : route,
      },
      { filename: 'transfer-meeting.ics', content: invite },
    );
  }

  if (triggers.completion && s.completion) {
    const c = s.completion;
    const receiver = c.receivingSocialWorker ?? people.receivingSocialWorker;
    const outstanding = [...new Set([...c.outstandingItems, ...s.outstandingItems])];
    const facts: [string, string][] = [
      ...route,
      ['Effective', formatDate(c.effectiveOn)],
      ['Completed by', c.how],
      ['Now held by', c.receiver === 'worker' && receiver ? `social worker ${personLabel(receiver)}` : "the receiving team's queue (no named worker yet)"],
    ];
    if (c.remediationDue) facts.push(['Outstanding items due', formatInstant(c.remediationDue)]);
    add(
      'completion',
      'completion',
      [
        people.allocatedSocialWorker, people.lineManager, people.transferringManager,
        people.receivingManager, receivingLineManager(s), receiver,
      ],
      `Transfer completed: ${label} now with ${s.to.service}`,
      {
        lead: `Responsibility for ${label} has passed from ${teamLabel(s.from)} to ${teamLabel(s.to)}.`,
        facts,
        lists: [{ title: `Outstanding items (${outstanding.length})`, items: outstanding.length ? outstanding : ['none'] }],
      },
    );
  }

  const r = s.remediation;
  if (triggers.remediationLetter && r) {
    add(
      'remediation-due',
      'remediation-due',
      [people.allocatedSocialWorker, people.lineManager, people.transferringManager, people.receivingManager],
      `Record remediation due${r.dueOn ? ` by ${formatDate(r.dueOn)}` : ''}: ${label}`,
      {
        lead: `The receiving team has listed defects in the record of ${label} (letter of ${formatDate(r.letterOn)}).`,
        facts: [...route, ['Due', r.due ? formatInstant(r.due) : r.dueOn ? formatDate(r.dueOn) : 'not set']],
        lists: [{ title: 'To put right', items: r.items.map((i) => `${i.itemId}: ${i.description}`) }],
        action: 'The referring social worker is asked to bring the record to standard by the due date; the record stays with the receiving team.',
      },
    );
  }

  const remediationMissed = triggers.remediationMissed;
  if (remediationMissed) {
    const open = (r?.items ?? []).filter((i) => i.state === 'open');
    add(
      'remediation-overdue',
      'remediation-overdue',
      [people.allocatedSocialWorker, people.transferringManager, people.receivingManager],
      `Record remediation overdue: ${label}`,
      {
        lead: `The record remediation for ${label} was due ${formatInstant(remediationMissed.due)} and is not complete.`,
        facts: [...route, ['Rule', `${remediationMissed.rule} (${remediationMissed.source})`]],
        lists: open.length ? [{ title: 'Still open', items: open.map((i) => `${i.itemId}: ${i.description}`) }] : undefined,
        action: 'Please complete the remaining items now.',
      },
    );
  }

  for (const d of triggers.reminders) {
    const manager = d.reminder!.side === 'transferring' ? people.transferringManager : people.receivingManager;
    add(
      `reminder-${d.id}`,
      'deadline-reminder',
      [manager],
      `Overdue: ${d.what}: ${label}`,
      {
        lead: `${d.what} for ${label} was due ${formatInstant(d.due)} and has not been recorded.`,
        facts: [...route, ['Rule', `${d.rule} (${d.source})`]],
        action: d.reminder!.reason,
      },
    );
  }

  for (const t of triggers.tasks) {
    add(`task-${t.taskId}`, 'task', [t.owner], `Task for you: ${t.task}: ${label}`, {
      lead: `A task on the transfer of ${label} is yours: ${t.task}.`,
      facts: [...route, ['Rule', `${t.rule} (${t.source})`], ['Raised', formatInstant(t.raisedAt)]],
      action: 'It is done when the obligation it belongs to is met.',
    });
  }

  return notices;
}
