// npm run ui-check: with `npm start` running, proves an operator reads a decoded transfer in the
// Temporal UI. Starts a transfer with an invented child through the API, signs a headless Chromium
// in at /codec/session with an operator token, turns on the UI's "include cross-origin
// credentials" codec setting, opens the workflow's page and looks for the child's name and case
// reference in what the UI rendered. Prints what it saw; the screenshot goes to data/.
// Needs Chromium (Debian: apt-get install chromium; or CHROMIUM=/path). Talks to it over the
// DevTools protocol on a pipe, so no browser-automation package is needed.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { mintToken } from '../api/auth';
import { loadConfig } from '../config';
import { temporalSettings } from '../config/temporal';
import { devSecret, ROOT } from './dev-secret';

type Json = Record<string, unknown>;

class DevTools {
  private nextId = 1;
  private buffer = '';
  private readonly waiting = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  constructor(private readonly input: Writable, output: Readable) {
    output.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      let end: number;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        const message = JSON.parse(this.buffer.slice(0, end)) as { id?: number; result?: Json; error?: { message: string } };
        this.buffer = this.buffer.slice(end + 1);
        const w = message.id ? this.waiting.get(message.id) : undefined;
        if (!w) continue;
        this.waiting.delete(message.id!);
        if (message.error) w.reject(new Error(message.error.message));
        else w.resolve(message.result ?? {});
      }
    });
  }
  send(method: string, params: Json = {}, sessionId?: string): Promise<Json> {
    const id = this.nextId++;
    this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const config = loadConfig();
  const api = `http://127.0.0.1:${config.PORT}`;
  const ui = `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`;
  const secret = config.AUTH_JWT_SECRET ?? devSecret(false)?.secret;
  if (!secret) throw new Error('no JWT secret: run `npm start` first');
  const integration = await mintToken(secret, { sub: 'ui-check', roles: ['integration'], teams: [] });
  const operator = await mintToken(secret, { sub: 'ui-check-operator', roles: ['operator'], teams: [] });

  const child = { ref: `LCS-UI-${Math.floor(Math.random() * 1e6)}`, displayName: 'Ottilie Pemberton-Vance', dateOfBirth: '2015-05-05', legalStatus: 's20', lookedAfter: true };
  const today = new Date().toISOString().slice(0, 10);
  const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  const person = (id: string, role: string) => ({ id, role });
  const body = {
    transferId: randomUUID(),
    authority: 'islington',
    kind: 'isl-cin-to-cla',
    children: [child],
    from: { service: 'Children in Need', team: 'isl-cin-team-3' },
    to: { service: 'Children Looked After', team: 'isl-cla-team-1' },
    people: {
      allocatedSocialWorker: person('sw-anna', 'social-worker'),
      lineManager: person('lm-bo', 'line-manager'),
      transferringManager: person('tm-cy', 'team-manager'),
      receivingManager: person('tm-di', 'team-manager'),
      chain: { transferring: [person('tm-cy', 'team-manager'), person('sm-ed', 'service-manager')], receiving: [person('tm-di', 'team-manager'), person('sm-gu', 'service-manager')] },
    },
    trigger: { event: 'first-cla-review', date: inDays(35) },
    decidedOn: today,
  };
  const started = await fetch(`${api}/v1/transfers`, { method: 'POST', headers: { authorization: `Bearer ${integration}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (started.status !== 201) throw new Error(`start: ${started.status} ${await started.text()}`);
  const workflowId = `transfer-${body.transferId}`;
  console.log(`started ${workflowId} for child ${child.ref} (${child.displayName})`);

  const profile = mkdtempSync(path.join(tmpdir(), 'ct-chromium-'));
  const chromium: ChildProcess = spawn(
    process.env.CHROMIUM ?? 'chromium',
    ['--headless', '--no-sandbox', '--disable-gpu', '--remote-debugging-pipe', `--user-data-dir=${profile}`, '--window-size=1400,1000', 'about:blank'],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
  );
  try {
    const cdp = new DevTools(chromium.stdio[3] as Writable, chromium.stdio[4] as Readable);
    const { targetId } = (await cdp.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    const page = (method: string, params: Json = {}) => cdp.send(method, params, sessionId);
    const evaluate = async (expression: string) =>
      ((await page('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true })) as { result: { value?: unknown } }).result.value;
    await page('Page.enable');
    await page('Runtime.enable');

    const workflowPage = `${ui}/namespaces/${temporalSettings(config).namespace}/workflows/${workflowId}`;
    const visibleOnWorkflowPage = async (waitSeconds: number) => {
      await page('Page.navigate', { url: workflowPage });
      let text = '';
      for (let i = 0; i < waitSeconds && !text.includes(child.ref); i++) {
        await sleep(1000);
        text = String(await evaluate('document.body.innerText'));
      }
      return text;
    };

    // 1. The UI's Codec Server settings in this browser: the API's endpoint, with cross-origin credentials.
    await page('Page.navigate', { url: `${ui}/namespaces/${temporalSettings(config).namespace}/workflows` });
    await sleep(2000);
    await evaluate(`localStorage.setItem('endpoint', JSON.stringify(${JSON.stringify(`${api}/codec`)}));
      localStorage.setItem('includeCredentials', 'true'); localStorage.setItem('passAccessToken', 'false');
      localStorage.setItem('overrideRemoteCodecConfiguration', 'true'); true`);

    // 2. Control: before an operator has signed in, the codec refuses and the UI shows ciphertext.
    const before = await visibleOnWorkflowPage(10);
    const leakedBefore = [child.ref, child.displayName].filter((s) => before.includes(s));
    const beforeShot = (await page('Page.captureScreenshot', { format: 'png' })) as { data: string };
    writeFileSync(path.join(ROOT, 'data', 'ui-codec-check-before.png'), Buffer.from(beforeShot.data, 'base64'));
    console.log(`before sign-in: ${leakedBefore.length ? `VISIBLE ${leakedBefore.join(', ')}` : 'the child is not readable'}${before.includes('binary/encrypted') ? ' (payloads shown as binary/encrypted)' : ''}`);

    // 3. The operator signs this browser in to the codec endpoint, through its form.
    await page('Page.navigate', { url: `${api}/codec/session` });
    await sleep(1000);
    await evaluate(`document.querySelector('input[name=token]').value = ${JSON.stringify(operator)}; document.querySelector('form').submit(); true`);
    await sleep(1000);
    console.log(`codec sign-in page says: ${String(await evaluate('document.body.innerText')).trim()}`);

    // 4. The workflow's page again: its input is the start payload, decoded through the codec.
    const text = await visibleOnWorkflowPage(30);
    const shot = (await page('Page.captureScreenshot', { format: 'png' })) as { data: string };
    const file = path.join(ROOT, 'data', 'ui-codec-check.png');
    writeFileSync(file, Buffer.from(shot.data, 'base64'));
    const seen = [child.ref, child.displayName, child.dateOfBirth].filter((s) => text.includes(s));
    const around = text.indexOf(child.ref);
    console.log(`UI page for ${workflowId}: ${text.length} characters of text; screenshot ${path.relative(process.cwd(), file)}`);
    if (around >= 0) console.log(`decoded input as shown: …${text.slice(Math.max(0, around - 200), around + 200).replace(/\s+/g, ' ')}…`);
    console.log(`found in the rendered page: ${seen.length ? seen.join(', ') : 'nothing of the child'}`);
    if (seen.length === 0 || leakedBefore.length > 0) process.exitCode = 1;
  } finally {
    const exited = new Promise((r) => chromium.once('exit', r));
    chromium.kill('SIGKILL');
    await exited;
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
