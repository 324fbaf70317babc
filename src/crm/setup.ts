import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { type Catchup, createCatchup } from '../jobs/catchup.js';
import { loadMapping } from './mapping.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';
import { createCrmRegistry, type CrmRegistry } from './registry.js';

/**
 * Everything runtime.ts [crm] builds, in one call: the mapping (validated:
 * a bad CRM_MAPPING_FILE stops the start), the shared rate limiter, the
 * adapters of the configured CRMs and the catch-up sweep.
 */
export interface CrmSetup {
  crm: CrmRegistry;
  rateLimiter: RateLimiter;
  catchup: Catchup;
}

export function setupCrm(deps: { config: Config; database: Database; metrics: Metrics; logger: Logger }): CrmSetup {
  const { config, database, metrics, logger } = deps;
  const mapping = loadMapping(config.crmMappingFile);
  const rateLimiter = createRateLimiter({ database, metrics, logger, limits: config.crmRateLimit ? { all: config.crmRateLimit } : undefined, maxPauseMs: config.crmMaxPauseMs });
  const crm = createCrmRegistry({ config, mapping, limiter: rateLimiter, metrics, logger });
  const catchup = createCatchup({ database, crm, logger, cron: config.crmCatchupCron, timezone: config.cbs.timezone });
  return { crm, rateLimiter, catchup };
}
