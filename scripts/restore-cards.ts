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
import { setupCrm } from '../src/crm/setup.js';
import { withEnvFile } from '../src/env-file.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { SOURCES, type Source } from '../src/leads/identity.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { applyRestore, planRestorePages } from '../src/ops/restore.js';

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
  // The service's limiter (its state is in the database): these writes count against the CRM's limit with the
  // service's own. On the embedded database the service is stopped (the folder lock refuses otherwise).
  const crm = values.apply ? setupCrm({ config, database, metrics: createMetrics(), logger }) : undefined;
  let planned = 0;
  let restored = 0;
  let partly = 0;
  let tried = 0;
  // A page at a time: read, print, apply, then the next (100k leads in memory at once took 1.4 GB, L10).
  for await (const page of planRestorePages(database.db, { since, source: values.source as Source | undefined })) {
    for (const item of page) {
      const what = item.skip ? `SKIP (${item.skip})` : JSON.stringify(item.properties);
      console.log(`${item.leadKey}  written ${item.writtenAt.toISOString()}  ${what}`);
    }
    planned += page.length;
    if (!crm) continue;
    const outcomes = await applyRestore(page, (s) => crm.adapter(s));
    for (const o of outcomes) console.log(`${o.partial ? 'PART' : o.ok ? 'ok  ' : 'FAIL'} ${o.leadKey}  ${o.detail}`);
    tried += outcomes.length;
    restored += outcomes.filter((o) => o.ok).length;
    partly += outcomes.filter((o) => o.partial).length;
  }
  console.log(`${planned} lead(s) written since ${since.toISOString()}`);
  if (!crm) {
    console.log('dry run: nothing written. Add --apply to restore these values.');
  } else {
    console.log(`${restored} of ${tried} restored${partly ? ` (${partly} of them partly: see PART)` : ''}`);
    await crm.close();
  }
  await database.close();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `restore failed: ${(err as Error).message}`);
  process.exit(1);
}
