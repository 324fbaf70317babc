import type { RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { requireAdmin } from '../admin-auth.js';
import { createAuthThrottle } from '../auth-throttle.js';
import type { AppDeps, AppEnv, AppRouter } from '../context.js';
import { createRouter } from '../router.js';
import { registerStatusPage } from '../status-page/routes.js';
import { registerAdminAccountRoutes } from './admin-accounts.js';
import { registerAdminBackfillRoutes } from './admin-backfills.js';
import { registerAdminCbsRoutes } from './admin-cbs.js';
import { ADMIN_SECURITY, adminErrorResponses, registerAdminSecurityScheme } from './admin-common.js';
import { registerAdminJobRoutes } from './admin-jobs.js';
import { registerAdminLeadRoutes } from './admin-leads.js';
import { registerAdminRateLimitRoutes } from './admin-rate-limits.js';

/**
 * The admin surface: the /v1 admin API behind the admin token, and the status
 * page with its login. Re-enrich and retry wake this instance's workers
 * (`deps.jobs`); refresh-now goes through the CBS store (`deps.cbs`).
 */
export function registerAdminRoutes(app: AppRouter, deps: AppDeps): void {
  registerAdminSecurityScheme(app);
  // One throttle for Bearer guesses and sign-in attempts alike (per client, in memory).
  const throttle = createAuthThrottle();
  // The database is looked up per request: only a cookie session needs it (ended sessions).
  const auth = (viewerMay: boolean) => requireAdmin(deps.config, () => deps.database.db, throttle, viewerMay);
  const admin = createAdminRouter({ admin: auth(false), viewer: auth(true) });
  registerAdminLeadRoutes(admin, deps);
  registerAdminJobRoutes(admin, deps);
  registerAdminCbsRoutes(admin, deps);
  registerAdminRateLimitRoutes(admin, deps);
  registerAdminAccountRoutes(admin, deps);
  registerAdminBackfillRoutes(admin, deps);
  // Merges the routes and their OpenAPI definitions into the app.
  app.route('/', admin);
  // Not on the admin router: GET / answers a login form, not a 401, and /login must be reachable
  // without a session. It checks the same credentials itself (and declares ADMIN_SECURITY itself).
  registerStatusPage(app, deps, throttle);
}

/**
 * The admin API routes a client's viewer token may read (docs/accounts.md "A client's view"):
 * each one scopes what it answers to `c.get('viewer')`. Every other admin route, and every
 * write, answers a viewer 403.
 */
export const VIEWER_ROUTES = new Set(['GET /v1/leads/{source}/{id}', 'GET /v1/jobs', 'GET /v1/accounts']);

/**
 * The one place every admin API route gets its authentication and its OpenAPI
 * `security` and admin error responses: `admin.openapi(route, handler)` adds them
 * to each route. Per route, not `admin.use('*')`: mounted at '/', a sub-router's
 * `*` middleware would guard every path of the app (Hono copies it as `/*`).
 * The auth runs before the validators, so a caller without credentials learns
 * nothing about the parameters (401 before 400).
 */
function createAdminRouter(auth: { admin: MiddlewareHandler<AppEnv>; viewer: MiddlewareHandler<AppEnv> }): AppRouter {
  const admin = createRouter();
  // Typed loosely inside: the route's own types reach the handler unchanged (the added
  // responses are errors, thrown as AppError, never returned by a handler).
  const register = admin.openapi as (route: RouteConfig, handler: unknown, hook?: unknown) => AppRouter;
  admin.openapi = ((route: RouteConfig, handler: unknown, hook?: unknown) => {
    const own = route.middleware ? [route.middleware].flat() : [];
    const guard = VIEWER_ROUTES.has(`${route.method.toUpperCase()} ${route.path}`) ? auth.viewer : auth.admin;
    return register({ ...route, security: ADMIN_SECURITY, responses: { ...adminErrorResponses, ...route.responses }, middleware: [guard, ...own] }, handler, hook);
  }) as typeof admin.openapi;
  return admin;
}
