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
import type { AccountCredentials } from './http.js';

/**
 * Which CRMs Verrijk can talk to: an adapter exists only for a CRM whose
 * credentials are configured. A source without one runs dry (`no_crm`).
 */
export interface CrmRegistry {
  mapping: Mapping;
  /** A Pipedrive account's plan cap on custom fields; undefined = unknown. Every Pipedrive adapter asks it. */
  customFieldLimit(accountId: string, signal?: AbortSignal): Promise<number | undefined>;
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
  /**
   * Installed (OAuth) accounts' own credentials, by account (runtime.ts builds it from
   * src/accounts/oauth/); undefined for an account on the configured token.
   */
  credentialsFor?: (source: 'hubspot' | 'pipedrive', accountId: string, signal?: AbortSignal) => Promise<AccountCredentials | undefined>;
  /** CRMs with OAuth installs configured: an adapter exists for them without a static token. */
  oauthSources?: Array<'hubspot' | 'pipedrive'>;
  /** A Pipedrive account's plan cap on custom fields (setup.ts: its registry row, else PIPEDRIVE_CUSTOM_FIELD_LIMIT). */
  customFieldLimit?: (accountId: string, signal?: AbortSignal) => Promise<number | undefined>;
}

export function createCrmRegistry(options: CrmRegistryOptions): CrmRegistry {
  const { config, mapping, limiter, metrics, logger } = options;
  const common = { limiter, metrics, logger };
  const adapters = new Map<Source, CrmAdapter & { http: { close(): Promise<void> } }>();
  const installed = (source: 'hubspot' | 'pipedrive') =>
    options.credentialsFor && options.oauthSources?.includes(source)
      ? { credentialsFor: (accountId: string, signal?: AbortSignal) => options.credentialsFor!(source, accountId, signal) }
      : {};
  const customFieldLimit = options.customFieldLimit ?? (async () => config.pipedrive.customFieldLimit);
  const oauth = (source: 'hubspot' | 'pipedrive') => Boolean(options.credentialsFor && options.oauthSources?.includes(source));
  if (config.hubspot.accessToken || oauth('hubspot')) {
    adapters.set(
      'hubspot',
      createHubspotAdapter({ ...common, ...installed('hubspot'), baseUrl: config.hubspot.baseUrl, apiVersion: config.hubspot.apiVersion, accessToken: config.hubspot.accessToken ?? '', mapping: mapping.hubspot }),
    );
  }
  if (config.pipedrive.apiToken || oauth('pipedrive')) {
    adapters.set(
      'pipedrive',
      createPipedriveAdapter({ ...common, ...installed('pipedrive'), baseUrl: config.pipedrive.baseUrl, apiToken: config.pipedrive.apiToken ?? '', budgetProbeMs: config.pipedrive.budgetProbeMs, mapping: mapping.pipedrive, customFieldLimit }),
    );
  }
  if (config.generic.crmUrl) {
    adapters.set('generic', createGenericAdapter({ ...common, crmUrl: config.generic.crmUrl, crmToken: config.generic.crmToken, mapping: mapping.generic }));
  }
  return {
    mapping,
    customFieldLimit,
    adapter: (source) => adapters.get(source),
    configured: () => [...adapters.keys()],
    releaseRateLimit: (key) => limiter.release(key),
    async close() {
      await Promise.allSettled([...adapters.values()].map((a) => a.http.close()));
    },
  };
}
