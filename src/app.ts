import { limitBodies } from './http/body-limit.js';
import type { AppDeps, AppRouter } from './http/context.js';
import { handleError, requestId, requestLog } from './http/middleware.js';
import { problems } from './http/problem.js';
import { createRouter } from './http/router.js';
import { registerAdminRoutes } from './http/routes/admin-routes.js';
import { registerDocsRoute } from './http/routes/docs.js';
import { registerHealthRoutes } from './http/routes/health.js';
import { registerLookupRoute } from './http/routes/lookup.js';
import { registerMetricsRoute } from './http/routes/metrics.js';
import { registerOAuthRoutes } from './http/routes/oauth.js';
import { registerWebhookRoutes } from './http/routes/webhooks.js';

/**
 * createApp(deps): middleware order, routes, error handling and the OpenAPI
 * document. The app never opens a port; src/index.ts serves it, tests call
 * `app.request(...)`. The dependency types live in src/http/context.ts.
 */
export function createApp(deps: AppDeps): AppRouter {
  const app = createRouter();
  app.use('*', requestId());
  app.use('*', requestLog(deps.logger));
  app.use('*', limitBodies());

  registerHealthRoutes(app, deps);
  registerMetricsRoute(app, deps);
  registerAdminRoutes(app, deps);
  registerDocsRoute(app);
  registerWebhookRoutes(app, deps);
  registerOAuthRoutes(app, deps);
  registerLookupRoute(app, deps);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Verrijk', version: '0.1.0', description: 'Lead enrichment with CBS StatLine sector, size class and market context.' },
  });

  app.notFound((c) => handleError(problems.notFound(`No route for ${c.req.method} ${c.req.path}.`), c));
  app.onError((err, c) => handleError(err, c));
  return app;
}
