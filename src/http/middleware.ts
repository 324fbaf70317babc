import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from '../logger.js';
import type { AppEnv } from './context.js';
import { requestHeader } from './incoming.js';
import { AppError, type ErrorCode, problemResponse } from './problem.js';

const INBOUND_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honours a sane inbound X-Request-Id, otherwise makes one; echoes it on the response. */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const inbound = requestHeader(c, 'x-request-id');
    const id = inbound && INBOUND_ID.test(inbound) ? inbound : crypto.randomUUID();
    c.set('requestId', id);
    c.header('X-Request-Id', id);
    await next();
  };
}

/** A child logger per request and exactly one completion line per request. */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const log = logger.child({ reqId: c.get('requestId') });
    c.set('log', log);
    await next();
    const status = c.res.status;
    // Only the path: query strings are the classic place for tokens to leak into logs.
    const line = {
      method: c.req.method,
      path: c.req.path,
      status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      ...c.get('logFields'),
    };
    if (status >= 500) log.error(line, 'request failed');
    else log.info(line, 'request');
  };
}

/** The one error handler: ours, Hono's, unknown. Unknown errors never reach the client. */
export function handleError(err: Error, c: Parameters<MiddlewareHandler<AppEnv>>[0]): Response {
  if (err instanceof AppError) return problemResponse(c, err);
  if (err instanceof HTTPException) {
    const status = err.status;
    const code: ErrorCode = status === 413 ? 'payload-too-large' : status === 401 ? 'unauthorized' : `http-${status}`;
    const title = status === 413 ? 'Payload too large' : status === 401 ? 'Unauthorized' : (err.message || 'Request failed');
    return problemResponse(c, new AppError(status as never, code, title, err.message || undefined));
  }
  const log = (c.get('log') as Logger | undefined) ?? undefined;
  log?.error({ err }, 'unhandled error');
  return problemResponse(c, new AppError(500, 'internal', 'Internal server error', 'Something went wrong on our side. Quote the request id when reporting it.'));
}
