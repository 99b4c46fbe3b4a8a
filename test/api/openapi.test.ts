// The OpenAPI document against the app itself: every route Express has is documented and every
// documented operation exists, with its parameters, body schema (the validating zod schema) and
// every response it can give. No Temporal needed.
import { execFile } from 'node:child_process';
import request from 'supertest';
import { z } from 'zod';
import { buildOpenApi } from '../../api/openapi';
import { ROUTES } from '../../api/routes';
import { testApp, unreachableClient } from './helpers';

type Operation = {
  summary: string;
  description: string;
  parameters: { name: string; in: string; required: boolean; schema: unknown }[];
  requestBody?: { content: { 'application/json': { schema: Record<string, unknown> } } };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
  security: unknown[];
};
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, unknown>> };

let app: ReturnType<typeof testApp>;
let doc: Doc;

beforeAll(async () => {
  app = testApp(await unreachableClient());
  const res = await request(app).get('/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body as Doc;
});

/**
 * @apidevtools/swagger-parser's dependencies are ES modules, which Jest's CommonJS runtime cannot
 * load, so the validator runs in a plain Node process.
 */
function validateOpenApi(document: unknown): Promise<string> {
  const script = `
    let input = '';
    process.stdin.on('data', (c) => (input += c)).on('end', () => {
      require('@apidevtools/swagger-parser').validate(JSON.parse(input))
        .then(() => console.log('valid'), (e) => console.log(e.message));
    });`;
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['-e', script], { cwd: __dirname }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
    child.stdin!.end(JSON.stringify(document));
  });
}

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

test('it is a valid OpenAPI 3.1 document and the served copy is the generated one', async () => {
  expect(doc.openapi).toBe('3.1.0');
  await expect(validateOpenApi(doc)).resolves.toBe('valid');
  expect(doc).toEqual(JSON.parse(JSON.stringify(buildOpenApi())));
});

test('every route registered in Express is documented, and every documented operation is registered', () => {
  type Layer = { route?: { path: string; methods: Record<string, boolean> } };
  const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  const registered = stack
    .filter((l) => l.route)
    .flatMap((l) =>
      Object.keys(l.route!.methods)
        .filter((m) => m !== '_all')
        .map((m) => `${m.toUpperCase()} ${l.route!.path.replace(/:(\w+)/g, '{$1}')}`),
    );
  const documented = operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`);
  expect(new Set(registered).size).toBe(registered.length);
  expect([...registered].sort()).toEqual([...documented].sort());
  // And the contract's outline (shared/API.md) is all there.
  for (const op of [
    'POST /v1/transfers', 'POST /v1/transfers/preview', 'GET /v1/transfers/{id}', 'GET /v1/transfers',
    'POST /v1/transfers/{id}/notification', 'POST /v1/transfers/{id}/acknowledgement', 'POST /v1/transfers/{id}/allocation',
    'POST /v1/transfers/{id}/checklist/{itemId}', 'DELETE /v1/transfers/{id}/checklist/{itemId}', 'POST /v1/transfers/{id}/meeting',
    'POST /v1/transfers/{id}/exceptions', 'POST /v1/transfers/{id}/exceptions/{exceptionId}/approval',
    'POST /v1/transfers/{id}/escalations/{escalationId}/response', 'POST /v1/transfers/{id}/decision',
    'POST /v1/transfers/{id}/trigger', 'POST /v1/transfers/{id}/remediation', 'POST /v1/transfers/{id}/cancellation',
    'GET /v1/policies', 'GET /v1/policies/{authority}', 'GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /openapi.json', 'GET /docs',
  ]) {
    expect(documented).toContain(op);
  }
});

test('every operation declares its path parameters and documents every response it can give', () => {
  for (const { path, method, op } of operations()) {
    const where = `${method.toUpperCase()} ${path}`;
    const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    expect([where, op.parameters.filter((p) => p.in === 'path').map((p) => p.name).sort()]).toEqual([where, inPath]);
    expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    for (const [status, response] of Object.entries(op.responses)) {
      expect([where, status, Object.keys(response.content ?? {}).length > 0]).toEqual([where, status, true]);
      if (Number(status) >= 400) expect(Object.keys(response.content!)).toEqual(['application/problem+json']);
    }
    if (path.startsWith('/v1/')) {
      expect(op.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '429']));
    } else {
      expect(op.security).toEqual([]);
    }
    if (op.requestBody) {
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '413', '415']));
      // Strict objects: unknown fields are refused, and the document says so.
      const schema = op.requestBody.content['application/json'].schema;
      const objects = 'anyOf' in schema ? (schema.anyOf as Record<string, unknown>[]) : 'oneOf' in schema ? (schema.oneOf as Record<string, unknown>[]) : [schema];
      for (const o of objects) expect([where, o.additionalProperties]).toEqual([where, false]);
    }
  }
});

test('event routes take Idempotency-Key and answer 403, 404, 409 and 503', () => {
  for (const { path, method, op } of operations().filter((o) => /\/v1\/transfers\/\{id\}\//.test(o.path))) {
    const where = `${method.toUpperCase()} ${path}`;
    expect([where, op.parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key')]).toEqual([where, true]);
    expect([where, Object.keys(op.responses)]).toEqual([where, expect.arrayContaining(['200', '400', '401', '403', '404', '409', '503'])]);
  }
  expect(Object.keys(doc.paths['/v1/transfers'].post.responses)).toEqual(expect.arrayContaining(['201', '200', '409', '503']));
  expect(doc.paths['/v1/transfers'].get.parameters.map((p) => p.name)).toEqual(
    expect.arrayContaining(['authority', 'status', 'team', 'escalated', 'overdue', 'windowEndsBefore', 'pageSize', 'nextPageToken']),
  );
});

test('the bodies are the validating zod schemas, and every $ref resolves', () => {
  const { $schema: _, ...notification } = z.toJSONSchema(ROUTES.notification.body!, { io: 'input' }) as Record<string, unknown>;
  expect(doc.paths['/v1/transfers/{id}/notification'].post.requestBody!.content['application/json'].schema).toEqual(notification);
  const start = doc.paths['/v1/transfers'].post.requestBody!.content['application/json'].schema as { required: string[] };
  expect(start.required).toEqual(expect.arrayContaining(['authority', 'kind', 'children', 'from', 'to', 'people', 'trigger']));
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]);
  expect(refs.length).toBeGreaterThan(0);
  for (const ref of refs) {
    const target = ref.split('/').reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], doc);
    expect([ref, target !== undefined]).toEqual([ref, true]);
  }
});

test('/docs is Swagger UI, served from the package, reading this document, with its scripts allowed', async () => {
  const res = await request(app).get('/docs');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/text\/html/);
  const scripts = [...res.text.matchAll(/<script src=["']([^"']+)["']/g)].map((m) => m[1]);
  expect(scripts).toEqual(['/docs/swagger-ui-bundle.js', '/docs/swagger-ui-standalone-preset.js', '/docs/swagger-ui-init.js']);
  // No inline script: the default CSP (script-src 'self') lets the page run.
  expect(res.text).not.toMatch(/<script>\s*\S/);
  expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
  for (const src of scripts.slice(0, 2)) {
    const asset = await request(app).get(src);
    expect([src, asset.status, asset.headers['content-type']]).toEqual([src, 200, expect.stringMatching(/javascript/)]);
  }
  const init = await request(app).get('/docs/swagger-ui-init.js');
  expect(init.status).toBe(200);
  expect(init.text).toContain('"url": "/openapi.json"');
  expect((await request(app).get('/docs/swagger-ui.css')).status).toBe(200);
});
