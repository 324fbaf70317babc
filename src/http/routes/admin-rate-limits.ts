import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps, AppRouter } from '../context.js';
import { notFoundResponse } from '../openapi.js';
import { problems } from '../problem.js';

/**
 * POST /v1/rate-limits/{key}/release: ends a CRM pause before its time, and
 * forgets the limit and window the CRM's headers stated. Pauses a CRM's header
 * asks for are capped at CRM_MAX_PAUSE_MS anyway; this is for the longer daily
 * ones (until midnight), e.g. after raising a plan's budget or when Pipedrive's
 * daily heuristic misread a burst 429, and for a stated window an operator knows
 * to be wrong.
 */

const releaseRoute = createRoute({
  method: 'post',
  path: '/v1/rate-limits/{key}/release',
  tags: ['admin'],
  summary: 'End the pause (and spent daily count) of a CRM credential now and forget the limits its headers stated; the key as the status page shows it',
  request: {
    params: z.object({
      key: z
        .string()
        .regex(/^(hubspot|pipedrive|generic):[A-Za-z0-9:_-]{1,120}$/, 'must be a rate-limit key such as pipedrive:12345')
        .openapi({ param: { name: 'key', in: 'path' }, example: 'pipedrive:12345' }),
    }),
  },
  responses: {
    200: { description: 'Released', content: { 'application/json': { schema: z.object({ key: z.string(), released: z.literal(true) }).openapi('RateLimitRelease') } } },
    ...notFoundResponse,
  },
});

/** Registered on the admin router (admin-routes.ts), which adds the auth and the admin error responses. */
export function registerAdminRateLimitRoutes(app: AppRouter, deps: AppDeps): void {
  app.openapi(releaseRoute, async (c) => {
    const { key } = c.req.valid('param');
    if (!(await deps.crm.releaseRateLimit(key))) throw problems.notFound(`Nothing is paused or stated under ${key}.`);
    c.get('log').warn({ key }, 'rate-limit pause released');
    return c.json({ key, released: true as const }, 200);
  });
}
