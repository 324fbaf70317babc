import { OpenAPIHono } from '@hono/zod-openapi';
import type { CbsStore } from './cbs/store.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { AppEnv } from './http/context.js';
import { limitBodies } from './http/body-limit.js';
import { handleError, requestId, requestLog } from './http/middleware.js';
import { fieldErrors, problems } from './http/problem.js';
import { registerHealthRoutes } from './http/routes/health.js';
import { registerAdminRoutes } from './http/routes/admin-routes.js';
import { registerDocsRoute } from './http/routes/docs.js';
import { registerMetricsRoute } from './http/routes/metrics.js';
import { registerWebhookRoutes } from './http/routes/webhooks.js';
import { registerLookupRoute } from './http/routes/lookup.js';
import type { EnrichmentService } from './enrich/service.js';
import type { OpsHooks } from './ops/hooks.js';
import type { CrmRegistry } from './crm/registry.js';
import type { RateLimiter } from './crm/rate-limiter.js';
import type { IntakeGauge } from './jobs/intake-gauge.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export interface ReadinessCheck {
  name: string;
  /** `warning`: ready, but something needs an operator (shown, never fails the probe). */
  check: () => Promise<{ ok: boolean; warning?: boolean; detail?: string }>;
}

/** Everything a handler may need, built once at start (src/index.ts) or by a test. */
export interface AppDeps {
  config: Config;
  database: Database;
  logger: Logger;
  metrics: Metrics;
  readiness: ReadinessCheck[];
  /** Tunables of the admin surface (tests shorten the CBS refresh wait). */
  ops?: OpsHooks;
  /** The worker pool's in-process wake-up, called by intake after commit; set by runtime.ts [jobs]. */
  jobs?: { wake(): void };
  /** Webhooks in flight, which the workers yield to; set by runtime.ts [jobs]. */
  intake?: IntakeGauge;
  /** The enrichment engine over the CBS tables; set by runtime.ts [enrichment]. */
  enrichment?: EnrichmentService;
  /** The configured CRM adapters and mapping; set by runtime.ts [crm]. */
  crm?: CrmRegistry;
  /** The shared CRM rate limiter (state in the database); set by runtime.ts [crm]. */
  rateLimiter?: RateLimiter;
  /** The CBS table cache (memory → database), refresh and status; set by runtime.ts [cbs]. */
  cbs?: CbsStore;
}

export type AppRouter = OpenAPIHono<AppEnv>;

export function createRouter(): AppRouter {
  return new OpenAPIHono<AppEnv>({
    // Validation failures get the same problem+json shape as every other error.
    defaultHook: (result) => {
      if (!result.success) {
        throw problems.badRequest('Some fields are invalid.', fieldErrors(result.error.issues, result.target));
      }
    },
  });
}

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
  registerLookupRoute(app, deps);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Verrijk', version: '0.1.0', description: 'Lead enrichment with CBS StatLine sector, size class and market context.' },
  });

  app.notFound((c) => handleError(problems.notFound(`No route for ${c.req.method} ${c.req.path}.`), c));
  app.onError((err, c) => handleError(err, c));
  return app;
}
