// The pages managers act on, mounted at /app: server-rendered GOV.UK Design System pages (Nunjucks
// templates, govuk-frontend components), working without JavaScript. Sign-in is OpenID Connect;
// every action is the same workflow event, under the same authorisation, as the JSON API's.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import nunjucks from 'nunjucks';
import type { Logger } from 'pino';
import { FailureTypes, type RuleViolation } from '../../workflows/definitions';
import type { Principal } from '../auth';
import { HttpProblem } from '../problem';
import { idempotencyKeySchema, pathSchemas } from '../schemas';
import { toHttpProblem } from '../temporal-errors';
import type { TransferService } from '../transfers';
import { ACTIONS, RAISE_ESCALATION, bodyFrom, errorHref, fieldsFor, validate, type ActionSpec, type FieldError, type RaisableEscalations } from './actions';
import { myWork } from './my-work';
import type { OidcRelyingParty } from './oidc';
import {
  clearCookie,
  createSealer,
  csrfMatches,
  FLOW_COOKIE,
  newCsrfToken,
  readCookie,
  safeReturnTo,
  SESSION_COOKIE,
  setCookie,
  type PageSession,
  type SignInFlow,
} from './session';
import { caseLabel, day, transferPath, transferView } from './view-model';

export interface PagesOptions {
  relyingParty: OidcRelyingParty;
  /** 32+ characters; signs and encrypts the session cookie. */
  sessionSecret: string;
  /** Default 60. */
  sessionMinutes?: number;
  /** Secure cookies: true behind HTTPS (the default when PUBLIC_BASE_URL is https). */
  secureCookies?: boolean;
  /** Where a form may send the browser besides this origin: the provider's logout page. */
  formActionOrigins?: string[];
}

export interface PagesDeps {
  client: Client;
  transfers: TransferService;
  authorityName: (authority: string) => string;
  /** The escalations a kind's policy lets people raise; none when absent. */
  raisableEscalations?: RaisableEscalations;
  logger: Logger;
}

type PageRequest = Request & { session?: PageSession; cspNonce?: string };

const FLOW_SECONDS = 600;

function findUp(start: string, rel: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, rel))) return path.join(dir, rel);
    if (path.dirname(dir) === dir) throw new Error(`cannot find ${rel}`);
  }
}

// The views are not compiled: from lib/api/pages as from api/pages, find them in the source tree.
const VIEWS = findUp(__dirname, path.join('api', 'pages', 'views'));
const GOVUK_DIST = path.join(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist');
const GOVUK_ASSETS = path.join(GOVUK_DIST, 'govuk', 'assets');

function principalOf(s: PageSession): Principal {
  return { sub: s.sub, name: s.name, roles: s.roles, teams: s.teams };
}

/** A refusal from the workflow or the API's checks, in words, with the rule and the valid date. */
export function refusalMessages(err: unknown): { status: number; messages: { text: string; field?: string }[] } | undefined {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    if (cur instanceof ApplicationFailure && cur.type === FailureTypes.RuleViolation && Array.isArray(cur.details?.[0])) {
      const violations = cur.details[0] as RuleViolation[];
      return {
        status: 409,
        messages: violations.map((v) => {
          const bound = v.suggestion ? (v.value && v.suggestion > v.value ? 'earliest' : 'latest') : undefined;
          return { text: `${v.message} (rule ${v.rule}, ${v.source})${bound ? `. The ${bound} valid date is ${day(v.suggestion)}.` : ''}`, field: v.field };
        }),
      };
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  const problem = toHttpProblem(err);
  if (!problem || problem.status >= 500 || problem.status === 404) return undefined;
  const rules = (problem.extra.rules as string[] | undefined) ?? [];
  const named = ((problem.extra.errors as { path?: string }[] | undefined) ?? []).find((e) => typeof e.path === 'string')?.path;
  const date = (problem.extra.earliestOn ?? problem.extra.latestOn) as string | undefined;
  const which = problem.extra.earliestOn ? 'earliest' : 'latest';
  return {
    status: problem.status,
    messages: [{ text: `${problem.message}${rules.length ? ` (rule ${rules.join(', ')})` : ''}${date ? `. The ${which} valid date is ${day(date)}.` : ''}`, field: named }],
  };
}

export function createPages(deps: PagesDeps, opts: PagesOptions): express.Router {
  const { client, transfers, logger } = deps;
  const sealer = createSealer(opts.sessionSecret);
  const sessionSeconds = (opts.sessionMinutes ?? 60) * 60;
  const secure = Boolean(opts.secureCookies);
  const views = new nunjucks.Environment(new nunjucks.FileSystemLoader([VIEWS, GOVUK_DIST], { noCache: false }), {
    autoescape: true,
    throwOnUndefined: false,
  });
  // govuk-frontend's stylesheet names its fonts and images under /assets; here they live under /app/assets.
  const css = readFileSync(path.join(GOVUK_DIST, 'govuk', 'govuk-frontend.min.css'), 'utf8').replace(/url\(\/assets\//g, 'url(/app/assets/');

  const router = express.Router();

  router.use((req: PageRequest, res, next) => {
    req.cspNonce = randomBytes(16).toString('base64');
    res.setHeader(
      'Content-Security-Policy',
      [
        "default-src 'self'",
        `script-src 'self' 'nonce-${req.cspNonce}'`,
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        `form-action 'self' ${(opts.formActionOrigins ?? []).join(' ')}`.trim(),
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
      ].join('; '),
    );
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.get('/assets/govuk-frontend.css', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type('text/css').send(css);
  });
  // Progressive enhancement only: every page works the same without it.
  router.get('/assets/govuk-frontend.min.js', (_req, res) => res.sendFile(path.join(GOVUK_DIST, 'govuk', 'govuk-frontend.min.js'), { maxAge: '1h' }));
  router.get('/assets/init.mjs', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type('text/javascript').send("import { initAll } from './govuk-frontend.min.js';\ninitAll();\n");
  });
  router.use('/assets', express.static(GOVUK_ASSETS, { maxAge: '1d', fallthrough: false }));
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 }));

  function render(req: PageRequest, res: Response, view: string, ctx: Record<string, unknown>, status = 200) {
    const html = views.render(view, {
      cspNonce: req.cspNonce,
      person: req.session ? { sub: req.session.sub, name: req.session.name } : undefined,
      csrf: req.session?.csrf,
      ...ctx,
    });
    res.status(status).type('html').send(html);
  }
  const message = (req: PageRequest, res: Response, status: number, title: string, lines: string[], link?: { href: string; text: string }) =>
    render(req, res, 'message.njk', { title, lines, linkHref: link?.href, linkText: link?.text }, status);

  // ------------------------------------------------------------------ sign-in and out

  router.get('/sign-in', async (req: PageRequest, res) => {
    const { url, flow } = await opts.relyingParty.begin(safeReturnTo(req.query.returnTo));
    setCookie(res, FLOW_COOKIE, await sealer.seal(flow, FLOW_SECONDS), { maxAgeSeconds: FLOW_SECONDS, secure });
    res.redirect(303, url);
  });

  router.get('/auth/callback', async (req: PageRequest, res) => {
    const sealed = readCookie(req, FLOW_COOKIE);
    const flow = sealed ? await sealer.unseal<SignInFlow>(sealed) : undefined;
    if (!flow) {
      return message(req, res, 400, 'Sign-in timed out', ['The sign-in took too long or was started in another browser.'], { href: '/app/sign-in', text: 'Sign in again' });
    }
    clearCookie(res, FLOW_COOKIE, secure);
    const person = await opts.relyingParty.finish(req.originalUrl, flow);
    const session: PageSession = { ...person, csrf: newCsrfToken() };
    setCookie(res, SESSION_COOKIE, await sealer.seal(session, sessionSeconds), { maxAgeSeconds: sessionSeconds, secure });
    logger.info({ msg: 'signed in', roles: person.roles }, 'signed in');
    res.redirect(303, flow.returnTo);
  });

  router.get('/signed-out', (req: PageRequest, res) => message(req, res, 200, 'You have signed out', ['You are no longer signed in to Case transfers.'], { href: '/app/my-work', text: 'Sign in again' }));

  // ------------------------------------------------------------------ everything else needs a session

  router.use(async (req: PageRequest, res, next) => {
    const sealed = readCookie(req, SESSION_COOKIE);
    const session = sealed ? await sealer.unseal<PageSession>(sealed) : undefined;
    if (!session) {
      const returnTo = req.method === 'GET' ? req.originalUrl : '/app/my-work';
      return res.redirect(303, `/app/sign-in?returnTo=${encodeURIComponent(safeReturnTo(returnTo))}`);
    }
    req.session = session;
    if (req.method === 'POST' && !csrfMatches(session.csrf, (req.body as Record<string, unknown> | undefined)?._csrf)) {
      return message(req, res, 403, 'This form has expired', ['The page was open too long or came from somewhere else. Nothing was recorded.'], { href: req.originalUrl, text: 'Go back to the form' });
    }
    next();
  });

  router.post('/sign-out', async (req: PageRequest, res) => {
    clearCookie(res, SESSION_COOKIE, secure);
    const url = await opts.relyingParty.logoutUrl(req.session?.idToken);
    res.redirect(303, url ?? '/app/signed-out');
  });

  router.get('/', (_req, res) => res.redirect(303, '/app/my-work'));

  router.get('/my-work', async (req: PageRequest, res) => {
    const work = await myWork(client, transfers, principalOf(req.session!));
    render(req, res, 'my-work.njk', { title: 'My work', nav: 'my-work', work });
  });

  const transferIdOf = (req: Request) => {
    const r = pathSchemas.transfer.safeParse({ id: req.params.id });
    if (!r.success) throw new HttpProblem(404, 'No such transfer');
    return r.data.id;
  };

  router.get('/transfers/:id', async (req: PageRequest, res) => {
    const state = await transfers.visibleState(principalOf(req.session!), transferIdOf(req));
    const done = typeof req.query.done === 'string' ? [...Object.values(ACTIONS), RAISE_ESCALATION].find((a) => a.event === req.query.done || a.path === req.query.done)?.done : undefined;
    render(req, res, 'transfer.njk', {
      title: `Transfer of ${caseLabel(state)}`,
      t: transferView(state, principalOf(req.session!), deps.authorityName(state.authority)),
      done,
      backHref: '/app/my-work',
      backText: 'My work',
    });
  });

  for (const [key, spec] of Object.entries({ ...ACTIONS, raiseEscalation: RAISE_ESCALATION })) actionRoutes(key, spec);

  function actionRoutes(key: string, base: ActionSpec) {
    const route = `/transfers/:id${base.path}`;
    const show = async (req: PageRequest, res: Response, form: Record<string, unknown>, errors: FieldError[] = [], refusal?: string, status = 200) => {
      const id = transferIdOf(req);
      const state = await transfers.visibleState(principalOf(req.session!), id);
      const params = req.params as Record<string, string>;
      const options = base.optionsFor?.(state, deps.raisableEscalations ?? (() => [])) ?? {};
      const spec = { ...base, fields: base.fields.map((f) => (options[f.name] ? { ...f, options: options[f.name] } : f)) };
      render(
        req,
        res,
        'action.njk',
        {
          title: spec.title,
          caseLabel: caseLabel(state),
          about: spec.about(state, params),
          fields: fieldsFor(spec, form, errors),
          errorList: errors.map((e) => ({ text: e.text, href: e.field ? errorHref(spec, e.field) : undefined })),
          refusal,
          submitText: spec.submitText,
          idempotencyKey: typeof form.idempotencyKey === 'string' ? form.idempotencyKey : randomUUID(),
          backHref: transferPath(id),
          backText: 'Back to the transfer',
        },
        status,
      );
    };

    router.get(route, (req: PageRequest, res) => show(req, res, {}));

    router.post(route, async (req: PageRequest, res) => {
      const spec = base;
      const form = (req.body ?? {}) as Record<string, unknown>;
      const id = transferIdOf(req);
      const checked = validate(spec, bodyFrom(spec, form));
      if (!checked.ok) return show(req, res, form, checked.errors, undefined, 400);
      const idempotency = idempotencyKeySchema.safeParse(form.idempotencyKey);
      const params = req.params as Record<string, string>;
      try {
        await transfers.send({
          principal: principalOf(req.session!),
          name: spec.event,
          transferId: id,
          payload: spec.payload(checked.body, params),
          key: idempotency.success ? idempotency.data : undefined,
          scope: `pages:${key}`,
        });
      } catch (err) {
        const refused = refusalMessages(err);
        if (!refused) throw err;
        const fieldNames = spec.fields.map((f) => f.name);
        const errors = refused.messages.map((m) => ({ field: m.field && fieldNames.includes(m.field) ? m.field : '', text: m.text }));
        // A new key: the refused attempt recorded nothing, and the corrected form is a new event.
        return show(req, res, { ...form, idempotencyKey: randomUUID() }, errors, 'Nothing was recorded.', refused.status);
      }
      res.redirect(303, `${transferPath(id)}?done=${encodeURIComponent(spec.event === 'checklistItem' ? spec.path : spec.event)}`);
    });
  }

  router.use((req: PageRequest, res) => message(req, res, 404, 'Page not found', ['If you typed the web address, check it is correct.'], { href: '/app/my-work', text: 'Go to My work' }));

  // Forbidden and unknown transfers look the same: a manager of another team learns nothing.
  router.use((err: unknown, req: PageRequest, res: Response, _next: NextFunction) => {
    const problem = toHttpProblem(err);
    if (problem && (problem.status === 403 || problem.status === 404)) {
      return message(req, res, 404, 'Transfer not found', ['There is no transfer at this address that you can see.', 'Transfers are shown to the managers of the sending and receiving teams.'], { href: '/app/my-work', text: 'Go to My work' });
    }
    if (problem?.status === 401) {
      return message(req, res, 401, 'Sign-in did not complete', [problem.message], { href: '/app/sign-in', text: 'Sign in again' });
    }
    // The body parser's and the static files' own errors (a form too large, a missing asset).
    const status = problem?.status ?? (err as { status?: number }).status;
    if (!problem && typeof status === 'number' && status >= 400 && status < 500) {
      return message(req, res, status, status === 404 ? 'Page not found' : 'The form could not be read', status === 404 ? ['If you typed the web address, check it is correct.'] : ['Nothing was recorded. Go back and try again.']);
    }
    if (problem?.status === 503) {
      res.setHeader('Retry-After', '5');
      return message(req, res, 503, 'Sorry, the service is unavailable', ['Part of the service cannot be reached. Nothing was lost: try again in a few minutes.']);
    }
    (req.log ?? logger).error({ err: { type: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack } }, 'page error');
    message(req, res, 500, 'Sorry, there is a problem with the service', ['Nothing was recorded. Try again later.']);
  });

  return router;
}
