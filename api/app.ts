// The HTTP layer: authenticates, authorises by role and team, validates with zod, and turns each
// request into a workflow start, query or update. It holds no state of its own.
//
// Order inside every route: token (401) → what the role may ever do (403) → path, query, body and
// headers against the schemas (400) → only then Temporal (404, 403 by team/side, 409, 503). Invalid
// requests therefore never cost a round trip to Temporal.
import { createHash, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  EVENT_PERMISSIONS,
  SA,
  TASK_QUEUE,
  startUpdate,
  workflowIdFor,
  type Actor,
  type AuthorityId,
  type EventName,
  type RaisedEscalationRule,
  type Schedule,
  type ScheduleFacts,
  type Side,
  type StartAnswer,
  type StartTransferInput,
  type TransferState,
  type TransferRequest,
} from '../workflows/definitions';
import { authFailureCounter, invalidToken, type Principal, type TokenVerifier } from './auth';
import { codecRouter, type CodecEndpointOptions } from './codec-endpoint';
import { listTransfers } from './listing';
import { createLogger, createMetrics, metricsMiddleware, requestLogger, type ApiMetrics } from './observability';
import { buildOpenApi } from './openapi';
import { createPages, type PagesOptions } from './pages';
import { fromZod, HttpProblem, PROBLEM_BASE, sendProblem, type FieldError } from './problem';
import { allowFor, expressPath, ROUTES, type RouteSpec } from './routes';
import { eventHeadersSchema, type StartBody } from './schemas';
import { checkReadiness, NotReady } from './temporal-connection';
import { toHttpProblem, violationError } from './temporal-errors';
import { actorOf, canonicalHash, createTransferService, isIntegration, isManager, mayEverSend, seesAll, sidesOf } from './transfers';

export interface PolicyService {
  /** Throws UnknownKindError for a kind the authority does not have. */
  schedule(facts: ScheduleFacts): Schedule;
  /** A policy file for the authority is loaded (in force or not). */
  has(authority: AuthorityId): boolean;
  /** The trigger events and outcomes a kind knows, under the policy version a transfer runs on. */
  triggerVocabulary?(authority: AuthorityId, policyVersion: string, kind: string): { events: string[]; outcomes: string[] } | undefined;
  list(): unknown[];
  get(authority: AuthorityId): unknown | undefined;
  /** Today's date in Europe/London. */
  today(): string;
}

export interface AppDeps {
  client: Client;
  verifyToken: TokenVerifier;
  policies: PolicyService;
  taskQueue?: string;
  /** Throws (a NotReady naming what is missing) unless Temporal answers and a worker polls. */
  checkReady?: () => Promise<void>;
  /** /readyz: the newest worker poll must be at most this old; default 90 s. */
  readyPollerMaxAgeMs?: number;
  /** Structured request and error logs; default: JSON to stdout at `info`. */
  logger?: Logger;
  /** Default: a fresh registry (no process metrics). */
  metrics?: ApiMetrics;
  /** Requests per token subject per window; default 600 a minute. */
  rateLimit?: { limit: number; windowMs?: number };
  /** Failed authentications (401) per client address per window before 429; default 30 a minute. */
  authFailureLimit?: { limit: number; windowMs?: number };
  /** Upper bound on one request's Temporal calls, default 15 s; past it the answer is 503. */
  temporalTimeoutMs?: number;
  /** True once shutdown has begun: /readyz answers 503 so load balancers stop sending. */
  isShuttingDown?: () => boolean;
  /** The pages for people at /app (OpenID Connect sign-in); absent, there are none. */
  pages?: PagesOptions;
  /** The Temporal codec endpoint under /codec, for operators; absent, there is none. */
  codec?: CodecEndpointOptions;
}

type AuthedRequest = Request & { principal?: Principal };

const RETRY_AFTER_SECONDS = '5';

export { canonicalHash } from './transfers';

function decodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function parse<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: 'body' | 'query' | 'path' | 'header',
  extra: FieldError[] = [],
): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success || extra.length) throw fromZod(r.error, where, extra);
  return r.data;
}

interface Ctx {
  req: AuthedRequest;
  res: Response;
  principal: Principal;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

export function createApp(deps: AppDeps) {
  const { client, policies } = deps;
  const taskQueue = deps.taskQueue ?? TASK_QUEUE;
  const logger = deps.logger ?? createLogger();
  const metrics = deps.metrics ?? createMetrics();
  const timeoutMs = deps.temporalTimeoutMs ?? 15_000;

  const transfers = createTransferService(client, timeoutMs);
  const { temporal, settledState } = transfers;

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLogger(logger));
  app.use(metricsMiddleware(metrics));
  app.use(helmet());
  app.use((_req, res, next) => {
    if (deps.isShuttingDown?.()) res.setHeader('Connection', 'close');
    next();
  });
  // Before the API's body parser: a UI decoding a long history sends more than 256 kB.
  if (deps.codec) app.use('/codec', codecRouter(deps.verifyToken, deps.codec));
  app.use(express.json({ limit: '256kb', type: ['application/json', 'application/*+json'] }));
  if (deps.pages) {
    const names = new Map((policies.list() as { authority: string; name: string }[]).map((p) => [p.authority, p.name]));
    const raisableEscalations = (authority: string, kind: string) =>
      ((policies.get(authority) as { raisedEscalations?: (RaisedEscalationRule & { kinds?: string[] })[] } | undefined)?.raisedEscalations ?? []).filter((r) => !r.kinds || r.kinds.includes(kind));
    app.use('/app', createPages({ client, transfers, logger, authorityName: (a) => names.get(a) ?? a, raisableEscalations }, deps.pages));
  }

  // Guessing tokens costs a client address its access for the rest of the window.
  const authFailures = authFailureCounter({ limit: deps.authFailureLimit?.limit ?? 30, windowMs: deps.authFailureLimit?.windowMs ?? 60_000 });
  const authenticate = async (req: AuthedRequest, _res: Response, next: NextFunction) => {
    const address = ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    const wait = authFailures.blockedFor(address);
    if (wait) {
      return next(new HttpProblem(429, 'Too many failed authentications from this address; wait before trying again', {}, { 'Retry-After': String(wait) }));
    }
    try {
      const m = /^Bearer +([^\s]+)$/i.exec(req.header('authorization') ?? '');
      if (!m) throw invalidToken('A bearer token is required');
      req.principal = await deps.verifyToken(m[1]);
      next();
    } catch (err) {
      if (err instanceof HttpProblem && err.status === 401) authFailures.fail(address);
      next(err);
    }
  };
  const limiter = rateLimit({
    windowMs: deps.rateLimit?.windowMs ?? 60_000,
    limit: deps.rateLimit?.limit ?? 600,
    keyGenerator: (req) => `sub:${(req as AuthedRequest).principal!.sub}`,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // Keys are token subjects, not addresses, so the library's IP checks do not apply.
    validate: false,
    handler: (req, res) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60;
      sendProblem(res, new HttpProblem(429, 'Too many requests for this token; slow down').toProblem(), { 'Retry-After': String(seconds) });
    },
  });
  app.use('/v1', authenticate, limiter);

  // Before the routes: Express would hand GET /v1/transfers/preview to /v1/transfers/{id}, and
  // answer OPTIONS itself with every method of every matching route.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const allowed = allowFor(req.path);
    if (!allowed || !decodable(req.path)) return next(); // a malformed escape is Express's 400
    const allow = allowed.join(', ');
    if (req.method === 'OPTIONS') return res.status(204).setHeader('Allow', allow).end();
    if (!allowed.includes(req.method)) {
      return next(new HttpProblem(405, `${req.method} is not supported here; use ${allow}`, {}, { Allow: allow }));
    }
    next();
  });

  /** The schemas check an authority id's form; whether its policy is loaded is data. */
  function unknownAuthority(value: unknown, path: string): FieldError[] {
    const authority = value && typeof value === 'object' ? (value as { authority?: unknown }).authority : undefined;
    if (typeof authority !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(authority) || policies.has(authority)) return [];
    return [{ path, message: `no policy is loaded for authority '${authority}' (GET /v1/policies lists them)` }];
  }

  /** Registers one route of the table: validation from its schemas, then the handler. */
  function route(spec: RouteSpec, handler: (ctx: Ctx) => unknown, gate?: (p: Principal) => void) {
    app[spec.method](expressPath(spec.path), async (req: AuthedRequest, res: Response) => {
      const principal = req.principal!;
      if (spec.auth) gate?.(principal);
      const params = parse(spec.params, { ...req.params }, 'path') as Record<string, string>;
      // Probes and browsers on the open endpoints may add query strings; /v1 rejects unknown ones.
      const query = spec.auth
        ? (parse(spec.query, req.query ?? {}, 'query', unknownAuthority(req.query, 'query.authority')) as Record<string, unknown>)
        : {};
      let body: unknown;
      if (spec.body) {
        if (req.is(['application/json', 'application/*+json']) === false) {
          throw new HttpProblem(415, 'Send the body as application/json');
        }
        body = parse(spec.body, req.body ?? {}, 'body', unknownAuthority(req.body, 'authority'));
      }
      await handler({ req, res, principal, params, query, body });
    });
  }

  // ------------------------------------------------------------------ open endpoints

  route(ROUTES.healthz, ({ res }) => res.json({ status: 'ok' }));
  route(ROUTES.readyz, async ({ res }) => {
    try {
      if (deps.isShuttingDown?.()) throw new NotReady([], 'The API is shutting down');
      await (deps.checkReady ?? (() => checkReadiness(client, { taskQueue, pollerMaxAgeMs: deps.readyPollerMaxAgeMs })))();
      res.json({ status: 'ready', temporal: 'reachable', worker: 'polling' });
    } catch (err) {
      const notReady = err instanceof NotReady ? err : new NotReady(['temporal'], 'Temporal is unreachable');
      sendProblem(res, new HttpProblem(503, notReady.message, { missing: notReady.missing }).toProblem(), { 'Retry-After': RETRY_AFTER_SECONDS });
    }
  });
  route(ROUTES.metrics, async ({ res }) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  route(ROUTES.openapi, ({ res }) => res.json(buildOpenApi()));
  route(ROUTES.docs, ({ res }) => res.type('html').send(DOCS_PAGE));
  app.use('/docs', ...swaggerUi.serveFiles(undefined, DOCS_OPTIONS));

  // ------------------------------------------------------------------ policies and preview

  route(ROUTES.policies, ({ res }) => res.json({ policies: policies.list() }));
  route(ROUTES.policy, ({ res, params }) => {
    const policy = policies.get(params.authority as AuthorityId);
    if (!policy) throw new HttpProblem(404, `No policy for authority ${params.authority}`);
    res.json(policy);
  });

  function scheduleFor(body: StartBody, transferId: string): { request: TransferRequest; schedule: Schedule } {
    const request: TransferRequest = { ...body, transferId } as TransferRequest;
    try {
      const schedule = policies.schedule({
        request,
        decidedOn: body.decidedOn ?? policies.today(),
        notifiedOn: body.notifiedOn,
        windowEnd: body.windowEnd,
        heldDays: 0,
      });
      const known = policies.triggerVocabulary?.(body.authority, '', body.kind);
      if (known && !known.events.includes(body.trigger.event)) {
        const message = `must be a trigger event of a ${body.kind} transfer: one of ${known.events.join(', ')}`;
        throw new HttpProblem(400, `trigger.event ${message}`, { errors: [{ path: 'trigger.event', message, allowed: known.events }] });
      }
      return { request, schedule };
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'NoPolicyInForceError') {
        throw new HttpProblem(400, (err as Error).message, { errors: [{ path: 'authority', message: (err as Error).message }] });
      }
      if (name === 'UnknownKindError') {
        throw new HttpProblem(400, (err as Error).message, { errors: [{ path: 'kind', message: (err as Error).message }] });
      }
      if (name === 'RangeError' || name === 'CalendarInputError') {
        throw new HttpProblem(400, (err as Error).message, { errors: [{ path: '(body)', message: (err as Error).message }] });
      }
      throw err;
    }
  }

  function refuseViolations(schedule: Schedule): void {
    if (!schedule.violations.length) return;
    throw new HttpProblem(409, schedule.violations.map((v) => `${v.rule}: ${v.message}`).join('; '), {
      type: `${PROBLEM_BASE}ruleviolation`,
      errors: schedule.violations.map(violationError),
      rules: schedule.violations.map((v) => v.rule),
      suggestions: schedule.violations.filter((v) => v.suggestion).map((v) => ({ rule: v.rule, date: v.suggestion })),
    });
  }

  route(ROUTES.preview, ({ res, body }) => {
    const start = body as StartBody;
    const { schedule } = scheduleFor(start, start.transferId ?? 'preview');
    refuseViolations(schedule);
    res.json({
      window: schedule.window,
      completion: schedule.completionTimer,
      deadlines: schedule.deadlines.map(({ metBy: _m, onMissed: _o, ...d }) => ({ ...d, state: 'pending' })),
      checklist: schedule.checklist.map((c) => ({ ...c, state: 'open' })),
      warnings: schedule.warnings,
      policyVersion: schedule.policyVersion,
      calendarVersion: schedule.calendarVersion,
    });
  });

  // ------------------------------------------------------------------ start

  route(
    ROUTES.start,
    async ({ res, principal, body }) => {
      const start = body as StartBody;
      if (!seesAll(principal) && sidesOf(principal, start).length === 0) {
        throw new HttpProblem(403, 'Managers start transfers only to or from their own teams');
      }
      const transferId = start.transferId ?? randomUUID();
      const { request, schedule } = scheduleFor(start, transferId);
      refuseViolations(schedule);
      const requestHash = canonicalHash({ ...start, transferId });
      const input: StartTransferInput = {
        request,
        requestHash,
        startedBy: actorOf(principal, sidesOf(principal, start)),
        receivedOn: policies.today(),
      };
      const workflowId = workflowIdFor(transferId);
      const location = `/v1/transfers/${transferId}`;
      const count = (outcome: string) => metrics.workflowStarts.inc({ authority: start.authority, outcome });
      // From here on the start may have reached Temporal even if the answer does not come back: a
      // 503 names the transferId so that the caller's retry is the idempotent start of the same one.
      const orRetryable = (err: unknown): never => {
        const problem = toHttpProblem(err);
        if (problem?.status !== 503) throw err;
        throw new HttpProblem(
          503,
          `${problem.message}. The transfer may have been started: send the same body again with "transferId": "${transferId}"; that is always safe and starts nothing twice`,
          { ...problem.extra, transferId, retrySafe: true },
          { ...problem.headers, Location: location },
        );
      };
      const conflict = () => {
        count('conflict');
        return new HttpProblem(409, `Transfer ${transferId} was already started with a different body`, { type: `${PROBLEM_BASE}conflict` });
      };
      // One round trip: the start and an update that answers the state once the start has
      // committed. A running transfer with this id gets only the update (which refuses another body).
      let answer: StartAnswer;
      try {
        answer = await temporal(() =>
          client.workflow.executeUpdateWithStart(startUpdate, {
            args: [{ requestHash }],
            startWorkflowOperation: new WithStartWorkflowOperation('caseTransfer', {
              workflowId,
              taskQueue,
              args: [input],
              workflowIdConflictPolicy: 'USE_EXISTING',
              workflowIdReusePolicy: 'REJECT_DUPLICATE',
              typedSearchAttributes: [
                { key: SA.authority, value: start.authority },
                { key: SA.kind, value: start.kind },
                { key: SA.status, value: 'identified' },
                { key: SA.teams, value: [start.from.team, start.to.team] },
                { key: SA.fromTeam, value: start.from.team },
                { key: SA.toTeam, value: start.to.team },
                { key: SA.escalated, value: false },
                { key: SA.overdue, value: false },
                { key: SA.deliveryFailed, value: false },
              ],
            }),
          }),
        );
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === 'Conflict') throw conflict();
        // A transfer that has finished answers no update; its state still says which body started it.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) orRetryable(err);
        const existing = await settledState(workflowId).catch(orRetryable);
        if (existing.requestHash !== requestHash) throw conflict();
        count('existing');
        return res.status(200).location(location).json(existing);
      }
      count(answer.first ? 'started' : 'existing');
      res.status(answer.first ? 201 : 200).location(location).json(answer.state);
    },
    (p) => {
      if (!isIntegration(p) && !isManager(p)) throw new HttpProblem(403, 'Only integrations and managers start transfers');
    },
  );

  // ------------------------------------------------------------------ read

  route(ROUTES.get, async ({ res, principal, params }) => {
    res.json(await transfers.visibleState(principal, params.id));
  });

  route(
    ROUTES.list,
    async ({ res, principal, query }) => {
      const teams = seesAll(principal) ? undefined : principal.teams;
      res.json(await temporal(() => listTransfers(client, query as Parameters<typeof listTransfers>[1], teams)));
    },
    (p) => {
      if (!seesAll(p) && !isManager(p)) throw new HttpProblem(403, 'Listing is for operators, integrations and managers');
    },
  );

  // ------------------------------------------------------------------ events

  function eventRoute(
    spec: RouteSpec,
    build: (body: Record<string, unknown>, params: Record<string, string>, key: string, p: Principal) => Record<string, unknown>,
    /** A check that needs the payload and the transfer, e.g. which side sends which remediation. */
    authorise?: (payload: Record<string, unknown>, actor: Actor) => void,
    check?: (payload: Record<string, unknown>, state: TransferState) => void,
  ) {
    const name = spec.event as EventName;
    route(
      spec,
      async ({ req, res, principal, params, body }) => {
        const sentKey = parse(eventHeadersSchema, { 'Idempotency-Key': req.header('idempotency-key') }, 'header')['Idempotency-Key'];
        // Without a key each request is a new event; a generated key still lets a caller who got a
        // 503 retry that very request safely.
        const key = sentKey ?? randomUUID();
        const payload = build(body as Record<string, unknown>, params, key, principal);
        let outcome = 'error';
        try {
          const next = await transfers.send({
            principal,
            name,
            transferId: params.id,
            payload,
            key,
            scope: `${spec.method}:${spec.path}`,
            authorise,
            check,
          });
          outcome = 'accepted';
          res.json(next);
        } catch (err) {
          const problem = toHttpProblem(err);
          if (outcome !== 'accepted') outcome = String(problem?.status ?? 500);
          if (problem?.status !== 503) throw err;
          // The update may have been applied even though its answer was lost.
          throw new HttpProblem(
            503,
            `${problem.message}. The event may or may not have been recorded: retry with the Idempotency-Key ${sentKey ? 'you sent' : `"${key}"`}; that is always safe and records it at most once`,
            { ...problem.extra, idempotencyKey: key, retrySafe: true },
            { ...problem.headers, 'Idempotency-Key': key },
          );
        } finally {
          metrics.workflowEvents.inc({ event: name, outcome });
        }
      },
      (p) => {
        if (!mayEverSend(EVENT_PERMISSIONS[name], p)) throw new HttpProblem(403, `Your role may not record ${name}`);
      },
    );
  }

  const same = (body: Record<string, unknown>) => body;
  const exceptionIdFor = (key: string, p: Principal) => `exc-${createHash('sha256').update(`${p.sub}:${key}`).digest('hex').slice(0, 12)}`;

  eventRoute(ROUTES.notification, same);
  eventRoute(ROUTES.acknowledgement, same);
  eventRoute(ROUTES.allocation, same);
  eventRoute(ROUTES.checklistItem, (body, params) => ({ ...body, itemId: params.itemId }));
  eventRoute(ROUTES.checklistReopen, (body, params) => ({ ...body, state: 'open', itemId: params.itemId }));
  eventRoute(ROUTES.meeting, same);
  eventRoute(ROUTES.exceptionRequest, (body, _params, key, p) => ({ ...body, exceptionId: exceptionIdFor(key, p) }));
  eventRoute(ROUTES.exceptionDecision, (body, params) => ({ ...body, exceptionId: params.exceptionId }));
  eventRoute(ROUTES.escalationResponse, (body, params) => ({ ...body, escalationId: params.escalationId }));
  eventRoute(ROUTES.raiseEscalation, same);
  eventRoute(ROUTES.decision, same);
  // An event or outcome the kind does not know is a bad request, naming what it does know.
  eventRoute(ROUTES.trigger, same, undefined, (payload, state) => {
    const known = policies.triggerVocabulary?.(state.authority, state.policyVersion, state.kind);
    if (!known) return;
    const events = [...new Set([...known.events, state.trigger.event])];
    const errors: { path: string; message: string; allowed: string[] }[] = [];
    if (!events.includes(String(payload.event))) {
      errors.push({ path: 'event', message: `must be a trigger event of a ${state.kind} transfer: one of ${events.join(', ')}`, allowed: events });
    }
    if (payload.outcome !== undefined && !known.outcomes.includes(String(payload.outcome))) {
      const message = known.outcomes.length ? `must be an outcome of a ${state.kind} transfer: one of ${known.outcomes.join(', ')}` : `a ${state.kind} transfer's trigger events carry no outcome`;
      errors.push({ path: 'outcome', message, allowed: known.outcomes });
    }
    if (errors.length) throw new HttpProblem(400, errors.map((e) => `${e.path} ${e.message}`).join('; '), { errors });
  });
  eventRoute(ROUTES.remediation, same, (payload, actor) => {
    const side: Side = payload.items ? 'receiving' : 'transferring';
    if (!actor.sides.includes(side)) {
      throw new HttpProblem(403, payload.items ? 'The receiving side lists record defects' : 'The transferring side marks defects fixed');
    }
  });
  eventRoute(ROUTES.cancellation, same);
  eventRoute(ROUTES.rejection, same);
  eventRoute(ROUTES.completion, same);

  // ------------------------------------------------------------------ errors

  app.use((_req: Request, _res: Response, next: NextFunction) => next(new HttpProblem(404, 'No such resource')));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; statusCode?: number; expose?: boolean; message?: string };
    if (e?.type === 'entity.parse.failed') {
      // The parser takes only objects and arrays: `null` or `"text"` is JSON, just not a body.
      const json = (() => {
        try {
          JSON.parse(String((err as { body?: unknown }).body));
          return true;
        } catch {
          return false;
        }
      })();
      const [detail, message] = json ? ['The body must be a JSON object', 'must be a JSON object'] : ['The body is not valid JSON', 'malformed JSON'];
      return sendProblem(res, new HttpProblem(400, detail, { errors: [{ path: '(body)', message }] }).toProblem());
    }
    if (e?.type === 'entity.too.large') return sendProblem(res, new HttpProblem(413, 'The body is larger than 256 kB').toProblem());
    const problem = toHttpProblem(err);
    if (problem) {
      const headers = problem.status === 503 ? { 'Retry-After': RETRY_AFTER_SECONDS, ...problem.headers } : problem.headers;
      return sendProblem(res, problem.toProblem(), headers);
    }
    // Errors from the body parser and the router (bad charset, bad encoding, malformed URL escape).
    const status = e?.status ?? e?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendProblem(res, new HttpProblem(status, e.expose && e.message ? e.message : 'The request is malformed').toProblem());
    }
    // Duck-typed: a gRPC error may come from another realm (a test sandbox), and its code says most.
    const cause = (err as { cause?: { name?: unknown; message?: unknown; code?: unknown } })?.cause;
    const causeLine = cause && typeof cause === 'object' && typeof cause.message === 'string' ? `${String(cause.name)}${typeof cause.code === 'number' ? ` (gRPC ${cause.code})` : ''}: ${cause.message}` : undefined;
    (req.log ?? logger).error(
      { failure: { type: (err as Error)?.name, message: (err as Error)?.message, cause: causeLine, stack: (err as Error)?.stack } },
      'unhandled error',
    );
    sendProblem(res, new HttpProblem(500, 'Something went wrong; the request was not applied').toProblem());
  });

  return app;
}

// The maintained Swagger UI (swagger-ui-express, assets from swagger-ui-dist), reading /openapi.json;
// "Try it out" calls the running API with the bearer token entered under Authorize.
const DOCS_OPTIONS = { customSiteTitle: 'Case transfers API', swaggerOptions: { url: '/openapi.json', persistAuthorization: false } };
// Its page names its assets relative to /docs/; served at /docs they must be absolute.
const DOCS_PAGE = swaggerUi.generateHTML(undefined, DOCS_OPTIONS).replace(/(href|src)=(["'])\.\//g, '$1=$2/docs/');
