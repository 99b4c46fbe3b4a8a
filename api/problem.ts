// RFC 9457 problem details. Every error the API returns goes through here.
import type { Response } from 'express';
import type { ZodError } from 'zod';

export interface FieldError {
  path: string;
  message: string;
  rule?: string;
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
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Service unavailable',
};

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly extra: Partial<Problem> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  toProblem(): Problem {
    return {
      type: this.extra.type ?? `https://case-transfers.invalid/problems/${this.status}`,
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

export function fromZod(error: ZodError, where: 'body' | 'query' | 'path' | 'header'): HttpProblem {
  const errors = error.issues.map((i) => ({ path: zodPath(i.path, where === 'body' ? '' : where), message: i.message }));
  return new HttpProblem(400, `The ${where} does not match the schema: ${errors.length} invalid field(s)`, {
    type: 'https://case-transfers.invalid/problems/validation',
    errors,
  });
}

export function sendProblem(res: Response, problem: Problem): void {
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}
