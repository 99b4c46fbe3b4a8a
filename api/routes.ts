// The route table: every route's path, schemas and responses, written once. app.ts registers a
// handler for each entry and validates with its schemas; openapi.ts documents the same entries.
import type { z } from 'zod';
import type { EventName } from '../workflows/definitions';
import {
  eventBodySchemas,
  healthSchema,
  listQuerySchema,
  noQuery,
  pathSchemas,
  policyListSchema,
  policySchema,
  previewSchema,
  startBodySchema,
  transferListSchema,
  transferStateSchema,
} from './schemas';

export type Method = 'get' | 'post' | 'delete';

export interface SuccessResponse {
  status: number;
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface RouteSpec {
  method: Method;
  /** OpenAPI-style template, e.g. /v1/transfers/{id}. */
  path: string;
  summary: string;
  who: string;
  /** Needs a bearer token. */
  auth: boolean;
  params: z.ZodType;
  query: z.ZodType;
  body?: z.ZodType;
  /** Event routes: accepts Idempotency-Key, becomes a workflow update. */
  event?: EventName;
  ok: SuccessResponse[];
  /** Problem+json statuses this route can answer. */
  problems: number[];
}

const TRANSFER: SuccessResponse = { status: 200, description: 'The transfer after the event', schema: transferStateSchema };
const AUTHED = [401, 429, 503]; // 503 also when the identity provider's keys cannot be fetched
const WITH_BODY = [400, 413, 415];
const EVENT_PROBLEMS = [...WITH_BODY, ...AUTHED, 403, 404, 409, 503];

function event(name: EventName, path: string, summary: string, who: string, params: z.ZodType, method: Method = 'post'): RouteSpec {
  const body = name === 'checklistItem' && method === 'delete' ? eventBodySchemas.checklistReopen : eventBodySchemas[name];
  return { method, path, summary, who, auth: true, params, query: noQuery, body, event: name, ok: [TRANSFER], problems: EVENT_PROBLEMS };
}

export const ROUTES = {
  start: {
    method: 'post',
    path: '/v1/transfers',
    summary: 'Start a transfer',
    who: 'integration; managers, for transfers to or from one of their teams',
    auth: true,
    params: pathSchemas.none,
    query: noQuery,
    body: startBodySchema,
    ok: [
      { status: 201, description: 'Started', schema: transferStateSchema, headers: { Location: 'the transfer\'s URL' } },
      { status: 200, description: 'Already started with an identical body: the same transfer', schema: transferStateSchema },
    ],
    problems: [...WITH_BODY, ...AUTHED, 403, 409, 503],
  },
  preview: {
    method: 'post',
    path: '/v1/transfers/preview',
    summary: 'The deadlines and checklist a transfer would get; starts nothing',
    who: 'any authenticated',
    auth: true,
    params: pathSchemas.none,
    query: noQuery,
    body: startBodySchema,
    ok: [{ status: 200, description: 'What the transfer would get', schema: previewSchema }],
    problems: [...WITH_BODY, ...AUTHED, 409],
  },
  list: {
    method: 'get',
    path: '/v1/transfers',
    summary: 'List transfers (Temporal visibility; eventually consistent)',
    who: 'operator, integration; managers see transfers of their own teams only',
    auth: true,
    params: pathSchemas.none,
    query: listQuerySchema,
    ok: [{ status: 200, description: 'One page', schema: transferListSchema }],
    problems: [400, ...AUTHED, 403, 503],
  },
  get: {
    method: 'get',
    path: '/v1/transfers/{id}',
    summary: 'The current state of a transfer',
    who: 'operator, integration, people on the transfer\'s teams',
    auth: true,
    params: pathSchemas.transfer,
    query: noQuery,
    ok: [{ status: 200, description: 'The transfer', schema: transferStateSchema }],
    problems: [400, ...AUTHED, 403, 404, 503],
  },
  notification: event('notification', '/v1/transfers/{id}/notification', 'The written transfer notification; opens the window', 'managers on the transferring side', pathSchemas.transfer),
  acknowledgement: event('acknowledgement', '/v1/transfers/{id}/acknowledgement', 'The receiving manager acknowledges the notification', 'managers on the receiving side', pathSchemas.transfer),
  allocation: event('allocation', '/v1/transfers/{id}/allocation', 'The receiving social worker is identified', 'managers on the receiving side', pathSchemas.transfer),
  checklistItem: event('checklistItem', '/v1/transfers/{id}/checklist/{itemId}', 'A checklist item is complete (or n/a, or a historic gap)', 'the allocated social worker, managers of either side', pathSchemas.checklistItem),
  checklistReopen: event('checklistItem', '/v1/transfers/{id}/checklist/{itemId}', 'Reopen a checklist item, with a reason', 'the allocated social worker, managers of either side', pathSchemas.checklistItem, 'delete'),
  meeting: event('meeting', '/v1/transfers/{id}/meeting', 'The transfer meeting is scheduled or held (held completes where the policy says so)', 'managers of either side, the allocated social worker', pathSchemas.transfer),
  exceptionRequest: event('exceptionRequest', '/v1/transfers/{id}/exceptions', 'Request an exception: extend-window, waive-items, hold, resume, cancel-transfer', 'managers of either side', pathSchemas.transfer),
  exceptionDecision: event('exceptionDecision', '/v1/transfers/{id}/exceptions/{exceptionId}/approval', 'Approve or reject an exception; it takes effect once every required side approved', 'managers at or above the policy\'s approver rank on a side still to approve', pathSchemas.exception),
  escalationResponse: event('escalationResponse', '/v1/transfers/{id}/escalations/{escalationId}/response', 'An escalated manager\'s answer; stops the escalation climbing', 'the person escalated to, or a manager above them on the same side', pathSchemas.escalation),
  raiseEscalation: event('raiseEscalation', '/v1/transfers/{id}/escalations', 'Raise an escalation the protocol describes (e.g. capacity, criteria dispute); the policy decides who it goes to and the respond-by', 'managers of either side, the allocated social worker (the policy names the sides per reason)', pathSchemas.transfer),
  decision: event('decision', '/v1/transfers/{id}/decision', 'The allocation forum\'s decision; starts the clocks that count from it', 'managers of either side', pathSchemas.transfer),
  trigger: event('trigger', '/v1/transfers/{id}/trigger', 'The trigger event happened', 'integration, managers of either side', pathSchemas.transfer),
  remediation: event('remediation', '/v1/transfers/{id}/remediation', 'After completion: record defects (items) or mark one fixed (itemId)', 'managers on the receiving side to record defects; on the transferring side to mark one fixed', pathSchemas.transfer),
  cancellation: event('cancellation', '/v1/transfers/{id}/cancellation', 'Cancel before completion', 'managers of either side, integration', pathSchemas.transfer),
  rejection: event('rejection', '/v1/transfers/{id}/rejection', 'Refuse the transfer for a reason the policy permits', 'managers on the receiving side', pathSchemas.transfer),
  completion: event('completion', '/v1/transfers/{id}/completion', 'Manual completion, for kinds whose transfer point is a manual step; the same date rules as every other completion', 'managers of the rank and side the policy names (manualCompletion)', pathSchemas.transfer),
  policies: {
    method: 'get',
    path: '/v1/policies',
    summary: 'The rules in force for every authority',
    who: 'any authenticated',
    auth: true,
    params: pathSchemas.none,
    query: noQuery,
    ok: [{ status: 200, description: 'Every policy in outline', schema: policyListSchema }],
    problems: [400, ...AUTHED],
  },
  policy: {
    method: 'get',
    path: '/v1/policies/{authority}',
    summary: 'One authority\'s policy in full',
    who: 'any authenticated',
    auth: true,
    params: pathSchemas.policy,
    query: noQuery,
    ok: [{ status: 200, description: 'The policy', schema: policySchema }],
    problems: [400, ...AUTHED, 404],
  },
  healthz: {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness',
    who: 'anyone',
    auth: false,
    params: pathSchemas.none,
    query: noQuery,
    ok: [{ status: 200, description: 'The process is up', schema: healthSchema }],
    problems: [],
  },
  readyz: {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: a round trip to Temporal',
    who: 'anyone',
    auth: false,
    params: pathSchemas.none,
    query: noQuery,
    ok: [{ status: 200, description: 'Temporal is reachable', schema: healthSchema }],
    problems: [503],
  },
  metrics: {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    who: 'anyone on the internal network',
    auth: false,
    params: pathSchemas.none,
    query: noQuery,
    ok: [{ status: 200, description: 'Prometheus text exposition format', contentType: 'text/plain' }],
    problems: [],
  },
  openapi: {
    method: 'get',
    path: '/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    who: 'anyone',
    auth: false,
    params: pathSchemas.none,
    query: noQuery,
    ok: [{ status: 200, description: 'The document' }],
    problems: [],
  },
  docs: {
    method: 'get',
    path: '/docs',
    summary: 'A browsable page for this document',
    who: 'anyone',
    auth: false,
    params: pathSchemas.none,
    query: noQuery,
    ok: [{ status: 200, description: 'HTML', contentType: 'text/html' }],
    problems: [],
  },
} satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;
export const ROUTE_LIST: RouteSpec[] = Object.values(ROUTES);

export function expressPath(template: string): string {
  return template.replace(/\{(\w+)\}/g, ':$1');
}

const matchers = ROUTE_LIST.map((r) => ({
  spec: r,
  re: new RegExp(`^${r.path.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}/?$`),
}));

/** The templates matching a concrete path, e.g. for metrics labels and 405 answers. */
export function routesFor(path: string): RouteSpec[] {
  return matchers.filter((m) => m.re.test(path)).map((m) => m.spec);
}

const paramCount = (r: RouteSpec) => r.path.match(/\{/g)?.length ?? 0;

/**
 * The methods a concrete path answers, for Allow: a literal segment shadows a parameter, so
 * /v1/transfers/preview is POST only although /v1/transfers/{id} would match it too.
 * Undefined when no route has the path.
 */
export function allowFor(path: string): string[] | undefined {
  const candidates = routesFor(path);
  if (!candidates.length) return undefined;
  const fewest = Math.min(...candidates.map(paramCount));
  const methods = candidates.filter((r) => paramCount(r) === fewest).map((r) => r.method.toUpperCase());
  return [...new Set(methods.includes('GET') ? [...methods, 'HEAD'] : methods)];
}

/** The route template for metrics and logs: never a concrete id. */
export function routeLabel(method: string, path: string): string {
  const candidates = routesFor(path);
  // A literal segment wins over a parameter (/v1/transfers/preview over /v1/transfers/{id}).
  const byMethod = candidates.filter((r) => r.method === method.toLowerCase() || (method === 'HEAD' && r.method === 'get'));
  const pick = (list: RouteSpec[]) => [...list].sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0))[0];
  return (pick(byMethod) ?? pick(candidates))?.path ?? 'unmatched';
}
