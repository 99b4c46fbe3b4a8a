// RFC 9457 problem details. Every error the API returns goes through here.
import type { Response } from 'express';
import type { ZodError } from 'zod';

export interface FieldError {
  path: string;
  message: string;
  rule?: string;
  /** A refused date: the first date the rule allows. */
  earliestOn?: string;
  /** A refused date: the last date the rule allows. */
  latestOn?: string;
  /** A value the kind does not know: the values it does. */
  allowed?: string[];
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorised',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  409: 'Conflict',
  411: 'Length required',
  413: 'Payload too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  431: 'Request header fields too large',
  500: 'Internal error',
  503: 'Service unavailable',
};

export const PROBLEM_BASE = 'https://case-transfers.invalid/problems/';

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly extra: Partial<Problem> = {},
    /** Response headers that belong to this problem (Retry-After, Allow, WWW-Authenticate). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  toProblem(): Problem {
    return {
      type: this.extra.type ?? `${PROBLEM_BASE}${this.status}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      detail: this.message,
      ...this.extra,
    };
  }
}

export function zodPath(path: readonly PropertyKey[], prefix = ''): string {
  const joined = path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
  return prefix ? (joined ? `${prefix}.${joined}` : prefix) : joined || '(root)';
}

type Issue = ZodError['issues'][number];

/**
 * One entry per offending field. An unknown key is named by its own path; a union of object shapes
 * reports the closest alternative's fields instead of a bare "Invalid input".
 */
function flatten(issues: readonly Issue[], base: readonly PropertyKey[] = []): { path: PropertyKey[]; message: string }[] {
  const out: { path: PropertyKey[]; message: string }[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...path, key], message: 'unknown field' });
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // The closest is the shape that knows the keys the caller sent, then the one with fewest faults.
      const foreign = (alt: readonly Issue[]) => alt.reduce((n, i) => n + (i.code === 'unrecognized_keys' && i.path.length === 0 ? i.keys.length : 0), 0);
      const best = [...issue.errors].sort((a, b) => foreign(a) - foreign(b) || a.length - b.length)[0];
      if (best.some((i) => i.path.length > 0 || i.code === 'unrecognized_keys')) out.push(...flatten(best, path));
      else out.push({ path, message: issue.message });
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}

export function fromZod(error: ZodError | undefined, where: 'body' | 'query' | 'path' | 'header', extra: FieldError[] = []): HttpProblem {
  const errors = [
    ...flatten(error?.issues ?? []).map((i) => ({ path: zodPath(i.path, where === 'body' ? '' : where), message: i.message })),
    ...extra,
  ];
  return new HttpProblem(400, `The ${where} does not match the schema: ${errors.length} invalid field(s)`, {
    type: `${PROBLEM_BASE}validation`,
    errors,
  });
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

/**
 * A whole HTTP/1.1 response carrying a problem, for errors Node's parser meets before Express sees
 * a request (headers or URL too large, malformed request line): written straight to the socket.
 */
export function rawProblemResponse(status: number, detail: string): string {
  const body = JSON.stringify(new HttpProblem(status, detail).toProblem());
  return [
    `HTTP/1.1 ${status} ${TITLES[status] ?? 'Error'}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}
