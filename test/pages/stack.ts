// Everything the browser tests need, real and on free ports: a Temporal dev server and the
// production worker (mail to a local catcher), the API with its pages, the local OpenID provider
// in its own process, and Debian's Chromium driven by playwright-core.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startMailCatcher, type MailCatcher } from '../../activities/notifications/mail-catcher';
import { createRelyingParty } from '../../api/pages/oidc';
import { apiConnectionOptions } from '../../api/temporal-connection';
import { DEV_CLIENT_SECRET, startDevOidcProvider, type DevOidcProvider } from '../../scripts/dev-oidc';
import { testApp } from '../api/helpers';
import { createLocalEnv, createTestWorker, testDataConverter } from '../support/temporal';

export const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'test-results', 'screenshots');

export interface PagesStack {
  apiUrl: string;
  catcher: MailCatcher;
  browser: Browser;
  stop: () => Promise<void>;
}

function chromiumPath(): string {
  const found = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));
  if (!found) throw new Error('No Chromium: run `node scripts/ensure-browser.js` (npm test does) or set CHROMIUM_PATH');
  return found;
}

export async function startPagesStack(): Promise<PagesStack> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // The API's address comes first: the provider registers its callback, and mails link to it.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const catcher = await startMailCatcher({ port: 0, uiPort: 0 });
    stops.push(() => catcher.close());
    const env: TestWorkflowEnvironment = await createLocalEnv();
    stops.push(() => env.teardown());
    const worker: Worker = await createTestWorker(env, {
      deps: { mail: { smtpUrl: catcher.smtpUrl, from: 'Case transfers <ct@localhost>', publicBaseUrl: apiUrl, timeoutMs: 5000, invite: { minutes: 60 } } },
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });
    const connection = await Connection.connect(apiConnectionOptions(env.address));
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: env.namespace ?? 'default', dataConverter: testDataConverter() });

    const provider: DevOidcProvider = await startDevOidcProvider({
      port: 0,
      clientId: 'case-transfers',
      clientSecret: DEV_CLIENT_SECRET,
      redirectUris: [`${apiUrl}/app/auth/callback`],
      postLogoutRedirectUris: [`${apiUrl}/app/signed-out`],
    });
    stops.push(() => provider.stop());

    const app = testApp(client, {
      rateLimit: { limit: 1_000_000 },
      pages: {
        relyingParty: createRelyingParty({
          issuerUrl: provider.issuer,
          clientId: 'case-transfers',
          clientSecret: DEV_CLIENT_SECRET,
          redirectUri: `${apiUrl}/app/auth/callback`,
          postLogoutRedirectUri: `${apiUrl}/app/signed-out`,
          scopes: 'openid profile email case-transfers',
          rolesClaim: 'roles',
          teamsClaim: 'teams',
        }),
        sessionSecret: 'pages-test-session-secret-long-enough-for-hkdf',
        sessionMinutes: 30,
        formActionOrigins: [provider.issuer],
      },
    });
    server.on('request', app);
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );

    const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    stops.push(() => browser.close());
    return { apiUrl, catcher, browser, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Signs in through the provider's page as one of its example people; ends where sign-in returns. */
export async function signIn(page: Page, personSub: string): Promise<void> {
  await page.waitForURL(/\/interaction\//);
  await page.check(`input[name="person"][value="${personSub}"]`);
  await Promise.all([page.waitForURL(/\/app\//), page.click('button[type="submit"]')]);
}

/** A browser of one's own (cookies apart). axe needs JavaScript; the pages work the same without it. */
export async function newPerson(browser: Browser, opts: { javaScript?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, javaScriptEnabled: opts.javaScript ?? true });
  context.setDefaultTimeout(15_000);
  return { context, page: await context.newPage() };
}

/** axe at WCAG 2.2 A and AA; the violations, formatted so a failure says what and where. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']).analyze();
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
