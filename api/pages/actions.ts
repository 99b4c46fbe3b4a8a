// The action forms: each is one of the workflow's events, with the same body schema the API
// validates (api/schemas.ts), so a form can send nothing the API would not take. A form's fields
// are named after the body's fields; dates come from GOV.UK date inputs (day, month, year).
import type { z } from 'zod';
import type { EventName, RaisedEscalationRule, TransferState } from '../../workflows/definitions';
import { HttpProblem } from '../problem';
import { eventBodySchemas } from '../schemas';
import { day, esc, exceptionLabel, sidesToAnswer, when } from './view-model';

type Form = Record<string, unknown>;

export interface Field {
  kind: 'input' | 'textarea' | 'radios' | 'date';
  name: string;
  label: string;
  hint?: string;
  classes?: string;
  options?: { value: string; text: string; hint?: string }[];
}

export interface ActionSpec {
  event: EventName;
  /** Under /app/transfers/:id */
  path: string;
  title: string;
  submitText: string;
  done: string;
  fields: Field[];
  schema: z.ZodType;
  /** Messages in the Design System's words for a field that is missing or wrong. */
  messages: Record<string, string>;
  /** The summary of what is being acted on; 404 when it does not exist. */
  about(state: TransferState, params: Record<string, string>): { key: { text: string }; value: { text?: string; html?: string } }[];
  /** Options that depend on the transfer (e.g. the reasons its policy lists). */
  optionsFor?(state: TransferState, raisable: RaisableEscalations): Record<string, NonNullable<Field['options']>>;
  /** The event payload from the validated body, as the API's route builds it. */
  payload(body: Record<string, unknown>, params: Record<string, string>): Record<string, unknown>;
}

const row = (key: string, text: string) => ({ key: { text: key }, value: { text } });

function escalationOf(state: TransferState, id: string) {
  const e = state.escalations.find((x) => x.escalationId === id);
  if (!e) throw new HttpProblem(404, 'No such escalation on this transfer');
  return e;
}
function exceptionOf(state: TransferState, id: string) {
  const x = state.exceptions.find((e) => e.exceptionId === id);
  if (!x) throw new HttpProblem(404, 'No such exception on this transfer');
  return x;
}
function itemOf(state: TransferState, id: string) {
  const i = state.checklist.find((c) => c.itemId === id);
  if (!i) throw new HttpProblem(404, 'No such checklist item on this transfer');
  return i;
}

export const ACTIONS: Record<string, ActionSpec> = {
  escalationResponse: {
    event: 'escalationResponse',
    path: '/escalations/:escalationId/response',
    title: 'Answer the escalation',
    submitText: 'Send answer',
    done: 'Your answer to the escalation has been recorded. It stops climbing the escalation ladder.',
    fields: [
      {
        kind: 'input',
        name: 'decision',
        label: 'Your decision',
        hint: 'For example, proceed with the transfer by Friday. Write “no agreement” if it cannot be agreed at your level.',
        classes: 'govuk-!-width-full',
      },
      { kind: 'textarea', name: 'note', label: 'Note', hint: 'What you have agreed or asked for, for the record' },
    ],
    schema: eventBodySchemas.escalationResponse,
    messages: { decision: 'Enter your decision', note: 'Enter a note for the record' },
    about: (state, p) => {
      const e = escalationOf(state, p.escalationId);
      return [
        row('Reason', e.reason),
        row('Escalated to', `${e.to.name ?? e.to.id} (${e.to.role}), level ${e.level}, ${e.side} side`),
        row('Respond by', when(e.respondBy)),
        row('State', e.state),
        ...(e.raised
          ? [
              row('Raised by', `${e.raised.by} (${e.raised.side} side), ${when(e.raised.at)}: ${e.raised.note}`),
              row('If there is no agreement', e.raised.noAgreement === 'climbs' ? 'It goes to the next manager up on each side’s ladder' : `Your answer is final (${e.rule ?? 'the policy'})`),
            ]
          : []),
      ];
    },
    payload: (body, p) => ({ ...body, escalationId: p.escalationId }),
  },
  exceptionDecision: {
    event: 'exceptionDecision',
    path: '/exceptions/:exceptionId/approval',
    title: 'Approve or reject the exception',
    submitText: 'Record decision',
    done: 'Your decision on the exception has been recorded.',
    fields: [
      {
        kind: 'radios',
        name: 'decision',
        label: 'Your decision',
        options: [
          { value: 'approve', text: 'Approve' },
          { value: 'reject', text: 'Reject' },
        ],
      },
      { kind: 'textarea', name: 'note', label: 'Note (optional)' },
    ],
    schema: eventBodySchemas.exceptionDecision,
    messages: { decision: 'Select approve or reject' },
    about: (state, p) => {
      const x = exceptionOf(state, p.exceptionId);
      return [
        row('Exception', exceptionLabel(x)),
        row('Reason', x.reason),
        row('Requested by', `${x.requestedBy}, ${when(x.requestedAt)}`),
        row('Needs', x.state === 'pending' ? `the ${sidesToAnswer(x)} side, at ${x.minRank} or above` : `nothing: it is ${x.state}`),
        { key: { text: 'Approvals so far' }, value: { html: x.approvals.map((a) => `${esc(a.decision)}d by ${esc(a.by)} (${esc(a.side)} side)`).join('<br>') || 'None' } },
      ];
    },
    payload: (body, p) => ({ ...body, exceptionId: p.exceptionId }),
  },
  checklistItem: {
    event: 'checklistItem',
    path: '/checklist/:itemId',
    title: 'Mark a checklist item done',
    submitText: 'Save',
    done: 'The checklist item has been updated.',
    fields: [
      {
        kind: 'radios',
        name: 'state',
        label: 'What is the item’s state?',
        options: [
          { value: 'done', text: 'Done' },
          { value: 'na', text: 'Does not apply to this case' },
          { value: 'historic-gap', text: 'Historic gap', hint: 'It should have been done before and cannot be now' },
        ],
      },
      { kind: 'textarea', name: 'note', label: 'Note (optional)' },
      { kind: 'input', name: 'evidenceRef', label: 'Evidence reference (optional)', hint: 'Where the evidence is in the case record' },
    ],
    schema: eventBodySchemas.checklistItem,
    messages: { state: 'Select the item’s state' },
    about: (state, p) => {
      const i = itemOf(state, p.itemId);
      return [row('Item', `${i.title} (${i.itemId})`), row('Why it applies', i.appliesBecause), row('State', i.state)];
    },
    payload: (body, p) => ({ ...body, itemId: p.itemId }),
  },
  checklistReopen: {
    event: 'checklistItem',
    path: '/checklist/:itemId/reopen',
    title: 'Reopen a checklist item',
    submitText: 'Reopen item',
    done: 'The checklist item has been reopened.',
    fields: [{ kind: 'textarea', name: 'reason', label: 'Why are you reopening it?' }],
    schema: eventBodySchemas.checklistReopen,
    messages: { reason: 'Enter why you are reopening the item' },
    about: (state, p) => {
      const i = itemOf(state, p.itemId);
      return [row('Item', `${i.title} (${i.itemId})`), row('State', i.state), row('Done by', i.doneBy ? `${i.doneBy}, ${when(i.doneAt)}` : '')];
    },
    payload: (body, p) => ({ ...body, state: 'open', itemId: p.itemId }),
  },
  meeting: {
    event: 'meeting',
    path: '/meeting',
    title: 'Record the transfer meeting',
    submitText: 'Save meeting',
    done: 'The meeting has been recorded.',
    fields: [
      {
        kind: 'radios',
        name: 'status',
        label: 'Has the meeting been held?',
        options: [
          { value: 'scheduled', text: 'No, it is scheduled', hint: 'Everyone invited gets a calendar invite' },
          { value: 'held', text: 'Yes, it was held', hint: 'Where the protocol says so, this completes the transfer' },
        ],
      },
      { kind: 'date', name: 'on', label: 'Date of the meeting' },
      { kind: 'textarea', name: 'attendees', label: 'Who attended (if held)', hint: 'One person on each line' },
    ],
    schema: eventBodySchemas.meeting,
    messages: { status: 'Select whether the meeting has been held', on: 'Enter the date of the meeting as a real date', attendees: 'Enter who attended, one person on each line' },
    about: (state) => [
      row('Scheduled', state.meeting.scheduledOn ? day(state.meeting.scheduledOn) : 'Not scheduled'),
      row('Window', state.window ? `${day(state.window.opensOn)} to ${day(state.window.endsOn)}` : 'Not open yet'),
    ],
    payload: (body) => body,
  },
  decision: {
    event: 'decision',
    path: '/decision',
    title: 'Record the allocation decision',
    submitText: 'Save decision',
    done: 'The decision has been recorded; the clocks that count from it have started.',
    fields: [
      { kind: 'date', name: 'on', label: 'Date of the decision' },
      { kind: 'date', name: 'transferOn', label: 'Agreed transfer date (optional)' },
      { kind: 'textarea', name: 'agreedTasks', label: 'Agreed tasks (optional)', hint: 'One task id on each line, for example update-chronology' },
    ],
    schema: eventBodySchemas.decision,
    messages: { on: 'Enter the date of the decision as a real date', transferOn: 'Enter the agreed transfer date as a real date', agreedTasks: 'Enter task ids in lower case with hyphens, one on each line' },
    about: (state) => [row('Status', state.status), row('Decided on so far', day(state.decidedOn))],
    payload: (body) => body,
  },
};

/** The escalations a transfer's policy lets people raise (POST /v1/transfers/{id}/escalations). */
export type RaisableEscalations = (authority: string, kind: string) => RaisedEscalationRule[];

const SIDE_OPTIONS = [
  { value: 'transferring', text: 'The transferring (sending) side' },
  { value: 'receiving', text: 'The receiving side' },
];

/** Where a raised reason goes, in words, from the policy's route. */
function routeText(r: RaisedEscalationRule): string {
  const to = r.to.map((t) => (t === 'raiser' ? 'your side' : `the ${t} side`)).join(' and ');
  return `Goes to ${to} at ${r.fromRank.replace(/-/g, ' ')} or above (${r.rule}, ${r.source})${r.noAgreement === 'climbs' ? '; if they do not agree it goes a rung higher' : ''}.`;
}

export const RAISE_ESCALATION: ActionSpec = {
  event: 'raiseEscalation',
  path: '/escalations/new',
  title: 'Raise an escalation',
  submitText: 'Raise escalation',
  done: 'The escalation has been raised. The managers it went to have been told, with the date to answer by.',
  fields: [
    { kind: 'radios', name: 'reason', label: 'Why are you escalating?', hint: 'The reasons this transfer’s protocol lists' },
    { kind: 'textarea', name: 'note', label: 'What has happened?', hint: 'What you have tried and what you need decided, for the record' },
    { kind: 'radios', name: 'side', label: 'Which side are you raising it for? (only if you manage both teams)', options: SIDE_OPTIONS },
  ],
  schema: eventBodySchemas.raiseEscalation,
  messages: { reason: 'Select why you are escalating', note: 'Enter what has happened', side: 'Select the side you are raising it for' },
  about: (state) => [row('Status', state.status), row('Open escalations', String(state.escalations.filter((e) => e.state === 'open').length))],
  optionsFor: (state, raisable) => ({
    reason: raisable(state.authority, state.kind).map((r) => ({ value: r.reason, text: r.title, hint: `${routeText(r)}${r.meanwhile ? ` ${r.meanwhile}` : ''}` })),
  }),
  payload: (body) => body,
};

const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const lines = (v: unknown) => {
  const list = typeof v === 'string' ? v.split(/\r?\n/).map((l) => l.trim()).filter(Boolean) : [];
  return list.length ? list : undefined;
};

/** GOV.UK date input parts to YYYY-MM-DD; malformed parts stay visibly malformed for the schema. */
export function dateFrom(form: Form, name: string): string | undefined {
  const [d, m, y] = ['day', 'month', 'year'].map((part) => text(form[`${name}-${part}`]) ?? '');
  if (!d && !m && !y) return undefined;
  if (!/^\d{1,2}$/.test(d) || !/^\d{1,2}$/.test(m) || !/^\d{4}$/.test(y)) return `${y}-${m}-${d}`;
  return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

/** The request body the API would receive for this form, before validation. */
export function bodyFrom(spec: ActionSpec, form: Form): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of spec.fields) {
    const value = f.kind === 'date' ? dateFrom(form, f.name) : f.name === 'attendees' || f.name === 'agreedTasks' ? lines(form[f.name]) : text(form[f.name]);
    if (value !== undefined) body[f.name] = value;
  }
  // A scheduled meeting has no attendees in the API's body.
  if (spec.event === 'meeting' && body.status === 'scheduled') delete body.attendees;
  return body;
}

export interface FieldError {
  field: string;
  text: string;
}

/** Validates with the API's schema; one error per field, in the form's order. */
export function validate(spec: ActionSpec, body: Record<string, unknown>): { ok: true; body: Record<string, unknown> } | { ok: false; errors: FieldError[] } {
  const r = spec.schema.safeParse(body);
  if (r.success) return { ok: true, body: r.data as Record<string, unknown> };
  const byField = new Map<string, string>();
  for (const issue of r.error.issues) {
    const field = String(issue.path[0] ?? spec.fields[0].name);
    if (!byField.has(field)) byField.set(field, spec.messages[field] ?? `${field}: ${issue.message}`);
  }
  const order = spec.fields.map((f) => f.name);
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  const errors = [...byField.entries()].sort(([a], [b]) => rank(a) - rank(b)).map(([field, t]) => ({ field, text: t }));
  return { ok: false, errors };
}

/** The fields with the values just posted and their errors, ready for action.njk. */
export function fieldsFor(spec: ActionSpec, form: Form, errors: FieldError[] = []) {
  const errorOf = (name: string) => errors.find((e) => e.field === name)?.text;
  return spec.fields.map((f) => {
    const error = errorOf(f.name);
    const value = typeof form[f.name] === 'string' ? (form[f.name] as string) : '';
    if (f.kind === 'radios') {
      return { ...f, error, items: f.options!.map((o) => ({ value: o.value, text: o.text, hint: o.hint ? { text: o.hint } : undefined, checked: value === o.value })) };
    }
    if (f.kind === 'date') {
      const part = (p: string, label: string, width: number) => ({
        name: p,
        label,
        value: typeof form[`${f.name}-${p}`] === 'string' ? form[`${f.name}-${p}`] : '',
        classes: `govuk-input--width-${width}${error ? ' govuk-input--error' : ''}`,
      });
      return { ...f, error, items: [part('day', 'Day', 2), part('month', 'Month', 2), part('year', 'Year', 4)] };
    }
    return { ...f, error, value };
  });
}

/** Where the error summary links to: the first input of the field. */
export function errorHref(spec: ActionSpec, field: string): string {
  const f = spec.fields.find((x) => x.name === field);
  return f?.kind === 'date' ? `#${field}-day` : `#${field}`;
}
