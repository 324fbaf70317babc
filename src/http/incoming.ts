import { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/**
 * Node's request, when @hono/node-server serves the app (`c.env.incoming`);
 * undefined under `app.request()` in tests. The webhook path reads headers and
 * body from it directly: asking Hono builds a Web `Headers` (and for the body a
 * whole `Request`, `AbortController` and stream) per request, which showed up
 * as a measurable share of intake's CPU.
 */
export function incomingOf(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof IncomingMessage ? incoming : undefined;
}

/** A request header by its (case-insensitive) name; repeated headers joined with ", " as `Headers.get` does. */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = incomingOf(c);
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}
