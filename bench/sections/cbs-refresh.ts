import { loadConfig } from '../../src/config.js';
import { createCbsStore } from '../../src/cbs/store.js';
import { openDatabase } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { startFakeCbs } from '../../test/support/fakes/cbs-server.js';
import { createPostgresDatabase, dropPostgresDatabase } from '../../test/support/db.js';
import type { BenchSection } from '../lib/context.js';
import type { BenchRow } from '../lib/report.js';

/**
 * CBS refresh against the fake CBS (real 83583NED fixture, CBS's 10,000-row
 * feed pages) into a fresh PostgreSQL database: the full load of a changed
 * table, then the catalog check that finds it unchanged and fetches no data.
 */
export const cbsRefreshSection: BenchSection = {
  name: 'cbs',
  async run() {
    const fake = await startFakeCbs();
    fake.setModified('83583NED', new Date().toISOString());
    const url = await createPostgresDatabase();
    const database = await openDatabase({ url, poolSize: 3 });
    const store = createCbsStore({
      database,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      config: loadConfig({ CBS_BASE_URL: fake.url, CBS_TABLES: '83583NED' }),
    });
    try {
      await runMigrations(database);
      const t0 = performance.now();
      const full = await store.refresh({ trigger: 'cli' });
      const loadMs = performance.now() - t0;
      if (full.status !== 'ok') throw new Error(`full refresh ${full.status}: ${full.error}`);
      const fullRequests = fake.requests.length;
      const t1 = performance.now();
      const again = await store.refresh({ trigger: 'cli' });
      const checkMs = performance.now() - t1;
      const checkRequests = fake.requests.length - fullRequests;
      const rows: BenchRow[] = [
        { section: 'cbs', metric: 'full refresh of 83583NED (7,440 rows)', value: loadMs, unit: 'ms', note: `${fullRequests} requests to the fake CBS, into PostgreSQL` },
        { section: 'cbs', metric: 'unchanged check: requests', value: checkRequests, unit: 'req', note: `catalog only (${again.status}, ${Math.round(checkMs)} ms)` },
      ];
      return rows;
    } finally {
      await store.stop();
      await database.close();
      await dropPostgresDatabase(url);
      await fake.close();
    }
  },
};
