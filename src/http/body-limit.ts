import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './context.js';
import { problems } from './problem.js';

/**
 * A ceiling on every request body Hono reads for us (forms, JSON), declared or
 * streamed: past the limit the request is a 413 and the rest is never buffered.
 * Webhooks read Node's stream themselves with their own 1 MB limit
 * (routes/webhooks.ts), so they are left alone here: building the Web request
 * this middleware inspects would cost intake CPU for nothing.
 *
 * ONE middleware for the whole app, with a per-path table: Hono's bodyLimit
 * nested in another one ends the inner stream cleanly when the outer errors,
 * so the handler would read a truncated body instead of getting the 413.
 */

/** Admin forms and any future JSON body: far more than any of them needs. */
export const MAX_REQUEST_BODY = 64 * 1024;

/** Tighter limits by path. POST /login is unauthenticated; a token field needs a few hundred bytes. */
export const BODY_LIMITS: Readonly<Record<string, number>> = { '/login': 8 * 1024 };

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function bodyLimitFor(path: string): number {
  return BODY_LIMITS[path] ?? MAX_REQUEST_BODY;
}

/** True for the error a handler sees when it reads a body past its limit (Hono's BodyLimitError). */
export function isBodyLimitError(err: unknown): boolean {
  return (err as Error | undefined)?.name === 'BodyLimitError';
}

export function limitBodies(): MiddlewareHandler<AppEnv> {
  const byLimit = new Map<number, MiddlewareHandler<AppEnv>>();
  const limiterOf = (max: number) => {
    let m = byLimit.get(max);
    if (!m) {
      m = bodyLimit({
        maxSize: max,
        onError: () => {
          throw problems.tooLarge(max);
        },
      });
      byLimit.set(max, m);
    }
    return m;
  };
  return (c, next) => (BODYLESS.has(c.req.method) || c.req.path.startsWith('/webhooks/') ? next() : limiterOf(bodyLimitFor(c.req.path))(c, next));
}
