import { inArray } from 'drizzle-orm';
import type { Queryable } from '../db/client.js';
import { backfillRuns } from '../db/schema.js';
import { backfillProgress } from '../jobs/backfill-runs.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

/**
 * The backfill gauges, filled before each scrape from the database (every instance reports the
 * shared truth): per unfinished run (listing, listed with jobs left, paused) its jobs by status,
 * its total and when it last made progress — what the progress and stall alerts read
 * (ops/prometheus/alerts.yml). A finished run stops reporting.
 */
export function registerBackfillCollector(metrics: Metrics, db: Queryable, logger?: Logger): void {
  metrics.addCollector(async () => {
    try {
      const runs = await db.select().from(backfillRuns).where(inArray(backfillRuns.state, ['listing', 'listed', 'paused']));
      metrics.backfillJobs.reset();
      metrics.backfillTotal.reset();
      metrics.backfillLastProgress.reset();
      for (const run of runs) {
        const p = await backfillProgress(db, run);
        const finished = run.state === 'listed' && p.jobs.queued + p.jobs.running === 0;
        if (finished) continue;
        const labels = { run: String(run.id), source: run.source, object_type: run.objectType };
        for (const [status, n] of Object.entries(p.jobs)) metrics.backfillJobs.set({ ...labels, status }, n);
        metrics.backfillTotal.set(labels, p.total ?? run.listed);
        const last = Math.max(run.updatedAt.getTime(), p.lastFinishedAt?.getTime() ?? 0);
        metrics.backfillLastProgress.set(labels, last / 1000);
      }
    } catch (err) {
      logger?.warn({ err }, 'metrics: reading the backfills failed');
    }
  });
}
