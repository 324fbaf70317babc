import { and, eq } from 'drizzle-orm';
import type { Config } from '../config.js';
import { crmAccounts } from '../db/schema.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { loadMapping } from './mapping.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';
import { createCrmRegistry, type CrmRegistry, type CrmRegistryOptions } from './registry.js';

/**
 * Everything runtime.ts [crm] builds, in one call: the mapping (validated:
 * a bad CRM_MAPPING_FILE stops the start), the shared rate limiter and the
 * adapters of the configured CRMs. The catch-up sweep records leads like intake
 * does, so it is a job of src/jobs/ (catchup.ts), built by runtime.ts from these.
 */
export function setupCrm(
  deps: { config: Config; database: Database; metrics: Metrics; logger: Logger } & Pick<CrmRegistryOptions, 'credentialsFor' | 'oauthSources'>,
): CrmRegistry & { limiter: RateLimiter } {
  const { config, database, metrics, logger } = deps;
  const mapping = loadMapping(config.crmMappingFile);
  const rateLimiter = createRateLimiter({ database, metrics, logger, limits: config.crmRateLimit ? { all: config.crmRateLimit } : undefined, maxPauseMs: config.crmMaxPauseMs });
  // The limiter is handed on too: the account registry builds one adapter per account under it (src/accounts/bindings.ts).
  // A Pipedrive plan's custom-field cap: the account's own (PATCH /v1/accounts), else the deployment's; read when a field must be created.
  // (Read here rather than through src/accounts/, which imports this folder.)
  const customFieldLimit = async (accountId: string) => {
    const [row] = await database.db
      .select({ limit: crmAccounts.customFieldLimit })
      .from(crmAccounts)
      .where(and(eq(crmAccounts.source, 'pipedrive'), eq(crmAccounts.accountId, accountId)))
      .limit(1);
    return row?.limit ?? config.pipedrive.customFieldLimit;
  };
  const registry = createCrmRegistry({ config, mapping, limiter: rateLimiter, metrics, logger, credentialsFor: deps.credentialsFor, oauthSources: deps.oauthSources, customFieldLimit });
  return { ...registry, limiter: rateLimiter };
}
