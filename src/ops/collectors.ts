import type { Queryable } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { currentVersions } from '../cbs/repository.js';
import { lastFinishedCbsRefresh } from './cbs-refresh-runs.js';
import { queueStats } from '../jobs/queue.js';

/** How stale the job gauges may be: a fraction of any scrape interval (15 s and up). */
export const QUEUE_STATS_MAX_AGE_MS = 5_000;

export interface CollectorOptions {
  queueStatsMaxAgeMs?: number;
  now?: () => number;
}

/**
 * `load`, at most one call in flight, its answer reused until it is
 * `maxAgeMs` old. A failed call is not kept: the next scrape tries again.
 */
function sharedFor<T>(load: () => Promise<T>, maxAgeMs: number, now: () => number): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const t = now();
    if (last && t - last.at < maxAgeMs) return last.value;
    const value = load();
    const entry = { at: t, value };
    last = entry;
    value.catch(() => {
      if (last === entry) last = undefined;
    });
    return value;
  };
}

/**
 * Gauges that mirror database state, filled just before each scrape. Reading
 * the database (not process memory) makes every instance report the shared
 * truth: the queue and the CBS cache belong to all of them.
 */
export function registerOpsCollectors(metrics: Metrics, db: Queryable, cbsTables: string[], logger?: Logger, options: CollectorOptions = {}): void {
  // The queue's counts scan every job (the table is never pruned): at 1M jobs 167 ms a
  // scrape, and 8 open /metrics clients pushed webhook p99 to 1 s (review 2026-12, L6).
  // So one query at a time, and its answer reused for QUEUE_STATS_MAX_AGE_MS.
  const stats = sharedFor(() => queueStats(db), options.queueStatsMaxAgeMs ?? QUEUE_STATS_MAX_AGE_MS, options.now ?? Date.now);
  metrics.addCollector(async () => {
    try {
      const { counts, oldestReadyAgeSeconds } = await stats();
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
