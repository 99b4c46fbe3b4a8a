// The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with
// (zod's own JSON Schema output; OpenAPI 3.1 uses JSON Schema 2020-12 directly).
import { z } from 'zod';
import { ROUTE_LIST, type RouteSpec } from './routes';

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The path, query or body does not match the schema; `errors` lists every offending field',
  401: 'No bearer token, or a bad or expired one',
  403: 'The actor may not do this to this transfer',
  404: 'No such transfer (or exception, escalation, checklist item, policy)',
  405: 'The path exists but not with this method',
  409: 'Not valid in the transfer\'s current state, a rule refuses it, or the same id or Idempotency-Key was used with a different body',
  413: 'The body is larger than 256 kB',
  415: 'The body is not JSON',
  429: 'Too many requests for this token subject; see Retry-After',
  431: 'The URL and headers together are larger than 16 kB',
  503: 'Temporal (or the identity provider) is unreachable or busy, or no worker is running; see Retry-After',
};

/** Answered before any route runs, so every operation can give them. */
const ANY_ROUTE_PROBLEMS = [431];

const problemRef = { $ref: '#/components/schemas/Problem' };

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function parameters(spec: RouteSpec): unknown[] {
  const params: unknown[] = [];
  const add = (schema: z.ZodType, where: 'path' | 'query') => {
    const js = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, s] of Object.entries(js.properties ?? {})) {
      params.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: s });
    }
  };
  add(spec.params, 'path');
  add(spec.query, 'query');
  if (spec.event) {
    params.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'A retry with the same key (and body) returns the first answer and records nothing twice',
      schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' },
    });
  }
  return params;
}

function responses(spec: RouteSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const ok of spec.ok) {
    const contentType = ok.contentType ?? 'application/json';
    out[String(ok.status)] = {
      description: ok.description,
      ...(ok.headers ? { headers: Object.fromEntries(Object.entries(ok.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) } : {}),
      content: { [contentType]: { schema: ok.schema ? jsonSchema(ok.schema, 'output') : { type: contentType === 'application/json' ? 'object' : 'string' } } },
    };
  }
  for (const status of [...spec.problems, ...ANY_ROUTE_PROBLEMS]) {
    const retry = status === 429 || status === 503;
    out[String(status)] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? 'Error',
      ...(retry ? { headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } } } : {}),
      content: { 'application/problem+json': { schema: problemRef } },
    };
  }
  return out;
}

let cached: unknown;
export function buildOpenApi(): unknown {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of ROUTE_LIST) {
    paths[spec.path] ??= {};
    paths[spec.path][spec.method] = {
      summary: spec.summary,
      description: `Who: ${spec.who}.`,
      parameters: parameters(spec),
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } } } : {}),
      responses: responses(spec),
      ...(spec.auth ? { security: [{ bearer: [] }] } : { security: [] }),
    };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Case transfers API',
      version: '1.0.0',
      description: 'See shared/API.md for the contract outline. Unknown body fields and query parameters are rejected (400).',
    },
    paths,
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details',
          required: ['type', 'title', 'status'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['path', 'message'],
                properties: {
                  path: { type: 'string' },
                  message: { type: 'string' },
                  rule: { type: 'string' },
                  earliestOn: { type: 'string', format: 'date', description: 'the earliest date the rule allows' },
                  latestOn: { type: 'string', format: 'date', description: 'the latest date the rule allows' },
                  allowed: { type: 'array', items: { type: 'string' }, description: 'the values the field may take (e.g. the trigger events of the kind)' },
                },
              },
            },
          },
        },
      },
    },
  };
  return cached;
}
