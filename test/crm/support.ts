import { inArray } from 'drizzle-orm';
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
import type { JobRow, LeadRef } from '../../src/jobs/types.js';
import type { LeadInput } from '../../src/enrich/types.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';

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
