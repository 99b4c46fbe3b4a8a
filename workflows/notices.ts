// Which emails a published step triggers. composeNotices (activities/notifications/content.ts)
// writes the notices by these rules; the workflow reads them too, so that a step with nothing to
// send schedules no email activity. Pure, and only the contract's types.
import type { Deadline, Escalation, PublishedDeadline, TransferEventMessage, TransferTask } from './contract';

const COMPLETED = ['completed', 'post-transfer', 'closed'];
// The step's detail is captured when the step is published, so what kind of meeting or remediation
// step this was is read there.
const MEETING_SCHEDULED = /^meeting scheduled for (\d{4}-\d{2}-\d{2})/;
const REMEDIATION_LETTER = /^remediation letter/;

export interface NoticeTriggers {
  notification: boolean;
  acknowledgementMissed?: Deadline;
  escalations: Escalation[];
  /** Exceptions this step left waiting for an approver. */
  exceptionApprovals: NonNullable<TransferEventMessage['snapshot']['awaitingApproval']>;
  /** The date of a meeting this step scheduled. */
  meetingScheduledOn?: string;
  completion: boolean;
  remediationLetter: boolean;
  remediationMissed?: Deadline;
  /** Deadlines missed in this step whose policy reminds a side's manager. */
  reminders: PublishedDeadline[];
  /** Tasks raised in this step that no escalation of the same step already tells their owner about. */
  tasks: TransferTask[];
}

export function noticeTriggers(message: TransferEventMessage): NoticeTriggers {
  const s = message.snapshot;
  const scheduled = message.event === 'meeting' ? MEETING_SCHEDULED.exec(message.detail)?.[1] ?? s.meeting.scheduledOn : undefined;
  const completedNow = ['completed', 'post-transfer'].includes(message.statusAfter) && !COMPLETED.includes(message.statusBefore);
  return {
    notification: message.event === 'notification' || (message.event === 'started' && message.statusAfter === 'notified' && Boolean(s.window)),
    acknowledgementMissed: s.missed.find((d) => d.metBy === 'acknowledgement'),
    escalations: s.raised,
    exceptionApprovals: s.awaitingApproval ?? [],
    meetingScheduledOn: scheduled && !/^meeting held/.test(message.detail) ? scheduled : undefined,
    completion: completedNow && Boolean(s.completion),
    remediationLetter: message.event === 'remediation' && Boolean(s.remediation) && REMEDIATION_LETTER.test(message.detail),
    remediationMissed: s.missed.find((d) => d.metBy === 'remediation-done'),
    reminders: s.missed.filter((d) => d.reminder),
    tasks: (s.tasksRaised ?? []).filter((t) => t.owner && !s.raised.some((e) => e.deadlineId === t.deadlineId && e.to.id === t.owner!.id)),
  };
}

/** Whether the step triggers any email at all. */
export function triggersEmail(message: TransferEventMessage): boolean {
  const t = noticeTriggers(message);
  return t.notification || Boolean(t.acknowledgementMissed) || t.escalations.length > 0 || t.exceptionApprovals.length > 0 ||
    Boolean(t.meetingScheduledOn) ||
    t.completion || t.remediationLetter || Boolean(t.remediationMissed) || t.reminders.length > 0 || t.tasks.length > 0;
}
