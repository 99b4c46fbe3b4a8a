// The pages in a real browser (Debian's Chromium, JavaScript off): sign-in through the local
// OpenID provider, an escalation answered from the link in its email, a two-sided exception
// approved by two managers, a manager of another team who sees nothing, axe on every page.
import type { Page } from 'playwright-core';
import type { TransferState } from '../../workflows/definitions';
import { overdueTransferBody } from '../api/helpers';
import { tokenFor } from '../support/fixtures';
import { accessibilityViolations, newPerson, screenshot, signIn, startPagesStack, type PagesStack } from './stack';

jest.setTimeout(240_000);

let stack: PagesStack;
beforeAll(async () => {
  stack = await startPagesStack();
}, 180_000);
afterAll(() => stack?.stop());

const receivingChain = [
  { id: 'tm-di', role: 'team-manager', email: 'tm-di@example.test' },
  { id: 'sm-gu', role: 'service-manager', email: 'sm-gu@example.test' },
  { id: 'hos-ha', role: 'head-of-service', email: 'hos-ha@example.test' },
];

async function api<T>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Clicks and waits for the page the click leads to (the same URL, when a form comes back with errors). */
async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

const pagesChecked: string[] = [];
async function expectAccessible(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect({ page: name, violations: await accessibilityViolations(page) }).toEqual({ page: name, violations: [] });
  pagesChecked.push(name);
}

let transfer: TransferState;
let escalationLink: string;

test('an overdue acknowledgement escalates to the receiving service manager, whose email links to the answer form', async () => {
  const body = overdueTransferBody({ receivingChain });
  const withEmail = <P extends { id: string }>(p: P) => ({ ...p, email: `${p.id}@example.test` });
  const { people } = body;
  body.people = {
    ...people,
    allocatedSocialWorker: withEmail(people.allocatedSocialWorker),
    lineManager: withEmail(people.lineManager),
    transferringManager: withEmail(people.transferringManager),
    receivingManager: withEmail(people.receivingManager),
    chain: { transferring: people.chain.transferring.map(withEmail), receiving: receivingChain },
  };
  const started = await api<TransferState>('POST', '/v1/transfers', await tokenFor('lcs', ['integration']), body);
  expect(started.status).toBe(201);
  const [mail] = (await stack.catcher.waitFor((all) => all.some((m) => m.subject.startsWith('Escalation:') && m.envelopeTo.includes('sm-gu@example.test')), 60_000)).filter(
    (m) => m.subject.startsWith('Escalation:'),
  );
  const link = new RegExp(`${stack.apiUrl}/app/transfers/[^\\s]+/escalations/[^\\s/]+/response`).exec(mail.text);
  expect(link).not.toBeNull();
  escalationLink = link![0];
  expect(mail.html).toContain(`href="${escalationLink}"`);
  transfer = (await api<TransferState>('GET', `/v1/transfers/${body.transferId}`, await tokenFor('lcs', ['integration']))).body;
  expect(transfer.escalations.filter((e) => e.state === 'open').map((e) => e.to.id)).toEqual(['sm-gu']);
});

test('the escalated manager follows the link, signs in, sees field errors, and answers', async () => {
  const { context, page } = await newPerson(stack.browser);
  try {
    await page.goto(escalationLink);
    await expectAccessible(page, 'provider-sign-in');
    await signIn(page, 'sm-gu');
    expect(page.url()).toBe(escalationLink);
    expect((await page.locator('h1').innerText()).trim()).toBe('Answer the escalation');
    await expectAccessible(page, 'answer-escalation');

    await submit(page, 'button:has-text("Send answer")');
    expect(await page.locator('.govuk-error-summary').innerText()).toContain('Enter your decision');
    expect(await page.locator('.govuk-error-summary').innerText()).toContain('Enter a note for the record');
    expect(await page.title()).toMatch(/^Error: /);
    await expectAccessible(page, 'answer-escalation-errors');

    await page.fill('#decision', 'Proceed: acknowledge today');
    await page.fill('#note', 'Spoke to the receiving team manager; acknowledgement today.');
    await submit(page, 'button:has-text("Send answer")');
    expect(await page.locator('.govuk-notification-banner').innerText()).toContain('Your answer to the escalation has been recorded');
    expect(await page.locator('main').innerText()).toContain('LCS-000001');
    expect(await page.locator('main').innerText()).toContain('T-ISL-07');
    await expectAccessible(page, 'transfer');

    const after = (await api<TransferState>('GET', `/v1/transfers/${transfer.transferId}`, await tokenFor('lcs', ['integration']))).body;
    const answered = after.escalations.find((e) => e.to.id === 'sm-gu')!;
    expect(answered.state).toBe('answered');
    expect(answered.answer).toMatchObject({ by: 'sm-gu', decision: 'Proceed: acknowledge today' });

    // The same form again: the workflow refuses, and the page says so without recording anything.
    await page.goto(escalationLink);
    await page.fill('#decision', 'Again');
    await page.fill('#note', 'A second answer');
    await submit(page, 'button:has-text("Send answer")');
    expect(await page.locator('.govuk-error-summary').innerText()).toContain('already answered');
    await expectAccessible(page, 'answer-escalation-refused');
  } finally {
    await context.close();
  }
});

test('a two-sided exception is approved by a manager of each side, one from the approval email, each signed in as themselves', async () => {
  const requested = await api<TransferState>('POST', `/v1/transfers/${transfer.transferId}/exceptions`, await tokenFor('tm-cy', ['team-manager'], [transfer.from.team]), {
    kind: 'hold',
    reason: 'court delay',
  });
  expect(requested.status).toBe(200);
  const exception = requested.body.exceptions.at(-1)!;
  expect(exception.requiredSides).toEqual(['transferring', 'receiving']);

  // The first approver comes from the link in the approval email; the second from My work, in a
  // browser that runs no JavaScript: the pages must work the same without it.
  const [approvalMail] = (await stack.catcher.waitFor((all) => all.some((m) => m.subject.startsWith('Approval needed:') && m.envelopeTo.includes('sm-ed@example.test')), 60_000)).filter(
    (m) => m.subject.startsWith('Approval needed:') && m.envelopeTo.includes('sm-ed@example.test'),
  );
  const approvalLink = `${stack.apiUrl}/app/transfers/${transfer.transferId}/exceptions/${exception.exceptionId}/approval`;
  expect(approvalMail.text).toContain(approvalLink);
  for (const [sub, side, shot] of [['sm-ed', 'transferring', 'exception-approval'], ['sm-gu', 'receiving', '']] as const) {
    const { context, page } = await newPerson(stack.browser, { javaScript: Boolean(shot) });
    try {
      if (shot) {
        await page.goto(approvalLink);
        await signIn(page, sub);
        expect(page.url()).toBe(approvalLink);
      } else {
        await page.goto(`${stack.apiUrl}/app/my-work`);
        await signIn(page, sub);
        expect(await page.locator('#exceptions + table').innerText()).toContain('Hold the transfer');
        await submit(page, '#exceptions + table a:has-text("Approve or reject")');
      }
      expect((await page.locator('h1').innerText()).trim()).toBe('Approve or reject the exception');
      if (shot) await expectAccessible(page, shot);
      await page.check('input[name="decision"][value="approve"]');
      await submit(page, 'button:has-text("Record decision")');
      expect(await page.locator('.govuk-notification-banner').innerText()).toContain('Your decision on the exception has been recorded');
      const now = (await api<TransferState>('GET', `/v1/transfers/${transfer.transferId}`, await tokenFor('lcs', ['integration']))).body;
      const approvals = now.exceptions.find((x) => x.exceptionId === exception.exceptionId)!.approvals;
      expect(approvals.at(-1)).toMatchObject({ by: sub, side, decision: 'approve' });
      if (shot) {
        await page.goto(`${stack.apiUrl}/app/my-work`);
        await expectAccessible(page, 'my-work');
      }
    } finally {
      await context.close();
    }
  }
  const final = (await api<TransferState>('GET', `/v1/transfers/${transfer.transferId}`, await tokenFor('lcs', ['integration']))).body;
  expect(final.exceptions.find((x) => x.exceptionId === exception.exceptionId)!.state).toBe('approved');
  expect(final.onHold).toBe(true);
});

test('the other forms: tick and reopen a checklist item, schedule a meeting, record a decision', async () => {
  const { context, page } = await newPerson(stack.browser);
  try {
    const base = `${stack.apiUrl}/app/transfers/${transfer.transferId}`;
    const item = transfer.checklist.find((c) => c.state === 'open')!;
    await page.goto(`${base}/checklist/${item.itemId}`);
    await signIn(page, 'tm-di');
    await expectAccessible(page, 'checklist-item');
    await page.check('input[name="state"][value="done"]');
    await page.fill('#evidenceRef', 'LCS document 17');
    await submit(page, 'button:has-text("Save")');
    expect(await page.locator('.govuk-notification-banner').innerText()).toContain('The checklist item has been updated');

    await page.goto(`${base}/checklist/${item.itemId}/reopen`);
    await expectAccessible(page, 'checklist-reopen');
    await page.fill('#reason', 'Evidence was for another case');
    await submit(page, 'button:has-text("Reopen item")');
    expect(await page.locator('.govuk-notification-banner').innerText()).toContain('reopened');

    await page.goto(`${base}/meeting`);
    await page.check('input[name="status"][value="scheduled"]');
    await page.fill('#on-day', '31');
    await page.fill('#on-month', '2');
    await page.fill('#on-year', '2027');
    await submit(page, 'button:has-text("Save meeting")');
    expect((await page.locator('.govuk-error-summary a[href="#on-day"]').innerText()).trim()).toBe('Enter the date of the meeting as a real date');
    await expectAccessible(page, 'meeting-errors');

    await page.goto(`${base}/decision`);
    await expectAccessible(page, 'decision');
    const today = new Date();
    await page.fill('#on-day', String(today.getUTCDate()));
    await page.fill('#on-month', String(today.getUTCMonth() + 1));
    await page.fill('#on-year', String(today.getUTCFullYear()));
    await submit(page, 'button:has-text("Save decision")');
    expect(await page.locator('.govuk-notification-banner').innerText()).toContain('The decision has been recorded');

    const states = (await api<TransferState>('GET', `/v1/transfers/${transfer.transferId}`, await tokenFor('lcs', ['integration']))).body;
    const history = states.history.filter((h) => h.event === 'checklistItem' && h.by === 'tm-di');
    expect(history).toHaveLength(2);
    expect(states.history.filter((h) => h.event === 'decision' && h.by === 'tm-di')).toHaveLength(1);
    expect(states.checklist.find((c) => c.itemId === item.itemId)!.state).toBe('open');

    await submit(page, 'button:has-text("Sign out")');
    await submit(page, 'button[name="logout"]');
    await page.waitForURL(/\/app\/signed-out$/);
    await expectAccessible(page, 'signed-out');
    await page.goto(`${base}`);
    await page.waitForURL(/\/interaction\//);
  } finally {
    await context.close();
  }
});

test('a manager of another team sees nothing of the transfer', async () => {
  const { context, page } = await newPerson(stack.browser);
  try {
    await page.goto(`${stack.apiUrl}/app/my-work`);
    await signIn(page, 'tm-fo');
    expect(await page.locator('main').innerText()).not.toContain('LCS-000001');
    for (const url of [`/app/transfers/${transfer.transferId}`, new URL(escalationLink).pathname]) {
      const res = await page.goto(`${stack.apiUrl}${url}`);
      expect(res!.status()).toBe(404);
      expect((await page.locator('h1').innerText()).trim()).toBe('Transfer not found');
      const text = await page.locator('body').innerText();
      expect(text).not.toContain('LCS-000001');
      expect(text).not.toContain(transfer.from.team);
    }
    await expectAccessible(page, 'not-found');
  } finally {
    await context.close();
  }
});

test('axe finds what it should: a page with an unlabelled field and an image without text fails', async () => {
  const { context, page } = await newPerson(stack.browser);
  try {
    await page.setContent('<!doctype html><html lang="en"><head><title>x</title></head><body><main><input type="text"><img src="data:,"></main></body></html>');
    const violations = await accessibilityViolations(page);
    expect(violations.map((v) => v.split(' ')[0])).toEqual(expect.arrayContaining(['label', 'image-alt']));
  } finally {
    await context.close();
  }
});

test('axe checked every kind of page', () => {
  expect(pagesChecked).toEqual(
    expect.arrayContaining(['answer-escalation', 'answer-escalation-errors', 'transfer', 'my-work', 'exception-approval', 'checklist-item', 'checklist-reopen', 'meeting-errors', 'decision', 'signed-out', 'not-found']),
  );
});
