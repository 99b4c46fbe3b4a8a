// Which notices each published step triggers, for whom, and what they say; and the meeting invite
// parsed back with an independent iCalendar parser.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { composeNotices, type ComposeOptions, type Notice } from '../../../activities/notifications/content';
import { meetingInvite } from '../../../activities/notifications/invite';
import type { TransferEventMessage } from '../../../workflows/definitions';
import { CHILD_DOB, CHILD_NAME, deadline, escalation, messageFor, namedRequest } from './helpers';

const opts: ComposeOptions = { publicBaseUrl: 'https://transfers.example.gov.uk/', invite: { minutes: 60 } };
const request = namedRequest();
const link = `https://transfers.example.gov.uk/app/transfers/${request.transferId}`;

function only(message: TransferEventMessage, o = opts): Notice {
  const notices = composeNotices(message, o);
  expect(notices).toHaveLength(1);
  return notices[0];
}

const ids = (n: Notice) => n.recipients.map((p) => p.id);

test('the written notification goes to the ISL addressee list and asks for acknowledgement by the due time', () => {
  const n = only(messageFor(request));
  expect(n.kind).toBe('notification');
  // Receiving manager, receiving line manager (no email: listed, skipped when sending), allocated SW and line manager.
  expect(ids(n)).toEqual(['tm-di', 'lm-ra', 'sw-anna', 'lm-bo']);
  expect(n.subject).toBe('Transfer notification: case LCS-000001 from Children in Need to Children Looked After');
  // Due 2027-01-14T00:00Z is midnight GMT in London.
  expect(n.text).toContain('Acknowledgement due: Thursday 14 January 2027 at 00:00 GMT');
  expect(n.text).toContain('please acknowledge the notification by Thursday 14 January 2027 at 00:00 GMT');
  expect(n.text).toContain('Transfer window: Monday 11 January 2027 to Friday 19 February 2027');
  expect(n.text).toContain(link);
  expect(n.html).toContain(`<a href="${link}">`);
});

test('a prospective receiving social worker, when known, is an addressee too', () => {
  const withWorker = namedRequest({
    people: { ...request.people, receivingSocialWorker: { id: 'sw-new', role: 'social-worker', email: 'new@to.test' } },
  });
  expect(ids(only(messageFor(withWorker)))).toEqual(['tm-di', 'lm-ra', 'sw-new', 'sw-anna', 'lm-bo']);
});

test('a transfer started with its notification already sent gets the notification mail', () => {
  const n = only(messageFor(request, { event: 'started', sequence: 1, statusBefore: 'identified', statusAfter: 'notified' }));
  expect(n.kind).toBe('notification');
  expect(composeNotices(messageFor(request, { event: 'started', statusAfter: 'identified', snapshot: { window: undefined } }), opts)).toEqual([]);
});

test('a two-sided exception asks each side\'s approver at the rank the policy needs, linking to the approval form', () => {
  const x = {
    exceptionId: 'ex-7',
    kind: 'extend-window' as const,
    reason: 'the review was moved by the IRO',
    newWindowEnd: '2027-03-05',
    requestedBy: 'tm-cy',
    requestedAt: '2027-01-20T10:00:00.000Z',
    state: 'pending' as const,
    approvals: [],
    requiredSides: ['transferring', 'receiving'] as ('transferring' | 'receiving')[],
    minRank: 'service-manager',
  };
  const n = only(messageFor(request, { event: 'exceptionRequest', detail: 'extend-window exception ex-7 requested', snapshot: { awaitingApproval: [x] } }));
  expect(n.kind).toBe('exception-approval');
  // The lowest service manager or above on each ladder, not the team managers below them.
  expect(ids(n)).toEqual(['sm-ed', 'sm-gu']);
  expect(n.subject).toBe('Approval needed: a request to extend the transfer window (case LCS-000001)');
  const approval = `${link}/exceptions/ex-7/approval`;
  expect(n.text).toContain(approval);
  expect(n.html).toContain(`<a href="${approval}">Approve or reject the exception</a>`);
  expect(n.text).toContain('New window end: Friday 5 March 2027');
  expect(n.text).toContain('the transferring and receiving sides, at service-manager or above');

  // One side at head of service: only that ladder's head of service is asked.
  const one = only(messageFor(request, { event: 'exceptionRequest', snapshot: { awaitingApproval: [{ ...x, requiredSides: ['receiving'], minRank: 'head-of-service' }] } }));
  expect(ids(one)).toEqual(['hos-ha']);
  // A step that requested nothing needing approval sends no approval notice.
  expect(composeNotices(messageFor(request, { event: 'exceptionRequest', snapshot: { awaitingApproval: [] } }), opts).some((k) => k.kind === 'exception-approval')).toBe(false);
});

test("a missed clock whose policy reminds emails that side's manager what to do; one without a reminder sends nothing", () => {
  const late = deadline({
    id: 'written-notification',
    what: "Written transfer notification by the day after the managers' conversation",
    due: '2027-01-12T00:00:00.000Z',
    rule: 'T-ISL-01',
    state: 'missed',
    metBy: 'notification',
    reminder: { side: 'transferring', reason: 'Please send the written transfer notification now.' },
  });
  const at = (missed: ReturnType<typeof deadline>) =>
    messageFor(request, { event: 'timer:deadline', actor: 'system', statusBefore: 'identified', statusAfter: 'identified', detail: 'deadline missed', snapshot: { missed: [missed], pendingDeadlines: [], raised: [], window: undefined } });
  const n = only(at(late));
  expect(n.kind).toBe('deadline-reminder');
  expect(ids(n)).toEqual(['tm-cy']);
  expect(n.subject).toBe("Overdue: Written transfer notification by the day after the managers' conversation: case LCS-000001");
  expect(n.text).toContain('was due Tuesday 12 January 2027 at 00:00 GMT and has not been recorded');
  expect(n.text).toContain('Rule: T-ISL-01 (000 §9)');
  expect(n.text).toContain('Please send the written transfer notification now.');
  expect(ids(only(at({ ...late, reminder: { side: 'receiving', reason: 'r' } })))).toEqual(['tm-di']);
  expect(composeNotices(at({ ...late, reminder: undefined }), opts)).toEqual([]);
});

test('a task raised in a step tells its owner, unless an escalation of the same step already asks them for the same deadline', () => {
  const task = {
    taskId: 'task-1',
    task: 'Agree how the missing records will be produced',
    rule: 'T-SWK-05',
    source: '004 §3.8',
    deadlineId: 'record-remediation',
    side: 'receiving' as const,
    owner: { id: 'ap-re', role: 'line-manager', email: 'ap@to.test' },
    raisedAt: '2027-01-08T10:00:00.000Z',
    state: 'open' as const,
  };
  const n = only(messageFor(request, { event: 'timer:deadline', statusAfter: 'post-transfer', snapshot: { tasksRaised: [task], raised: [], missed: [], window: undefined } }));
  expect(n.kind).toBe('task');
  expect(ids(n)).toEqual(['ap-re']);
  expect(n.subject).toBe('Task for you: Agree how the missing records will be produced: case LCS-000001');
  expect(n.text).toContain('Rule: T-SWK-05 (004 §3.8)');
  const alsoEscalated = messageFor(request, {
    event: 'timer:deadline',
    statusAfter: 'post-transfer',
    snapshot: { tasksRaised: [task], raised: [escalation({ deadlineId: 'record-remediation', to: task.owner })], missed: [], window: undefined },
  });
  expect(composeNotices(alsoEscalated, opts).map((k) => k.kind)).toEqual(['escalation']);
});

test('an overdue acknowledgement tells both managers, and the escalation goes to the person escalated to', () => {
  const missed = deadline({ state: 'missed' });
  const message = messageFor(request, {
    event: 'timer:deadline',
    actor: 'system',
    statusBefore: 'notified',
    detail: 'deadline d-ack (T-ISL-07) missed',
    snapshot: { missed: [missed], pendingDeadlines: [], raised: [escalation()] },
  });
  const [overdue, esc] = composeNotices(message, opts);
  expect(overdue.kind).toBe('acknowledgement-overdue');
  expect(ids(overdue)).toEqual(['tm-di', 'tm-cy']);
  expect(overdue.subject).toBe('Acknowledgement overdue: case LCS-000001');
  expect(overdue.text).toContain('The delay has been escalated.');

  expect(esc.kind).toBe('escalation');
  expect(ids(esc)).toEqual(['sm-gu']);
  // respondBy 2027-06-16T08:00Z is 09:00 BST in London.
  expect(esc.subject).toBe('Escalation: your response is needed by Wednesday 16 June 2027 at 09:00 BST (case LCS-000001)');
  expect(esc.text).toContain('has been escalated to you: notification not acknowledged');
  expect(esc.text).toContain(`Answer the escalation: ${link}/escalations/esc-1/response`);
  expect(esc.html).toContain(`<a href="${link}/escalations/esc-1/response">Answer the escalation</a>`);
  expect(esc.text).toContain('Deadline missed: Receiving manager acknowledges the notification');
});

test('each escalation raised in a step gets its own notice', () => {
  const message = messageFor(request, {
    event: 'timer:escalation',
    statusBefore: 'notified',
    snapshot: {
      pendingDeadlines: [],
      raised: [
        escalation(),
        escalation({ escalationId: 'esc-2', level: 2, to: { id: 'hos-ha', role: 'head-of-service', email: 'ha@to.test' }, respondBy: '2027-01-20T17:00:00Z' }),
      ],
    },
  });
  const notices = composeNotices(message, opts);
  expect(notices.map((n) => [n.key, ids(n)])).toEqual([
    ['escalation:esc-1', ['sm-gu']],
    ['escalation:esc-2', ['hos-ha']],
  ]);
  expect(notices[1].subject).toContain('Wednesday 20 January 2027 at 17:00 GMT');
});

test('an escalation a person raised says what it is, who raised it and why', () => {
  const raised = escalation({
    reason: 'capacity',
    raised: { by: 'tm-di', side: 'receiving', note: 'no worker free until March', at: '2027-01-12T09:00:00Z', group: 'raised-1', title: 'The receiving team cannot allocate', noAgreement: 'climbs' },
  });
  const n = only(messageFor(request, { event: 'raiseEscalation', statusBefore: 'notified', snapshot: { pendingDeadlines: [], raised: [raised] } }));
  expect(ids(n)).toEqual(['sm-gu']);
  expect(n.text).toContain('has been escalated to you: The receiving team cannot allocate (raised by tm-di: no worker free until March).');
  expect(n.text).toContain(`${link}/escalations/esc-1/response`);
});

test('a scheduled meeting sends an all-day invite to both sides; a held meeting sends none', () => {
  const scheduled = messageFor(request, {
    event: 'meeting',
    statusBefore: 'acknowledged',
    statusAfter: 'preparing',
    detail: 'meeting scheduled for 2027-02-03',
    snapshot: { meeting: { scheduledOn: '2027-02-03' } },
  });
  const n = only(scheduled);
  expect(n.kind).toBe('meeting-scheduled');
  expect(ids(n)).toEqual(['tm-cy', 'sw-anna', 'lm-bo', 'tm-di', 'lm-ra']);
  expect(n.subject).toBe('Transfer meeting scheduled for Wednesday 3 February 2027: case LCS-000001');
  expect(n.invite?.filename).toBe('transfer-meeting.ics');
  const event = new ICAL.Event(new ICAL.Component(ICAL.parse(n.invite!.content)).getFirstSubcomponent('vevent')!);
  expect(event.startDate.isDate).toBe(true);
  expect(event.startDate.toString()).toBe('2027-02-03');
  expect(event.uid).toBe(`transfer-${request.transferId}.meeting@case-transfers`);

  const held = messageFor(request, {
    event: 'meeting',
    statusBefore: 'preparing',
    statusAfter: 'preparing',
    detail: 'meeting held on 2027-02-03',
    snapshot: { meeting: { scheduledOn: '2027-02-03', heldOn: '2027-02-03' } },
  });
  expect(composeNotices(held, opts)).toEqual([]);
});

test('completion tells both sides and lists the outstanding items; a later step does not repeat it', () => {
  const completion = {
    at: '2027-02-03T15:00:00Z',
    effectiveOn: '2027-02-03',
    how: 'meeting' as const,
    receiver: 'worker' as const,
    receivingSocialWorker: { id: 'sw-new', role: 'social-worker', email: 'new@to.test', name: 'Nia New' },
    outstandingItems: ['isl-case-notes-finalised', 'isl-birth-certificate'],
  };
  const done = messageFor(request, {
    event: 'meeting',
    statusBefore: 'preparing',
    statusAfter: 'completed',
    detail: 'meeting held on 2027-02-03',
    snapshot: { completion, meeting: { scheduledOn: '2027-02-03', heldOn: '2027-02-03' } },
  });
  const n = only(done);
  expect(n.kind).toBe('completion');
  expect(ids(n)).toEqual(['sw-anna', 'lm-bo', 'tm-cy', 'tm-di', 'lm-ra', 'sw-new']);
  expect(n.subject).toBe('Transfer completed: case LCS-000001 now with Children Looked After');
  expect(n.text).toContain('Outstanding items (2):\n  - isl-case-notes-finalised\n  - isl-birth-certificate');
  expect(n.text).toContain('Now held by: social worker Nia New (sw-new)');
  expect(n.html).toContain('<li>isl-birth-certificate</li>');

  const later = messageFor(request, { event: 'checklistItem', statusBefore: 'post-transfer', statusAfter: 'post-transfer', snapshot: { completion } });
  expect(composeNotices(later, opts)).toEqual([]);
  const intoQueue = messageFor(request, {
    event: 'timer:completion',
    statusBefore: 'preparing',
    statusAfter: 'post-transfer',
    snapshot: { completion: { ...completion, receiver: 'team-queue', receivingSocialWorker: undefined, outstandingItems: [] }, outstandingItems: [] },
  });
  const q = only(intoQueue);
  expect(q.text).toContain("Now held by: the receiving team's queue");
  expect(q.text).toContain('Outstanding items (0):\n  - none');
});

test('a remediation letter asks the referring side to put the record right by the due date; overdue follows', () => {
  const remediation = {
    letterOn: '2027-01-08',
    due: '2027-01-23T00:00:00.000Z',
    dueOn: '2027-01-22',
    items: [
      { itemId: 'chronology', description: 'chronology not up to date', state: 'open' as const },
      { itemId: 'notes', description: 'case notes unfinished', state: 'open' as const },
    ],
  };
  const letter = messageFor(request, {
    event: 'remediation',
    statusBefore: 'completed',
    statusAfter: 'post-transfer',
    detail: 'remediation letter with 2 item(s)',
    snapshot: { remediation },
  });
  const n = only(letter);
  expect(n.kind).toBe('remediation-due');
  expect(ids(n)).toEqual(['sw-anna', 'lm-bo', 'tm-cy', 'tm-di']);
  expect(n.subject).toBe('Record remediation due by Friday 22 January 2027: case LCS-000001');
  expect(n.text).toContain('  - chronology: chronology not up to date');

  const itemDone = messageFor(request, {
    event: 'remediation',
    statusBefore: 'post-transfer',
    statusAfter: 'post-transfer',
    detail: 'remediation item notes done',
    snapshot: { remediation: { ...remediation, items: [remediation.items[0], { ...remediation.items[1], state: 'done' }] } },
  });
  expect(composeNotices(itemDone, opts)).toEqual([]);

  const overdue = messageFor(request, {
    event: 'timer:deadline',
    statusBefore: 'post-transfer',
    statusAfter: 'post-transfer',
    snapshot: {
      remediation: { ...remediation, items: [remediation.items[0], { ...remediation.items[1], state: 'done' }] },
      missed: [deadline({ id: 'd-rem', rule: 'T-SWK-05', what: 'Record remediated', due: remediation.due, state: 'missed', metBy: 'remediation-done' })],
      pendingDeadlines: [],
    },
  });
  const o = only(overdue);
  expect(o.kind).toBe('remediation-overdue');
  expect(ids(o)).toEqual(['sw-anna', 'tm-cy', 'tm-di']);
  expect(o.text).toContain('Still open:\n  - chronology: chronology not up to date');
  expect(o.text).not.toContain('case notes unfinished');
});

test('steps that concern no one send nothing', () => {
  for (const event of ['checklistItem', 'allocation', 'acknowledgement', 'exceptionRequest']) {
    expect(composeNotices(messageFor(request, { event, statusBefore: 'notified', statusAfter: 'preparing', snapshot: { pendingDeadlines: [] } }), opts)).toEqual([]);
  }
});

test('no subject (nor body) names the child or gives a date of birth; several children are listed by reference', () => {
  const siblings = namedRequest({
    children: [
      { ref: 'LCS-000001', dateOfBirth: CHILD_DOB, legalStatus: 's20', lookedAfter: true, displayName: CHILD_NAME },
      { ref: 'LCS-000002', dateOfBirth: '2017-09-30', legalStatus: 's20', lookedAfter: true, displayName: 'Ben Testcase' },
    ],
  });
  const completion = { at: '2027-02-03T15:00:00Z', effectiveOn: '2027-02-03', how: 'meeting' as const, receiver: 'worker' as const, outstandingItems: [] };
  const steps: TransferEventMessage[] = [
    messageFor(siblings),
    messageFor(siblings, { event: 'timer:deadline', snapshot: { missed: [deadline({ state: 'missed' })], raised: [escalation()] } }),
    messageFor(siblings, { event: 'meeting', detail: 'meeting scheduled for 2027-02-03', snapshot: { meeting: { scheduledOn: '2027-02-03' } } }),
    messageFor(siblings, { event: 'meeting', statusBefore: 'preparing', statusAfter: 'completed', detail: 'meeting held on 2027-02-03', snapshot: { completion } }),
  ];
  const notices = steps.flatMap((m) => composeNotices(m, opts));
  expect(notices.map((n) => n.kind)).toEqual(['notification', 'acknowledgement-overdue', 'escalation', 'meeting-scheduled', 'completion']);
  for (const n of notices) {
    expect(n.subject).toContain('cases LCS-000001, LCS-000002');
    for (const forbidden of [CHILD_NAME, 'Amelia', 'Ben Testcase', CHILD_DOB, '2017-09-30', '02/04/2015', '2 April 2015']) {
      expect(n.subject).not.toContain(forbidden);
      expect(n.text).not.toContain(forbidden);
      expect(n.html).not.toContain(forbidden);
    }
  }
});

test('text that reaches the HTML body is escaped', () => {
  const sneaky = namedRequest({ to: { service: '<script>alert(1)</script>', team: 'a&b' } });
  const n = only(messageFor(sneaky));
  expect(n.html).not.toContain('<script>');
  expect(n.html).toContain('&lt;script&gt;');
  expect(n.html).toContain('a&amp;b');
});

describe('meeting invite parse-back in Europe/London', () => {
  function parse(ics: string) {
    const comp = new ICAL.Component(ICAL.parse(ics));
    return { cal: comp, event: new ICAL.Event(comp.getFirstSubcomponent('vevent')!) };
  }
  const london = (t: { toJSDate(): Date }) => DateTime.fromJSDate(t.toJSDate()).setZone('Europe/London');
  const base = { uid: 'u-1@case-transfers', sequence: 4, title: 'Transfer meeting: case LCS-000001', description: 'd', minutes: 90 };

  test.each([
    ['a BST date', '2027-06-15', '09:00:00Z'],
    ['a GMT date', '2027-01-12', '10:00:00Z'],
    ['the day the clocks go forward', '2027-03-28', '09:00:00Z'],
    ['the day the clocks go back', '2027-10-31', '10:00:00Z'],
  ])('a timed invite on %s starts at 10:00 London time', (_name, on, utc) => {
    const { cal, event } = parse(meetingInvite({ ...base, on, time: '10:00' }));
    expect(cal.getFirstPropertyValue('method')).toBe('PUBLISH');
    expect(event.startDate.toJSDate().toISOString()).toBe(`${on}T${utc.replace('Z', '.000Z')}`);
    expect(london(event.startDate).toFormat('yyyy-MM-dd HH:mm')).toBe(`${on} 10:00`);
    expect(london(event.endDate).toFormat('HH:mm')).toBe('11:30');
    expect(event.sequence).toBe(4);
  });

  test.each([
    ['a BST date', '2027-07-01', '2027-07-02'],
    ['a GMT date', '2027-12-31', '2028-01-01'],
  ])('an all-day invite on %s covers exactly that day', (_name, on, next) => {
    const { event } = parse(meetingInvite({ ...base, on }));
    expect(event.startDate.isDate).toBe(true);
    expect(event.startDate.toString()).toBe(on);
    expect(event.endDate.toString()).toBe(next);
  });

  test('the configured time reaches the mail and the invite', () => {
    const message = messageFor(request, { event: 'meeting', detail: 'meeting scheduled for 2027-06-15', snapshot: { meeting: { scheduledOn: '2027-06-15' } } });
    const n = only(message, { ...opts, invite: { time: '14:30', minutes: 60 } });
    expect(n.text).toContain('Tuesday 15 June 2027 at 14:30 (UK time)');
    const { event } = parse(n.invite!.content);
    expect(london(event.startDate).toFormat('yyyy-MM-dd HH:mm')).toBe('2027-06-15 14:30');
  });
});

test('the step details read here are the ones the workflow writes', () => {
  // The snapshot's objects can change while a message waits in the outbox; the detail cannot.
  const workflow = readFileSync(path.resolve(__dirname, '..', '..', '..', 'workflows', 'lifecycle', 'events.ts'), 'utf8');
  for (const detail of ['`meeting scheduled for ${payload.on}`', '`meeting held on ${payload.on}`', '`remediation letter with ', '`remediation item ${payload.itemId} done`']) {
    expect(workflow).toContain(detail);
  }
});
