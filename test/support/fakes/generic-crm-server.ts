import { type FakeBase, type FakeContext, type Reply, startFakeBase } from './crm-fake-base.js';

/**
 * A fake plain-REST CRM: `GET`/`PATCH /leads/{id}` with a bearer token,
 * `X-RateLimit-*` headers and a 429 with `Retry-After`.
 */

export interface FakeGenericOptions {
  token?: string;
  limit?: number;
  windowMs?: number;
  port?: number;
}

export interface FakeGenericCrm extends FakeBase {
  cards: Map<string, Record<string, unknown>>;
  seed(id: string, lead: Record<string, unknown>): void;
}

export async function startFakeGenericCrm(opts: FakeGenericOptions = {}): Promise<FakeGenericCrm> {
  const token = opts.token ?? 'generic-crm-fake-token-abcdef';
  const limit = opts.limit ?? 10;
  const windowMs = opts.windowMs ?? 1_000;
  const cards = new Map<string, Record<string, unknown>>();

  const base = await startFakeBase({
    limit,
    windowMs,
    port: opts.port,
    authorized: (h) => h.authorization === `Bearer ${token}`,
    unauthorized: { status: 401, body: { error: 'unauthorized' } },
    limitHeaders: (ctx) => ({
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': String(Math.max(0, limit - ctx.inWindow)),
      'X-RateLimit-Reset': String(Math.ceil(ctx.resetMs / 1000)),
    }),
    tooMany: (ctx, failure) => ({
      status: 429,
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(ctx.resetMs / 1000))), ...(failure?.headers ?? {}) },
      body: { error: 'too many requests' },
    }),
    handle: route,
  });

  function route(ctx: FakeContext): Reply {
    const m = ctx.path.match(/^\/leads\/([^/]+)$/);
    if (!m) return { status: 404, body: { error: 'no route' } };
    const lead = cards.get(decodeURIComponent(m[1]));
    if (!lead) return { status: 404, body: { error: 'lead not found' } };
    if (ctx.method === 'GET') return { status: 200, body: lead };
    if (ctx.method === 'PATCH') {
      const patch = ctx.body;
      if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return { status: 400, body: { error: 'body must be a JSON object' } };
      Object.assign(lead, patch);
      return { status: 200, body: lead };
    }
    return { status: 405, body: { error: 'method not allowed' } };
  }

  return Object.assign(base, {
    cards,
    seed(id: string, lead: Record<string, unknown>) {
      cards.set(id, { id, ...lead });
    },
  });
}
