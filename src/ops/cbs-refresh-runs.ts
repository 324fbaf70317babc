import { type RunRecord, recentRuns } from '../cbs/repository.js';
import type { Queryable } from '../db/client.js';

/**
 * CBS refresh runs as the admin API, the status page and the metrics see them
 * (per-table freshness comes from src/cbs/status.ts). The query itself lives
 * with the rest of the CBS storage in src/cbs/repository.ts.
 */

export type CbsRefreshSummary = RunRecord;

/** The most recent refresh runs, newest first. */
export function recentCbsRefreshes(db: Queryable, limit = 5): Promise<CbsRefreshSummary[]> {
  return recentRuns(db, limit);
}

/** The last run that finished one way or the other. */
export async function lastFinishedCbsRefresh(db: Queryable): Promise<CbsRefreshSummary | undefined> {
  const [run] = await recentRuns(db, 1, { finishedOnly: true });
  return run;
}
