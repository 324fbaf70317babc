import type { AppDeps, AppRouter } from '../../app.js';
import { requireAdmin } from '../admin-auth.js';
import { createAuthThrottle } from '../auth-throttle.js';
import { registerStatusPage } from '../status-page/routes.js';
import { registerAdminCbsRoutes } from './admin-cbs.js';
import { registerAdminSecurityScheme } from './admin-common.js';
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
  const auth = requireAdmin(deps.config, () => deps.database.db, throttle);
  for (const path of ['/v1/leads/*', '/v1/jobs', '/v1/jobs/*', '/v1/cbs/*', '/v1/rate-limits/*']) app.use(path, auth);

  // Looked up per call: runtime.ts attaches the worker pool after the app deps are built.
  const wake = () => deps.jobs?.wake();
  registerAdminLeadRoutes(app, deps, wake);
  registerAdminJobRoutes(app, deps, wake);
  registerAdminCbsRoutes(app, deps);
  registerAdminRateLimitRoutes(app, deps);
  registerStatusPage(app, deps, throttle);
}
