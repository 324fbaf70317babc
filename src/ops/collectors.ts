import type { Queryable } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { currentVersions } from '../cbs/repository.js';
import { lastFinishedCbsRefresh } from './cbs-refresh-runs.js';
import { queueStats } from '../jobs/queue.js';

/**
 * Gauges that mirror database state, filled just before each scrape. Reading
 * the database (not process memory) makes every instance report the shared
 * truth: the queue and the CBS cache belong to all of them.
 */
export function registerOpsCollectors(metrics: Metrics, db: Queryable, cbsTables: string[], logger?: Logger): void {
  metrics.addCollector(async () => {
    try {
      const { counts, oldestReadyAgeSeconds } = await queueStats(db);
      for (const [status, n] of Object.entries(counts)) metrics.jobsByState.set({ status }, n);
      metrics.queueOldestAgeSeconds.set(oldestReadyAgeSeconds);
    } catch (err) {
      logger?.warn({ err }, 'metrics: reading the queue failed');
    }
  });
  metrics.addCollector(async () => {
    try {
      const now = Date.now();
      const [tables, last] = await Promise.all([currentVersions(db, cbsTables), lastFinishedCbsRefresh(db)]);
      // Reset first so a table dropped from CBS_TABLES stops reporting an age.
      metrics.cbsTableAgeSeconds.reset();
      for (const t of tables) {
        if (t.loadedAt) metrics.cbsTableAgeSeconds.set({ table: t.tableId }, Math.max(0, (now - t.loadedAt.getTime()) / 1000));
      }
      if (last) {
        metrics.cbsLastRefreshSuccess.set(last.status === 'ok' ? 1 : 0);
        metrics.cbsLastRefreshTimestamp.set((last.finishedAt ?? last.startedAt).getTime() / 1000);
      }
    } catch (err) {
      logger?.warn({ err }, 'metrics: reading the CBS cache state failed');
    }
  });
}
