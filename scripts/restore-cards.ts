/**
 * Rollback: puts back the card values Verrijk replaced, from the audit trail
 * (`enrichments.previous_properties`), for every lead written since a moment.
 *
 *   npx tsx scripts/restore-cards.ts --since 2026-01-15T09:00:00Z [--source hubspot]          # dry run: prints the plan
 *   npx tsx scripts/restore-cards.ts --since 2026-01-15T09:00:00Z [--source hubspot] --apply  # writes it
 *
 * Run with DRY_RUN=true on the service meanwhile, or new enrichments overwrite the restored cards.
 */
import { parseArgs } from 'node:util';
import { ConfigError, configSecrets, loadConfig } from '../src/config.js';
import { withEnvFile } from '../src/env-file.js';
import { loadMapping } from '../src/crm/mapping.js';
import { createRateLimiter } from '../src/crm/rate-limiter.js';
import { createCrmRegistry } from '../src/crm/registry.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { SOURCES, type Source } from '../src/leads/identity.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { applyRestore, planRestore } from '../src/ops/restore.js';

const { values } = parseArgs({
  options: { since: { type: 'string' }, source: { type: 'string' }, apply: { type: 'boolean', default: false } },
});
const since = values.since ? new Date(values.since) : undefined;
if (!since || Number.isNaN(since.getTime())) {
  console.error('usage: restore-cards --since <ISO timestamp> [--source hubspot|pipedrive|generic] [--apply]');
  process.exit(2);
}
if (values.source && !SOURCES.includes(values.source as Source)) {
  console.error(`--source must be one of ${SOURCES.join(', ')}`);
  process.exit(2);
}

try {
  const config = loadConfig(withEnvFile(process.env));
  const logger = createLogger({ level: config.logLevel, secrets: configSecrets(config) });
  const database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir, poolSize: 2 });
  await runMigrations(database);
  const plan = await planRestore(database.db, { since, source: values.source as Source | undefined });
  for (const item of plan) {
    const what = item.skip ? `SKIP (${item.skip})` : JSON.stringify(item.properties);
    console.log(`${item.leadKey}  written ${item.writtenAt.toISOString()}  ${what}`);
  }
  console.log(`${plan.length} lead(s) written since ${since.toISOString()}`);
  if (!values.apply) {
    console.log('dry run: nothing written. Add --apply to restore these values.');
  } else {
    const metrics = createMetrics();
    const limiter = createRateLimiter({ database, metrics, logger, limits: config.crmRateLimit ? { all: config.crmRateLimit } : {}, maxPauseMs: config.crmMaxPauseMs });
    const registry = createCrmRegistry({ config, mapping: loadMapping(config.crmMappingFile), limiter, metrics, logger });
    const outcomes = await applyRestore(plan, (s) => registry.adapter(s));
    for (const o of outcomes) console.log(`${o.ok ? 'ok  ' : 'FAIL'} ${o.leadKey}  ${o.detail}`);
    console.log(`${outcomes.filter((o) => o.ok).length} of ${outcomes.length} restored`);
    await registry.close();
  }
  await database.close();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `restore failed: ${(err as Error).message}`);
  process.exit(1);
}
