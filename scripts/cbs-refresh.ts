/**
 * `npm run cbs:refresh [-- --force]`: checks the CBS catalog and reloads the
 * configured tables that changed, printing progress (table, page, rows) and a
 * summary. Exits non-zero when any table failed. Uses the same database and
 * advisory lock as a running service, so it never races a scheduled refresh.
 */
import { loadConfig } from '../src/config.js';
import { withEnvFile } from '../src/env-file.js';
import { openDatabase } from '../src/db/client.js';
import { DatabaseLockedError } from '../src/db/pglite-lock.js';
import { runMigrations } from '../src/db/migrate.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import type { RefreshProgress } from '../src/cbs/refresh.js';
import { createCbsStore } from '../src/cbs/store.js';

function describe(p: RefreshProgress): string {
  switch (p.phase) {
    case 'catalog':
      return `${p.tableId}: catalog Modified ${p.modified ?? '?'} → ${p.changed ? 'reload' : 'unchanged'}`;
    case 'metadata':
      return `${p.tableId}: ${p.entitySet} (${p.rows} rows)`;
    case 'page':
      return `${p.tableId}: ${p.entitySet} page ${p.page}, ${p.rows} rows (${p.totalRows} so far)`;
    case 'stored':
      return `${p.tableId}: stored as version ${p.versionId} (${p.rows} rows) and swapped in`;
    case 'failed':
      return `${p.tableId}: FAILED, the previous version stays in use: ${p.error}`;
  }
}

async function main(): Promise<number> {
  const config = loadConfig(withEnvFile(process.env));
  const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, secrets: [] });
  const database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir, poolSize: 3 });
  try {
    await runMigrations(database);
    const store = createCbsStore({ database, logger, metrics: createMetrics(), config, instance: `cli:${process.pid}` });
    await store.bootstrapSnapshot();
    console.log(`CBS refresh from ${config.cbs.baseUrl} for ${config.cbs.tables.join(', ')} (${database.label})`);
    const summary = await store.refresh({
      trigger: 'cli',
      force: process.argv.includes('--force'),
      onProgress: (p) => console.log(`  ${describe(p)}`),
    });
    console.log(`\nrun ${summary.runId}: ${summary.status}`);
    for (const t of summary.tables) {
      const extra = t.action === 'failed' ? ` ${t.error}` : t.rows !== undefined ? ` ${t.rows} rows, version ${t.versionId}` : '';
      console.log(`  ${t.tableId.padEnd(10)} ${t.action}${extra}`);
    }
    if (summary.status === 'skipped') console.log('  another instance is refreshing right now; nothing done');
    return summary.status === 'failed' ? 1 : 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    if (err instanceof DatabaseLockedError) console.error('The running service refreshes CBS itself: POST /v1/cbs/refresh with the admin token.');
    process.exit(1);
  },
);
