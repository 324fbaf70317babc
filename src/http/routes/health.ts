import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps, AppRouter } from '../context.js';
import { errorResponses } from '../openapi.js';

const Check = z.object({ name: z.string(), ok: z.boolean(), warning: z.boolean().optional(), detail: z.string().optional() });
const Ready = z.object({ status: z.enum(['ready', 'not_ready']), checks: z.array(Check) }).openapi('Readiness');

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['ops'],
  summary: 'Liveness: the process answers',
  responses: { 200: { description: 'alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['ops'],
  summary: 'Readiness: the database answers and CBS data is loaded',
  responses: {
    200: { description: 'ready', content: { 'application/json': { schema: Ready } } },
    503: { description: 'not ready', content: { 'application/json': { schema: Ready } } },
    ...errorResponses,
  },
});

export function registerHealthRoutes(app: AppRouter, deps: AppDeps): void {
  app.openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(readyz, async (c) => {
    const checks = await Promise.all(
      deps.readiness.map(async (r) => {
        try {
          const detail = await withTimeout(r.check(), 2000);
          return { name: r.name, ok: detail.ok, ...(detail.warning ? { warning: true } : {}), ...(detail.detail ? { detail: detail.detail } : {}) };
        } catch {
          return { name: r.name, ok: false, detail: 'check failed' };
        }
      }),
    );
    const ok = checks.every((ch) => ch.ok);
    return c.json({ status: ok ? ('ready' as const) : ('not_ready' as const), checks }, ok ? 200 : 503);
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}
