// The HTTP layer: authenticates, authorises by role and team, validates with zod, and turns each
// request into a workflow start, query or update. It holds no state of its own.
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { z } from 'zod';
import {
  EVENT_PERMISSIONS,
  SA,
  TASK_QUEUE,
  eventUpdates,
  getStateQuery,
  highestRank,
  isPermitted,
  workflowIdFor,
  type Actor,
  type AuthorityId,
  type EventName,
  type Schedule,
  type ScheduleFacts,
  type Side,
  type StartTransferInput,
  type TransferRequest,
  type TransferState,
} from '../workflows/definitions';
import type { Principal, TokenVerifier } from './auth';
import { fromZod, HttpProblem, sendProblem } from './problem';
import { eventBodySchemas, listQuerySchema, startBodySchema, transferIdParam, type StartBody } from './schemas';
import { toHttpProblem } from './temporal-errors';
import { listTransfers } from './listing';
import { buildOpenApi } from './openapi';

export interface PolicyService {
  /** Throws UnknownKindError for a kind the authority does not have. */
  schedule(facts: ScheduleFacts): Schedule;
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
  /** Throws when Temporal cannot be reached. */
  checkReady?: () => Promise<void>;
}

type AuthedRequest = Request & { principal?: Principal };

const MANAGER_OR_INTEGRATION = (p: Principal) => p.roles.includes('integration') || highestRank(actorOf(p, [])) >= 0;

function actorOf(p: Principal, sides: Side[]): Actor {
  return { id: p.sub, roles: p.roles, sides, kind: p.roles.includes('integration') ? 'integration' : 'person' };
}

function sidesOf(p: Principal, t: { from: { team: string }; to: { team: string } }): Side[] {
  const sides: Side[] = [];
  if (p.teams.includes(t.from.team)) sides.push('transferring');
  if (p.teams.includes(t.to.team)) sides.push('receiving');
  return sides;
}

function seesAll(p: Principal): boolean {
  return p.roles.includes('operator') || p.roles.includes('integration');
}

/** Canonical JSON (sorted keys) so that the same body always hashes the same. */
export function canonicalHash(value: unknown): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]))
        : v;
  return createHash('sha256').update(JSON.stringify(canon(value))).digest('hex');
}

function parse<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'path'): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw fromZod(r.error, where);
  return r.data;
}

export function createApp(deps: AppDeps) {
  const { client, policies } = deps;
  const taskQueue = deps.taskQueue ?? TASK_QUEUE;
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '256kb', type: ['application/json', 'application/*+json'] }));

  const authenticate = async (req: AuthedRequest, _res: Response, next: NextFunction) => {
    const header = req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) return next(new HttpProblem(401, 'A bearer token is required'));
    try {
      req.principal = await deps.verifyToken(m[1]);
      next();
    } catch (err) {
      next(err);
    }
  };

  // ------------------------------------------------------------------ open endpoints

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await (deps.checkReady ?? (() => client.workflowService.getSystemInfo({})))();
      res.json({ status: 'ready', temporal: 'reachable' });
    } catch {
      res.setHeader('Retry-After', '5');
      sendProblem(res, new HttpProblem(503, 'Temporal is unreachable').toProblem());
    }
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(buildOpenApi());
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });

  const v1 = express.Router();
  v1.use(authenticate);

  // ------------------------------------------------------------------ policies and preview

  v1.get('/policies', (_req, res) => {
    res.json({ policies: policies.list() });
  });
  v1.get('/policies/:authority', (req, res) => {
    const policy = policies.get(req.params.authority as AuthorityId);
    if (!policy) throw new HttpProblem(404, `No policy for authority ${req.params.authority}`);
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
      return { request, schedule };
    } catch (err) {
      if ((err as Error).name === 'UnknownKindError') {
        throw new HttpProblem(400, (err as Error).message, { errors: [{ path: 'kind', message: (err as Error).message }] });
      }
      if ((err as Error).name === 'RangeError' || (err as Error).name === 'CalendarInputError') {
        throw new HttpProblem(400, (err as Error).message, { errors: [{ path: '(body)', message: (err as Error).message }] });
      }
      throw err;
    }
  }

  function refuseViolations(schedule: Schedule): void {
    if (!schedule.violations.length) return;
    throw new HttpProblem(409, schedule.violations.map((v) => `${v.rule}: ${v.message}`).join('; '), {
      type: 'https://case-transfers.invalid/problems/ruleviolation',
      errors: schedule.violations.map((v) => ({ path: v.field ?? '(body)', message: v.message, rule: v.rule })),
      rules: schedule.violations.map((v) => v.rule),
      suggestions: schedule.violations.filter((v) => v.suggestion).map((v) => ({ rule: v.rule, date: v.suggestion })),
    });
  }

  v1.post('/transfers/preview', (req: AuthedRequest, res) => {
    const body = parse(startBodySchema, req.body, 'body');
    const { schedule } = scheduleFor(body, body.transferId ?? 'preview');
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

  v1.post('/transfers', async (req: AuthedRequest, res) => {
    const principal = req.principal!;
    if (!MANAGER_OR_INTEGRATION(principal)) throw new HttpProblem(403, 'Only integrations and managers start transfers');
    const body = parse(startBodySchema, req.body, 'body');
    if (!seesAll(principal) && sidesOf(principal, body).length === 0) {
      throw new HttpProblem(403, 'Managers start transfers only for their own teams');
    }
    const transferId = body.transferId ?? randomUUID();
    const { request, schedule } = scheduleFor(body, transferId);
    refuseViolations(schedule);
    const requestHash = canonicalHash({ ...body, transferId });
    const input: StartTransferInput = {
      request,
      requestHash,
      startedBy: actorOf(principal, sidesOf(principal, body)),
      receivedOn: policies.today(),
    };
    const workflowId = workflowIdFor(transferId);
    try {
      await client.workflow.start('caseTransfer', {
        workflowId,
        taskQueue,
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: SA.authority, value: body.authority },
          { key: SA.kind, value: body.kind },
          { key: SA.status, value: 'identified' },
          { key: SA.teams, value: [body.from.team, body.to.team] },
          { key: SA.fromTeam, value: body.from.team },
          { key: SA.toTeam, value: body.to.team },
          { key: SA.escalated, value: false },
          { key: SA.overdue, value: false },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const existing = await client.workflow.getHandle(workflowId).query(getStateQuery);
      if (existing.requestHash !== requestHash) {
        throw new HttpProblem(409, `Transfer ${transferId} was already started with a different body`);
      }
      return res.status(200).json(existing);
    }
    const state = await client.workflow.getHandle(workflowId).query(getStateQuery);
    res.status(201).location(`/v1/transfers/${transferId}`).json(state);
  });

  // ------------------------------------------------------------------ read

  async function loadState(id: string): Promise<TransferState> {
    const transferId = parse(transferIdParam, id, 'path');
    return client.workflow.getHandle(workflowIdFor(transferId)).query(getStateQuery);
  }

  v1.get('/transfers/:id', async (req: AuthedRequest, res) => {
    const state = await loadState(req.params.id as string);
    const p = req.principal!;
    if (!seesAll(p) && sidesOf(p, state).length === 0) {
      throw new HttpProblem(403, 'Only the transfer\'s teams, operators and integrations may see it');
    }
    res.json(state);
  });

  v1.get('/transfers', async (req: AuthedRequest, res) => {
    const p = req.principal!;
    const query = parse(listQuerySchema, req.query, 'query');
    if (!seesAll(p) && highestRank(actorOf(p, [])) < 0) {
      throw new HttpProblem(403, 'Listing is for operators, integrations and managers');
    }
    const teams = seesAll(p) ? undefined : p.teams;
    res.json(await listTransfers(client, query, teams));
  });

  // ------------------------------------------------------------------ events

  function eventRoute(
    path: string,
    name: EventName,
    build: (req: AuthedRequest) => Record<string, unknown>,
    method: 'post' | 'delete' = 'post',
  ) {
    v1[method](path, async (req: AuthedRequest, res) => {
      const payload = build(req);
      const state = await loadState(req.params.id as string);
      const p = req.principal!;
      const actor = actorOf(p, sidesOf(p, state));
      if (!seesAll(p) && actor.sides.length === 0) {
        throw new HttpProblem(403, 'Only people on the transfer\'s teams may act on it');
      }
      if (!isPermitted(EVENT_PERMISSIONS[name], actor, state.people.allocatedSocialWorker.id)) {
        throw new HttpProblem(403, `Your role may not record ${name} on this transfer`);
      }
      const key = req.header('idempotency-key');
      if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)) {
        throw new HttpProblem(400, 'Idempotency-Key must be 1-200 visible ASCII characters', {
          errors: [{ path: 'header.Idempotency-Key', message: 'must be 1-200 visible ASCII characters' }],
        });
      }
      const updateId = key
        ? createHash('sha256').update(`${method}:${req.route.path}:${req.params.id}:${p.sub}:${key}`).digest('hex')
        : randomUUID();
      const handle = client.workflow.getHandle(workflowIdFor(state.transferId));
      const next = await handle.executeUpdate(eventUpdates[name] as never, {
        args: [{ eventId: updateId, actor, payload }],
        updateId,
      });
      res.json(next);
    });
  }

  const body = <T extends z.ZodType>(schema: T) => (req: AuthedRequest) => parse(schema, req.body ?? {}, 'body') as Record<string, unknown>;
  const idFromKey = (req: AuthedRequest, prefix: string) => {
    const key = req.header('idempotency-key');
    return `${prefix}-${(key ? createHash('sha256').update(`${req.principal!.sub}:${key}`).digest('hex') : randomUUID().replace(/-/g, '')).slice(0, 12)}`;
  };

  eventRoute('/transfers/:id/notification', 'notification', body(eventBodySchemas.notification));
  eventRoute('/transfers/:id/acknowledgement', 'acknowledgement', body(eventBodySchemas.acknowledgement));
  eventRoute('/transfers/:id/allocation', 'allocation', body(eventBodySchemas.allocation));
  eventRoute('/transfers/:id/checklist/:itemId', 'checklistItem', (req) => ({
    ...body(eventBodySchemas.checklistItem)(req),
    itemId: parse(transferIdParam.or(startBodySchema.shape.kind), req.params.itemId, 'path'),
  }));
  eventRoute(
    '/transfers/:id/checklist/:itemId',
    'checklistItem',
    (req) => ({
      ...body(eventBodySchemas.checklistReopen)(req),
      state: 'open',
      itemId: parse(transferIdParam.or(startBodySchema.shape.kind), req.params.itemId, 'path'),
    }),
    'delete',
  );
  eventRoute('/transfers/:id/meeting', 'meeting', body(eventBodySchemas.meeting));
  eventRoute('/transfers/:id/exceptions', 'exceptionRequest', (req) => ({
    ...body(eventBodySchemas.exceptionRequest)(req),
    exceptionId: idFromKey(req, 'exc'),
  }));
  eventRoute('/transfers/:id/exceptions/:exceptionId/approval', 'exceptionDecision', (req) => ({
    ...body(eventBodySchemas.exceptionDecision)(req),
    exceptionId: parse(transferIdParam, req.params.exceptionId, 'path'),
  }));
  eventRoute('/transfers/:id/escalations/:escalationId/response', 'escalationResponse', (req) => ({
    ...body(eventBodySchemas.escalationResponse)(req),
    escalationId: parse(transferIdParam, req.params.escalationId, 'path'),
  }));
  eventRoute('/transfers/:id/decision', 'decision', body(eventBodySchemas.decision));
  eventRoute('/transfers/:id/trigger', 'trigger', body(eventBodySchemas.trigger));
  eventRoute('/transfers/:id/remediation', 'remediation', body(eventBodySchemas.remediation));
  eventRoute('/transfers/:id/cancellation', 'cancellation', body(eventBodySchemas.cancellation));
  eventRoute('/transfers/:id/rejection', 'rejection', body(eventBodySchemas.rejection));

  app.use('/v1', v1);

  // ------------------------------------------------------------------ errors

  app.use((_req, _res, next) => next(new HttpProblem(404, 'No such resource')));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.parse.failed') {
      return sendProblem(res, new HttpProblem(400, 'The body is not valid JSON', { errors: [{ path: '(body)', message: 'malformed JSON' }] }).toProblem());
    }
    if (e?.type === 'entity.too.large') return sendProblem(res, new HttpProblem(413, 'The body is too large').toProblem());
    if (e?.type && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      return sendProblem(res, new HttpProblem(e.status, e.message ?? 'Bad request').toProblem());
    }
    const problem = toHttpProblem(err);
    if (problem) {
      if (problem.status === 503) res.setHeader('Retry-After', '5');
      return sendProblem(res, problem.toProblem());
    }
    console.error(JSON.stringify({ level: 'error', msg: 'unhandled error', error: (err as Error)?.name, message: (err as Error)?.message }));
    sendProblem(res, new HttpProblem(500, 'Something went wrong; the request was not applied').toProblem());
  });

  return app;
}

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Case transfers API</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
code,pre{background:#f4f4f4;padding:.1rem .3rem}details{margin:.4rem 0}</style></head>
<body><h1>Case transfers API</h1><p>The OpenAPI document is at <a href="/openapi.json">/openapi.json</a>.</p>
<div id="ops">Loading…</div>
<script>
fetch('/openapi.json').then(r=>r.json()).then(doc=>{
  const root=document.getElementById('ops'); root.textContent='';
  for (const [path, ops] of Object.entries(doc.paths)) for (const [verb, op] of Object.entries(ops)) {
    const d=document.createElement('details'); const s=document.createElement('summary');
    s.innerHTML='<code>'+verb.toUpperCase()+' '+path+'</code> '+(op.summary||''); d.appendChild(s);
    const pre=document.createElement('pre'); pre.textContent=JSON.stringify(op,null,2); d.appendChild(pre); root.appendChild(d);
  }
});
</script></body></html>`;
