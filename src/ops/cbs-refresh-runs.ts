import { desc, inArray } from 'drizzle-orm';
import type { Queryable } from '../db/client.js';
import { cbsRefreshRuns } from '../db/schema.js';

/**
 * CBS refresh runs as the admin API, the status page and the metrics see them
 * (per-table freshness comes from src/cbs/status.ts).
 */

export interface CbsRefreshSummary {
  id: number;
  trigger: string;
  status: string;
  error: string | null;
  details: unknown;
  startedAt: Date;
  finishedAt: Date | null;
}

/** The most recent refresh runs, newest first. */
export async function recentCbsRefreshes(db: Queryable, limit = 5): Promise<CbsRefreshSummary[]> {
  return db
    .select({
      id: cbsRefreshRuns.id,
      trigger: cbsRefreshRuns.trigger,
      status: cbsRefreshRuns.status,
      error: cbsRefreshRuns.error,
      details: cbsRefreshRuns.details,
      startedAt: cbsRefreshRuns.startedAt,
      finishedAt: cbsRefreshRuns.finishedAt,
    })
    .from(cbsRefreshRuns)
    .orderBy(desc(cbsRefreshRuns.id))
    .limit(limit);
}

/** The last run that finished one way or the other (skipped and running runs say nothing about health). */
export async function lastFinishedCbsRefresh(db: Queryable): Promise<CbsRefreshSummary | undefined> {
  const runs = await db
    .select({
      id: cbsRefreshRuns.id,
      trigger: cbsRefreshRuns.trigger,
      status: cbsRefreshRuns.status,
      error: cbsRefreshRuns.error,
      details: cbsRefreshRuns.details,
      startedAt: cbsRefreshRuns.startedAt,
      finishedAt: cbsRefreshRuns.finishedAt,
    })
    .from(cbsRefreshRuns)
    .where(inArray(cbsRefreshRuns.status, ['ok', 'failed']))
    .orderBy(desc(cbsRefreshRuns.id))
    .limit(1);
  return runs[0];
}
