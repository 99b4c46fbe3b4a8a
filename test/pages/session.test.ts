// The pages' session seal, CSRF check, return paths, claim mapping, form-to-body mapping and the
// words of a refusal: the parts of sign-in and the forms that need no browser.
import { ApplicationFailure } from '@temporalio/common';
import { FailureTypes } from '../../workflows/definitions';
import { ACTIONS, bodyFrom, dateFrom, validate } from '../../api/pages/actions';
import { refusalMessages } from '../../api/pages';
import { claimList, personFromClaims } from '../../api/pages/oidc';
import { createSealer, csrfMatches, newCsrfToken, safeReturnTo } from '../../api/pages/session';
import { HttpProblem } from '../../api/problem';

const SECRET = 'a-session-secret-of-at-least-thirty-two-characters';

describe('session seal', () => {
  const sealer = createSealer(SECRET);

  test('round-trips a value, and the browser can read nothing of it', async () => {
    const sealed = await sealer.seal({ sub: 'sm-gu', teams: ['isl-cla-team-1'] }, 60);
    expect(sealed.split('.')).toHaveLength(5); // a compact JWE
    expect(Buffer.from(sealed.replace(/\./g, ''), 'base64url').toString('latin1')).not.toContain('sm-gu');
    expect(await sealer.unseal(sealed)).toEqual({ sub: 'sm-gu', teams: ['isl-cla-team-1'] });
  });

  test('refuses a tampered cookie, another key\'s cookie and an expired one', async () => {
    const sealed = await sealer.seal({ sub: 'sm-gu' }, 60);
    const parts = sealed.split('.');
    const flipped = parts[3].slice(0, -2) + (parts[3].endsWith('A') ? 'BB' : 'AA');
    expect(await sealer.unseal([...parts.slice(0, 3), flipped, parts[4]].join('.'))).toBeUndefined();
    expect(await createSealer(`${SECRET}-other`).unseal(sealed)).toBeUndefined();
    const expired = await sealer.seal({ sub: 'sm-gu' }, -10);
    expect(await sealer.unseal(expired)).toBeUndefined();
    expect(await sealer.unseal('not-a-cookie')).toBeUndefined();
  });

  test('needs a long secret', () => {
    expect(() => createSealer('short')).toThrow(/32 characters/);
  });
});

test('CSRF tokens match only themselves', () => {
  const token = newCsrfToken();
  expect(csrfMatches(token, token)).toBe(true);
  expect(csrfMatches(token, newCsrfToken())).toBe(false);
  expect(csrfMatches(token, undefined)).toBe(false);
  expect(csrfMatches(token, token.slice(1))).toBe(false);
});

test('sign-in returns only to a page of the service', () => {
  expect(safeReturnTo('/app/transfers/t-1/escalations/esc-1/response')).toBe('/app/transfers/t-1/escalations/esc-1/response');
  for (const bad of ['https://evil.example/app', '//evil.example/app', '/app//evil.example', '/v1/transfers', 'javascript:alert(1)', undefined, ['/app']]) {
    expect(safeReturnTo(bad)).toBe('/app/my-work');
  }
});

test('roles and teams come from the configured claims; unknown roles are dropped', () => {
  const claims = { sub: 'sm-gu', name: 'Gu', realm: { roles: ['service-manager', 'admin'] }, groups: 'isl-cla-team-1 isl-cla-team-2' };
  expect(claimList(claims, 'realm.roles')).toEqual(['service-manager', 'admin']);
  expect(personFromClaims(claims, { rolesClaim: 'realm.roles', teamsClaim: 'groups' })).toEqual({
    sub: 'sm-gu',
    name: 'Gu',
    roles: ['service-manager'],
    teams: ['isl-cla-team-1', 'isl-cla-team-2'],
  });
  expect(personFromClaims({ sub: 'x' }, { rolesClaim: 'roles', teamsClaim: 'teams' })).toMatchObject({ roles: [], teams: [] });
  expect(() => personFromClaims({}, { rolesClaim: 'roles', teamsClaim: 'teams' })).toThrow(HttpProblem);
});

describe('forms become the API\'s bodies', () => {
  test('GOV.UK date inputs become dates; a wrong one stays wrong for the schema', () => {
    expect(dateFrom({ 'on-day': '3', 'on-month': '2', 'on-year': '2027' }, 'on')).toBe('2027-02-03');
    expect(dateFrom({}, 'on')).toBeUndefined();
    expect(validate(ACTIONS.decision, bodyFrom(ACTIONS.decision, { 'on-day': '31', 'on-month': '2', 'on-year': '2027' }))).toEqual({
      ok: false,
      errors: [{ field: 'on', text: 'Enter the date of the decision as a real date' }],
    });
  });

  test('a held meeting takes its attendees one a line; a scheduled one sends none', () => {
    const held = validate(ACTIONS.meeting, bodyFrom(ACTIONS.meeting, { status: 'held', 'on-day': '1', 'on-month': '3', 'on-year': '2027', attendees: 'Di\r\n\r\n Gu \n' }));
    expect(held).toEqual({ ok: true, body: { status: 'held', on: '2027-03-01', attendees: ['Di', 'Gu'] } });
    const scheduled = validate(ACTIONS.meeting, bodyFrom(ACTIONS.meeting, { status: 'scheduled', 'on-day': '1', 'on-month': '3', 'on-year': '2027', attendees: 'Di' }));
    expect(scheduled).toEqual({ ok: true, body: { status: 'scheduled', on: '2027-03-01' } });
  });

  test('every missing required field is named, in the form\'s order', () => {
    expect(validate(ACTIONS.escalationResponse, bodyFrom(ACTIONS.escalationResponse, { decision: '  ', note: '' }))).toEqual({
      ok: false,
      errors: [
        { field: 'decision', text: 'Enter your decision' },
        { field: 'note', text: 'Enter a note for the record' },
      ],
    });
    expect(validate(ACTIONS.exceptionDecision, bodyFrom(ACTIONS.exceptionDecision, { decision: 'maybe' }))).toEqual({
      ok: false,
      errors: [{ field: 'decision', text: 'Select approve or reject' }],
    });
  });

  test('the payload is the one the API route builds', () => {
    expect(ACTIONS.escalationResponse.payload({ decision: 'go', note: 'n' }, { id: 't', escalationId: 'esc-2' })).toEqual({ decision: 'go', note: 'n', escalationId: 'esc-2' });
    expect(ACTIONS.checklistReopen.payload({ reason: 'r' }, { id: 't', itemId: 'isl-ppm' })).toEqual({ reason: 'r', state: 'open', itemId: 'isl-ppm' });
  });
});

test('a refusal names the rule and the earliest or latest valid date', () => {
  const failure = (violations: unknown[]) =>
    ApplicationFailure.create({ type: FailureTypes.RuleViolation, message: 'refused', nonRetryable: true, details: [violations] });
  const late = refusalMessages(
    failure([{ rule: 'W-ISL-02', source: '000 §4', message: 'the window may be at most 6 weeks', field: 'newWindowEnd', value: '2027-05-01', suggestion: '2027-04-20', overridable: true }]),
  );
  expect(late).toEqual({ status: 409, messages: [{ field: 'newWindowEnd', text: expect.stringContaining('rule W-ISL-02') }] });
  expect(late!.messages[0].text).toContain('The latest valid date is Tue 20 Apr 2027.');
  const early = refusalMessages(failure([{ rule: 'T-X', source: 's', message: 'too early', value: '2027-04-01', suggestion: '2027-04-06', overridable: false }]));
  expect(early!.messages[0].text).toContain('The earliest valid date is Tue 6 Apr 2027.');
  expect(refusalMessages(new HttpProblem(403, 'Your role may not record decision'))).toEqual({ status: 403, messages: [{ text: 'Your role may not record decision' }] });
  expect(refusalMessages(new Error('boom'))).toBeUndefined();
});
