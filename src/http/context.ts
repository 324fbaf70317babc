import type { OpenAPIHono } from '@hono/zod-openapi';
import type { CbsStore } from '../cbs/store.js';
import type { Config } from '../config.js';
import type { AccountBindings } from '../accounts/bindings.js';
import type { SecretBox } from '../accounts/secret-box.js';
import type { ViewerScope } from '../accounts/viewer.js';
import type { CrmRegistry } from '../crm/registry.js';
import type { Database } from '../db/client.js';
import type { EnrichmentService } from '../enrich/service.js';
import type { Backfills } from '../jobs/backfill.js';
import type { IntakeGauge } from '../jobs/intake-gauge.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { OpsHooks } from '../ops/hooks.js';

/**
 * The types every handler sees: the context variables middleware sets, and the
 * dependencies src/runtime.ts builds once. Route files import these from here,
 * never from src/app.ts (which imports the route files).
 */

/** Typed Hono context variables set by middleware and read by handlers. */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** Fields a handler adds to the request's one completion line (instead of logging a second line). */
    logFields?: Record<string, unknown>;
    /** Set when a client's viewer token authenticated the request: the one account it may see (src/accounts/viewer.ts). */
    viewer?: ViewerScope;
  };
}

export type AppRouter = OpenAPIHono<AppEnv>;

export interface ReadinessCheck {
  name: string;
  /** `warning`: ready, but something needs an operator (shown, never fails the probe). */
  check: () => Promise<{ ok: boolean; warning?: boolean; detail?: string }>;
}

/**
 * Everything a handler may need, built once by src/runtime.ts (also for tests:
 * test/support/app.ts builds a runtime on a test database). Complete and
 * unchanging: no member is optional or assigned after construction.
 */
export interface AppDeps {
  config: Config;
  database: Database;
  logger: Logger;
  metrics: Metrics;
  readiness: ReadinessCheck[];
  /** Tunables of the admin surface, defaults filled in (tests shorten the CBS refresh wait). */
  ops: Required<OpsHooks>;
  /** The worker pool's in-process wake-up, called by intake after commit. */
  jobs: { wake(): void };
  /** Backfills of existing CRM records: start, pause, resume, cancel (src/jobs/backfill.ts). */
  backfills: Backfills;
  /** Webhooks in flight, which the workers yield to. */
  intake: IntakeGauge;
  /** The enrichment engine over the CBS tables. */
  enrichment: EnrichmentService;
  /** The configured CRM adapters, mapping and the shared rate limiter's release. */
  crm: CrmRegistry;
  /** The account registry: which credential serves which account, and the box that seals them (none without ACCOUNTS_ENCRYPTION_KEY). */
  accounts: { bindings: AccountBindings; box: SecretBox | undefined };
  /** The CBS table cache (memory → database), refresh and status. */
  cbs: CbsStore;
}
