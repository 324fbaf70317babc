import type { Config } from '../config.js';
import type { Source } from '../leads/identity.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { CrmAdapter } from './adapter.js';
import { createGenericAdapter } from './generic/api.js';
import { createHubspotAdapter } from './hubspot/api.js';
import type { Mapping } from './mapping.js';
import { createPipedriveAdapter } from './pipedrive/api.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * Which CRMs Verrijk can talk to: an adapter exists only for a CRM whose
 * credentials are configured. A source without one runs dry (`no_crm`).
 */
export interface CrmRegistry {
  mapping: Mapping;
  adapter(source: Source): CrmAdapter | undefined;
  configured(): Source[];
  /** Ends the shared rate limiter's pause (and spent daily count) under `key` now; false when nothing was paused. */
  releaseRateLimit(key: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface CrmRegistryOptions {
  config: Config;
  mapping: Mapping;
  limiter: RateLimiter;
  metrics: Metrics;
  logger: Logger;
}

export function createCrmRegistry(options: CrmRegistryOptions): CrmRegistry {
  const { config, mapping, limiter, metrics, logger } = options;
  const common = { limiter, metrics, logger };
  const adapters = new Map<Source, CrmAdapter & { http: { close(): Promise<void> } }>();
  if (config.hubspot.accessToken) {
    adapters.set('hubspot', createHubspotAdapter({ ...common, baseUrl: config.hubspot.baseUrl, apiVersion: config.hubspot.apiVersion, accessToken: config.hubspot.accessToken, mapping: mapping.hubspot }));
  }
  if (config.pipedrive.apiToken) {
    adapters.set('pipedrive', createPipedriveAdapter({ ...common, baseUrl: config.pipedrive.baseUrl, apiToken: config.pipedrive.apiToken, budgetProbeMs: config.pipedrive.budgetProbeMs, mapping: mapping.pipedrive }));
  }
  if (config.generic.crmUrl) {
    adapters.set('generic', createGenericAdapter({ ...common, crmUrl: config.generic.crmUrl, crmToken: config.generic.crmToken, mapping: mapping.generic }));
  }
  return {
    mapping,
    adapter: (source) => adapters.get(source),
    configured: () => [...adapters.keys()],
    releaseRateLimit: (key) => limiter.release(key),
    async close() {
      await Promise.allSettled([...adapters.values()].map((a) => a.http.close()));
    },
  };
}
