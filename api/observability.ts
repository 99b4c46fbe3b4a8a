// Metrics and request logs. Labels and log fields carry route templates, methods, statuses,
// authorities and event names only: never a transfer id, a person, a token or a body.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import pino, { type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { routeLabel } from './routes';

export interface ApiMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  workflowStarts: Counter<'authority' | 'outcome'>;
  workflowEvents: Counter<'event' | 'outcome'>;
}

export function createMetrics(opts: { registry?: Registry; defaultMetrics?: boolean } = {}): ApiMetrics {
  const registry = opts.registry ?? new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    workflowStarts: new Counter({
      name: 'case_transfer_workflow_starts_total',
      help: 'POST /v1/transfers outcomes: started, existing (identical re-start), conflict',
      labelNames: ['authority', 'outcome'],
      registers: [registry],
    }),
    workflowEvents: new Counter({
      name: 'case_transfer_workflow_events_total',
      help: 'Events sent to transfer workflows by event name and outcome (accepted or the HTTP status)',
      labelNames: ['event', 'outcome'],
      registers: [registry],
    }),
  };
}

function pathOf(req: IncomingMessage): string {
  const url = (req as Request).originalUrl ?? req.url ?? '/';
  return url.split('?')[0];
}

export function metricsMiddleware(metrics: ApiMetrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const labels = { method: req.method, route: routeLabel(req.method, pathOf(req)), status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'case-transfers-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Request logging with a request id taken from X-Request-Id (when well formed) and echoed back. */
export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    wrapSerializers: false,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      // Deliberately not the standard serializers: those include headers (the token), the URL
      // and query string. A route template is enough to find the request again by its id.
      req: (req: IncomingMessage & { id?: unknown }) => ({ id: req.id, method: req.method, route: routeLabel(req.method ?? 'GET', pathOf(req)) }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      err: (err: Error) => ({ type: err?.name, message: err?.message, stack: err?.stack }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
    autoLogging: { ignore: (req) => ['/healthz', '/metrics'].includes(pathOf(req)) },
  });
}
