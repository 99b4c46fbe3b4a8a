// The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with
// (zod's own JSON Schema output; OpenAPI 3.1 uses JSON Schema 2020-12 directly).
import { z } from 'zod';
import { eventBodySchemas, listQuerySchema, startBodySchema } from './schemas';

type Op = { summary: string; who: string; body?: z.ZodType; ok?: number; query?: boolean };

const ROUTES: Record<string, Record<string, Op>> = {
  '/v1/transfers': {
    post: { summary: 'Start a transfer', who: 'integration, managers', body: startBodySchema, ok: 201 },
    get: { summary: 'List transfers (visibility query)', who: 'operator, integration, managers (own teams)', query: true },
  },
  '/v1/transfers/preview': {
    post: { summary: 'Deadlines and checklist a transfer would get; starts nothing', who: 'any authenticated', body: startBodySchema },
  },
  '/v1/transfers/{id}': { get: { summary: 'Current state of a transfer', who: 'operator, integration, the transfer\'s teams' } },
  '/v1/transfers/{id}/notification': { post: { summary: 'Written transfer notification; opens the window', who: 'transferring manager side', body: eventBodySchemas.notification } },
  '/v1/transfers/{id}/acknowledgement': { post: { summary: 'Receiving manager acknowledges', who: 'receiving manager side', body: eventBodySchemas.acknowledgement } },
  '/v1/transfers/{id}/allocation': { post: { summary: 'Receiving social worker identified', who: 'receiving manager side', body: eventBodySchemas.allocation } },
  '/v1/transfers/{id}/checklist/{itemId}': {
    post: { summary: 'Checklist item complete (or n/a, historic gap)', who: 'allocated social worker, managers of either side', body: eventBodySchemas.checklistItem },
    delete: { summary: 'Reopen a checklist item', who: 'allocated social worker, managers of either side', body: eventBodySchemas.checklistReopen },
  },
  '/v1/transfers/{id}/meeting': { post: { summary: 'Transfer meeting scheduled or held', who: 'managers of either side, allocated social worker', body: eventBodySchemas.meeting } },
  '/v1/transfers/{id}/exceptions': { post: { summary: 'Request an exception', who: 'managers of either side', body: eventBodySchemas.exceptionRequest } },
  '/v1/transfers/{id}/exceptions/{exceptionId}/approval': { post: { summary: 'Approve or reject an exception', who: 'managers at or above the policy\'s approver rank', body: eventBodySchemas.exceptionDecision } },
  '/v1/transfers/{id}/escalations/{escalationId}/response': { post: { summary: 'Answer an escalation', who: 'the person escalated to, or anyone above them', body: eventBodySchemas.escalationResponse } },
  '/v1/transfers/{id}/decision': { post: { summary: 'Allocation forum decision; starts decision clocks', who: 'managers of either side', body: eventBodySchemas.decision } },
  '/v1/transfers/{id}/trigger': { post: { summary: 'The trigger event happened', who: 'integration, managers of either side', body: eventBodySchemas.trigger } },
  '/v1/transfers/{id}/remediation': { post: { summary: 'Record defects (receiving) or a fix (transferring)', who: 'receiving / transferring manager side', body: eventBodySchemas.remediation } },
  '/v1/transfers/{id}/cancellation': { post: { summary: 'Cancel before completion', who: 'managers of either side, integration', body: eventBodySchemas.cancellation } },
  '/v1/transfers/{id}/rejection': { post: { summary: 'Refuse the transfer for a permitted reason', who: 'receiving manager side', body: eventBodySchemas.rejection } },
  '/v1/policies': { get: { summary: 'The rules in force for every authority', who: 'any authenticated' } },
  '/v1/policies/{authority}': { get: { summary: 'One authority\'s policy', who: 'any authenticated' } },
  '/healthz': { get: { summary: 'Liveness', who: 'anyone' } },
  '/readyz': { get: { summary: 'Readiness, with a round trip to Temporal', who: 'anyone' } },
  '/metrics': { get: { summary: 'Prometheus metrics', who: 'internal network' } },
};

const problem = { $ref: '#/components/schemas/Problem' };
const open = new Set(['/healthz', '/readyz', '/metrics']);

let cached: unknown;
export function buildOpenApi(): unknown {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, ops] of Object.entries(ROUTES)) {
    paths[path] = {};
    for (const [verb, op] of Object.entries(ops)) {
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
      if (op.query) {
        const qs = z.toJSONSchema(listQuerySchema, { io: 'input' }) as { properties: Record<string, unknown> };
        for (const [name, schema] of Object.entries(qs.properties)) params.push({ name, in: 'query', required: false, schema: schema as never });
      }
      if (op.body && verb === 'post' && path !== '/v1/transfers' && path !== '/v1/transfers/preview') {
        params.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } });
      }
      paths[path][verb] = {
        summary: op.summary,
        description: `Who: ${op.who}.`,
        parameters: params,
        ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(op.body, { io: 'input', target: 'draft-2020-12' }) } } } } : {}),
        responses: {
          [String(op.ok ?? 200)]: { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
          ...(open.has(path) ? {} : {
            400: { description: 'Invalid request', content: { 'application/problem+json': { schema: problem } } },
            401: { description: 'No or bad token', content: { 'application/problem+json': { schema: problem } } },
            403: { description: 'Not allowed', content: { 'application/problem+json': { schema: problem } } },
            404: { description: 'No such transfer', content: { 'application/problem+json': { schema: problem } } },
            409: { description: 'Conflict with the transfer\'s state or a rule', content: { 'application/problem+json': { schema: problem } } },
            503: { description: 'Temporal unreachable', content: { 'application/problem+json': { schema: problem } } },
          }),
        },
        ...(open.has(path) ? {} : { security: [{ bearer: [] }] }),
      };
    }
  }
  cached = {
    openapi: '3.1.0',
    info: { title: 'Case transfers API', version: '1.0.0', description: 'See shared/API.md for the contract outline.' },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' }, rule: { type: 'string' } } } },
          },
        },
      },
    },
  };
  return cached;
}
