import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps, AppRouter } from '../context.js';
import { errorResponses } from '../openapi.js';

/**
 * Prometheus scrape endpoint. Open like /healthz: it carries counts and ages,
 * no lead data and no secrets, but it should still be reachable only from the
 * monitoring network (see docs/operations.md, "Metrics and alerts").
 */
const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['ops'],
  summary: 'Prometheus metrics (text format 0.0.4); keep it off the public internet',
  responses: {
    200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } },
    ...errorResponses,
  },
});

export function registerMetricsRoute(app: AppRouter, deps: AppDeps): void {
  app.openapi(metricsRoute, async (c) => {
    const body = await deps.metrics.render();
    return c.text(body, 200, { 'Content-Type': deps.metrics.registry.contentType, 'Cache-Control': 'no-store' });
  });
}
