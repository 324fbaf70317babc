import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { startWireClock, wireArrival } from './wire-clock.js';

/**
 * What the fake HubSpot, Pipedrive and generic CRM servers share: a real
 * loopback HTTP server, a log of every request, a rolling-window rate limit
 * counted like the CRMs count it, failure injection (status codes, hangs) and
 * `maxInAnyWindow()` so tests can prove no window ever saw more than the limit.
 * Requests are stamped with their arrival off the wire by a relay on its own
 * thread (wire-clock.ts), so a stalled test thread cannot bunch them up.
 */

export interface LoggedRequest {
  at: number;
  method: string;
  path: string;
  status: number;
  /** The raw URL as received: tests assert no token ever appears in one. */
  url: string;
  body?: unknown;
}

export interface Failure {
  /** 500, 503, 401, 404, 429 … ; ignored when `hang`. */
  status?: number;
  /** Never answer (the client's timeout must fire). */
  hang?: boolean;
  /** HubSpot 429 policy (`TEN_SECONDLY_ROLLING`, `SECONDLY`, `DAILY`). */
  policy?: string;
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  /** Only requests whose `METHOD path` matches. */
  match?: RegExp;
  /** How many requests to fail; default 1. */
  times?: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** A non-JSON body sent as is (an HTML block page); wins over `body`. */
  raw?: string;
  headers?: Record<string, string>;
}

export interface FakeContext {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** Requests in the current rolling window, this one included. */
  inWindow: number;
  /** ms until the oldest request in the window leaves it. */
  resetMs: number;
}

export interface FakeBaseOptions {
  limit: number;
  windowMs: number;
  port?: number;
  /** True when the request carries valid credentials. */
  authorized(headers: IncomingMessage['headers'], url: URL): boolean;
  unauthorized: Reply;
  /** The answer to a request over the limit (or an injected 429). */
  tooMany(ctx: FakeContext, failure?: Failure): Reply;
  /** Rate-limit headers on every answer. */
  limitHeaders(ctx: FakeContext): Record<string, string>;
  /** Requests exempt from the window (HubSpot search has its own limit). */
  exempt?(method: string, path: string): boolean;
  /** Checked after the credentials, before everything else: an answer here wins (Pipedrive's Cloudflare block). */
  gate?(ctx: FakeContext): Reply | undefined;
  handle(ctx: FakeContext): Reply | Promise<Reply>;
  /** Log each request to stdout (the fake:hubspot script). */
  verbose?: boolean;
}

export interface FakeBase {
  url: string;
  port: number;
  requests: LoggedRequest[];
  fail(failure: Failure): void;
  /** Most requests (rate-limited ones included) seen in any rolling window of `windowMs`. */
  maxInAnyWindow(windowMs?: number): number;
  /** The counted requests of the busiest rolling window, oldest first: what a failed window check prints. */
  busiestWindow(windowMs?: number): LoggedRequest[];
  count(status?: number): number;
  setLimit(limit: number, windowMs?: number): void;
  close(): Promise<void>;
}

/** Most of these requests that arrived in any rolling window of `windowMs`. */
export function mostInAnyWindow(requests: readonly { at: number }[], windowMs: number): number {
  return busiest(requests, windowMs).length;
}

function busiest<T extends { at: number }>(requests: readonly T[], windowMs: number): T[] {
  const sorted = [...requests].sort((a, b) => a.at - b.at);
  let best: [number, number] = [0, 0];
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[i].at - sorted[j].at >= windowMs) j++;
    if (i - j + 1 > best[1] - best[0]) best = [j, i + 1];
  }
  return sorted.slice(best[0], best[1]);
}

export async function startFakeBase(options: FakeBaseOptions): Promise<FakeBase> {
  let limit = options.limit;
  let windowMs = options.windowMs;
  const requests: LoggedRequest[] = [];
  const counted: number[] = [];
  const failures: Array<Failure & { left: number }> = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const server = createServer(async (req, res) => {
    // The wire's moment when the request came through the relay (wire-clock.ts), not this loop's.
    const at = wireArrival(req.headers) ?? Date.now();
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const exempt = options.exempt?.(method, url.pathname) ?? false;
    if (!exempt) counted.push(at);
    while (counted.length && counted[0] <= at - windowMs) counted.shift();
    const ctx: FakeContext = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      inWindow: counted.length,
      resetMs: counted.length ? Math.max(0, counted[0] + windowMs - at) : 0,
    };
    const entry: LoggedRequest = { at, method, path: url.pathname, status: 0, url: req.url ?? '', body };
    requests.push(entry);

    const reply = await decide();
    entry.status = reply?.status ?? 0;
    if (options.verbose) console.log(`${new Date(at).toISOString()} ${method} ${req.url} → ${reply ? reply.status : 'hang'}`);
    if (!reply) {
      hanging.add(res);
      return;
    }
    const headers = { 'content-type': 'application/json', ...options.limitHeaders(ctx), ...(reply.headers ?? {}) };
    res.writeHead(reply.status, headers);
    res.end(reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)));

    async function decide(): Promise<Reply | undefined> {
      if (!options.authorized(req.headers, url)) return options.unauthorized;
      const gated = options.gate?.(ctx);
      if (gated) return gated;
      const failure = takeFailure(`${method} ${url.pathname}`);
      if (failure?.hang) return undefined;
      if (failure?.status === 429) return options.tooMany(ctx, failure);
      if (failure) return { status: failure.status ?? 500, body: { status: 'error', message: `injected ${failure.status ?? 500}` }, headers: failure.headers };
      if (!exempt && ctx.inWindow > limit) return options.tooMany(ctx);
      try {
        return await options.handle(ctx);
      } catch (err) {
        return { status: 500, body: { status: 'error', message: (err as Error).message } };
      }
    }
  });
  // Idle connections stay open longer than the client keeps them (4 s, src/crm/http.ts), as the CRMs'
  // edges do. With Node's 5 s default the fake closed an idle connection while a client whose event loop
  // had stalled under load still counted it as open, and its next GET failed with "other side closed".
  server.keepAliveTimeout = 65_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function takeFailure(what: string): Failure | undefined {
    const i = failures.findIndex((f) => !f.match || f.match.test(what));
    if (i < 0) return undefined;
    const f = failures[i];
    if (--f.left <= 0) failures.splice(i, 1);
    return f;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Clients reach the fake through the relay, which stamps each request with its arrival off the wire.
  const wire = await startWireClock((server.address() as AddressInfo).port, options.port ?? 0);
  const port = wire.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    fail: (failure) => failures.push({ ...failure, left: failure.times ?? 1 }),
    maxInAnyWindow: (w = windowMs) => mostInAnyWindow(requests.filter((r) => !(options.exempt?.(r.method, r.path) ?? false)), w),
    busiestWindow: (w = windowMs) => busiest(requests.filter((r) => !(options.exempt?.(r.method, r.path) ?? false)), w),
    count: (status) => (status === undefined ? requests.length : requests.filter((r) => r.status === status).length),
    setLimit(l, w) {
      limit = l;
      if (w) windowMs = w;
    },
    async close() {
      for (const r of hanging) r.destroy();
      for (const s of sockets) s.destroy();
      await wire.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function notFound(message = 'Not found'): Reply {
  return { status: 404, body: { status: 'error', message, category: 'OBJECT_NOT_FOUND' } };
}
