import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll } from 'vitest';
import { loadBundledSnapshot } from '../../src/cbs/snapshot.js';
import type { CbsTableVersion } from '../../src/cbs/model.js';
import type { Config } from '../../src/config.js';
import { createRateLimiter, type RateLimiter } from '../../src/crm/rate-limiter.js';
import { createCrmRegistry, type CrmRegistry } from '../../src/crm/registry.js';
import { parseMapping } from '../../src/crm/mapping.js';
import type { Database } from '../../src/db/client.js';
import { jobs } from '../../src/db/schema.js';
import { createEnricher, type VerrijkEnricher } from '../../src/enrich/engine.js';
import { loadSbiList } from '../../src/enrich/sbi-list.js';
import { enqueueJobs } from '../../src/jobs/queue.js';
import type { LeadRef } from '../../src/leads/identity.js';
import type { JobRow } from '../../src/jobs/types.js';
import type { LeadInput } from '../../src/enrich/types.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import { startFakeGenericCrm, type FakeGenericCrm } from './fakes/generic-crm-server.js';
import { startFakeHubspot, type FakeHubspot } from './fakes/hubspot-server.js';
import { startFakePipedrive, type FakePipedrive } from './fakes/pipedrive-server.js';
import { testConfig } from './app.js';
import { HUBSPOT_DEFAULT_API_VERSION } from '../../src/crm/hubspot/paths.js';
import { createTestDatabase, type Flavour, flavours, type TestDatabase } from './db.js';

/** The real enrichment engine over the bundled CBS snapshot (built once per test file). */
let enricherPromise: Promise<VerrijkEnricher> | undefined;
export function realEnrichment(): { enricher(): Promise<VerrijkEnricher> } {
  enricherPromise ??= (async () => {
    const data = await loadBundledSnapshot();
    const tables: CbsTableVersion[] = data.map((d, i) => ({ versionId: i + 1, tableId: d.tableId, source: 'snapshot', loadedAt: new Date().toISOString(), data: d }));
    return createEnricher({ sbiList: loadSbiList(), tables, minConfidence: 0.5 });
  })();
  return { enricher: () => enricherPromise as Promise<VerrijkEnricher> };
}

export interface CrmKit {
  limiter: RateLimiter;
  crm: CrmRegistry;
  metrics: Metrics;
  logger: Logger;
}

/** Limiter + registry for a config, the way runtime.ts [crm] builds them. */
export function crmKit(database: Database, config: Config, logger: Logger = createLogger({ level: 'silent' })): CrmKit {
  const metrics = createMetrics();
  const limiter = createRateLimiter({ database, metrics, logger, limits: config.crmRateLimit ? { all: config.crmRateLimit } : undefined, maxPauseMs: config.crmMaxPauseMs });
  const crm = createCrmRegistry({ config, mapping: parseMapping(undefined), limiter, metrics, logger });
  return { limiter, crm, metrics, logger };
}

/** Real queued jobs (through the intake colleague's queue), read back as the worker would hand them over. */
export async function makeJobs(database: Database, refs: LeadRef[], lead: (ref: LeadRef) => LeadInput = () => ({})): Promise<JobRow[]> {
  const ids = await enqueueJobs(
    database.db,
    refs.map((ref) => ({ ref, reason: 'webhook', payload: { lead: lead(ref), event: { type: `${ref.objectType}.creation` } } })),
  );
  const rows = await database.db.select().from(jobs).where(inArray(jobs.id, ids));
  return rows.sort((a, b) => a.id - b.id);
}

let seq = 0;
/** A portal id no other test in this process uses (the limiter state is per account). */
export function uniqueAccount(prefix = 'acct'): string {
  seq += 1;
  return `${prefix}${process.pid}${seq}${Math.floor(Math.random() * 1e6)}`;
}

export const CRM_TOKENS = {
  pipedrive: 'pipedrive-token-abcdef0123456789',
  generic: 'generic-token-abcdef0123456789',
  hubspot: 'pat-eu1-ensure-token-0123456789',
};

export interface CrmFakes {
  database: TestDatabase;
  pipedrive: FakePipedrive;
  generic: FakeGenericCrm;
  hubspot: FakeHubspot;
  /** A config pointing every CRM at its fake. */
  config(): Config;
}

export interface HubspotFakes {
  database: TestDatabase;
  hubspot: FakeHubspot;
}

/**
 * A test database and one fake HubSpot (100 requests / 10 s, HubSpot's lowest
 * documented limit) for one describe block: started in beforeAll, stopped in afterAll.
 */
export function useHubspotFake(flavour: Flavour, token: string): HubspotFakes {
  const fakes = {} as HubspotFakes;
  beforeAll(async () => {
    fakes.database = await createTestDatabase(flavour);
    fakes.hubspot = await startFakeHubspot({ token, limit: 100, windowMs: 10_000 });
  });
  afterAll(async () => {
    await fakes.hubspot?.close();
    await fakes.database?.drop();
  });
  return fakes;
}

export interface HubspotPortal {
  database: TestDatabase;
  /** The fake of the current test's portal (the one `portal()` last started). */
  hubspot: FakeHubspot;
  /**
   * A fresh portal id (`base` plus a random part) and a fake HubSpot whose token belongs to it,
   * replacing the last test's; returns the id and a config and kit pointing at that fake.
   */
  portal(base: number): Promise<{ portal: string; config: Config; kit: CrmKit }>;
}

/**
 * A test database and, per test, a fake HubSpot of a portal of its own, for the catch-up sweep's
 * tests: the sweep lists the portal the token belongs to (account details), never one a webhook
 * merely named (review 2026-12, M3), so each test's token must belong to its own portal.
 */
export function useHubspotPortal(flavour: Flavour, token: string): HubspotPortal {
  const fakes = {} as HubspotPortal;
  beforeAll(async () => {
    fakes.database = await createTestDatabase(flavour);
  });
  afterAll(async () => {
    await fakes.hubspot?.close();
    await fakes.database?.drop();
  });
  fakes.portal = async (base) => {
    const portal = String(base + Math.floor(Math.random() * 1_000_000));
    await fakes.hubspot?.close();
    fakes.hubspot = await startFakeHubspot({ token, portalId: Number(portal) });
    const config = testConfig({ HUBSPOT_ACCESS_TOKEN: token, HUBSPOT_BASE_URL: fakes.hubspot.url });
    return { portal, config, kit: crmKit(fakes.database, config) };
  };
  return fakes;
}

/** A test database and the three CRM fakes for one describe block (started in beforeAll, stopped in afterAll). */
export function useCrmFakes(flavour: Flavour, options: { hubspotEnsured?: boolean } = {}): CrmFakes {
  const fakes = {} as CrmFakes;
  beforeAll(async () => {
    fakes.database = await createTestDatabase(flavour);
    fakes.pipedrive = await startFakePipedrive({ token: CRM_TOKENS.pipedrive, limit: 20, windowMs: 2_000 });
    fakes.generic = await startFakeGenericCrm({ token: CRM_TOKENS.generic });
    fakes.hubspot = await startFakeHubspot({ token: CRM_TOKENS.hubspot, ensured: options.hubspotEnsured ?? true });
  });
  afterAll(async () => {
    await Promise.all([fakes.pipedrive?.close(), fakes.generic?.close(), fakes.hubspot?.close()]);
    await fakes.database?.drop();
  });
  fakes.config = () =>
    testConfig({
      PIPEDRIVE_API_TOKEN: CRM_TOKENS.pipedrive,
      PIPEDRIVE_BASE_URL: fakes.pipedrive.url,
      GENERIC_CRM_URL: fakes.generic.url,
      GENERIC_CRM_TOKEN: CRM_TOKENS.generic,
      HUBSPOT_ACCESS_TOKEN: CRM_TOKENS.hubspot,
      HUBSPOT_BASE_URL: fakes.hubspot.url,
    });
  return fakes;
}

/** The HubSpot API versions every HubSpot test runs on: the current dated one (the default) and the legacy v3. */
export const HUBSPOT_TEST_VERSIONS = [HUBSPOT_DEFAULT_API_VERSION, 'v3'] as const;

/** Each database flavour with each HubSpot API version, for `describe.each`. */
export const hubspotMatrix: Array<[Flavour, string]> = flavours.flatMap((f) => HUBSPOT_TEST_VERSIONS.map((v): [Flavour, string] => [f, v]));
