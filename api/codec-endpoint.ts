// The codec endpoint (Temporal's remote codec protocol: POST {base}/encode and {base}/decode with
// `{payloads: [{metadata: {k: base64}, data: base64}]}`), so an operator can read transfers in
// the Temporal UI or with `temporal workflow show --codec-endpoint`. It decrypts children's data,
// so only operators may call it: a bearer token, or, for the UI in a browser, a cookie holding
// the same token, set by signing in at {base}/session. A browser may call it only from the
// Temporal UI's origin.
import type { Payload, PayloadCodec } from '@temporalio/common';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Principal, TokenVerifier } from './auth';
import { invalidToken } from './auth';
import { fromZod, HttpProblem } from './problem';

export interface CodecEndpointOptions {
  codec: PayloadCodec;
  /** The Temporal UI's origin; browsers from any other origin are refused. */
  allowedOrigin?: string;
  /** When set, a request naming another namespace (X-Namespace) is refused. */
  namespace?: string;
}

export const CODEC_COOKIE = 'ct_codec';
const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization, Authorization-Extras';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const payloadsBody = z.strictObject({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() }))
    .max(10_000),
});

const fromBase64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const toBase64 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('base64');

function toPayload(p: z.infer<typeof payloadsBody>['payloads'][number]): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, fromBase64(v)])),
    data: fromBase64(p.data ?? ''),
  };
}

function toJson(p: Payload) {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, toBase64(v)])),
    data: toBase64(p.data),
  };
}

function cookieToken(req: Request): string | undefined {
  for (const part of (req.header('cookie') ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CODEC_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

async function operator(verifyToken: TokenVerifier, token: string | undefined): Promise<Principal> {
  if (!token) throw invalidToken('A bearer token (or the codec session cookie) is required');
  const principal = await verifyToken(token);
  if (!principal.roles.includes('operator')) throw new HttpProblem(403, 'Only operators may use the codec endpoint');
  return principal;
}

const SESSION_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Codec sign-in</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}input{width:100%}</style></head>
<body><h1>Read transfers in the Temporal UI</h1>
<p>Children's data is encrypted in Temporal. Sign in with an operator token, and this browser may
decode payloads in the Temporal UI (in its Codec Server settings, tick "Include cross-origin credentials").</p>
<form method="post"><label>Operator token <input type="password" name="token" autocomplete="off" required></label>
<p><button type="submit">Sign in</button></p></form></body></html>`;

export function codecRouter(verifyToken: TokenVerifier, opts: CodecEndpointOptions): Router {
  const router = express.Router();

  // CORS for the Temporal UI's origin only; requests without an Origin (the CLI, servers) or
  // from this server's own origin pass.
  router.use((req: Request, res: Response, next: NextFunction) => {
    const origin = req.header('origin');
    // The sign-in form posts from this server's own origin.
    if (origin === undefined || origin === `${req.protocol}://${req.get('host')}`) return next();
    if (!opts.allowedOrigin || origin !== opts.allowedOrigin) {
      return next(new HttpProblem(403, 'This origin may not call the codec endpoint'));
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST');
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      return res.status(204).end();
    }
    next();
  });

  router.get('/session', (_req, res) => {
    // helmet's no-referrer would make the browser send `Origin: null` with the form.
    res.setHeader('Referrer-Policy', 'same-origin');
    res.type('html').send(SESSION_PAGE);
  });
  router.post('/session', express.urlencoded({ extended: false, limit: '16kb' }), async (req: Request, res: Response) => {
    const token = typeof req.body?.token === 'string' ? req.body.token.trim() : undefined;
    await operator(verifyToken, token);
    // The cookie carries the token itself, so it expires with it and is checked on every call.
    res.setHeader('Set-Cookie', `${CODEC_COOKIE}=${encodeURIComponent(token!)}; Path=/codec; HttpOnly; SameSite=Strict; Max-Age=28800`);
    res.type('html').send('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed in</title></head><body><p>Signed in: the Temporal UI can now decode payloads in this browser.</p></body></html>');
  });

  for (const direction of ['encode', 'decode'] as const) {
    router.post(`/${direction}`, express.json({ limit: '4mb' }), async (req: Request, res: Response) => {
      const bearer = /^Bearer +([^\s]+)$/i.exec(req.header('authorization') ?? '')?.[1];
      await operator(verifyToken, bearer ?? cookieToken(req));
      const namespace = req.header('x-namespace');
      if (opts.namespace && namespace && namespace !== opts.namespace) {
        throw new HttpProblem(403, `This codec serves namespace ${opts.namespace} only`);
      }
      const parsed = payloadsBody.safeParse(req.body);
      if (!parsed.success) throw fromZod(parsed.error, 'body');
      const payloads = parsed.data.payloads.map(toPayload);
      let out: Payload[];
      try {
        out = await (direction === 'encode' ? opts.codec.encode(payloads) : opts.codec.decode(payloads));
      } catch (err) {
        throw new HttpProblem(400, (err as Error).message, { errors: [{ path: 'payloads', message: (err as Error).message }] });
      }
      res.json({ payloads: out.map(toJson) });
    });
  }
  return router;
}
