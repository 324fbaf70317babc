import { desc, eq, inArray } from 'drizzle-orm';
import type { Queryable } from '../db/client.js';
import { cbsCurrent, cbsRefreshRuns, cbsTableVersions } from '../db/schema.js';

/**
 * CBS cache freshness as the admin API, the status page and the metrics see it,
 * read straight from the versioned tables: which version each table serves,
 * when it was loaded, and how the last refresh run ended.
 */

export interface CbsTableFreshness {
  tableId: string;
  title: string | null;
  /** 'snapshot' (bundled copy) or 'odata' (fetched from CBS). */
  source: string;
  versionId: number;
  /** CBS's own modification timestamp of the table. */
  modified: string | null;
  loadedAt: Date | null;
  rowCount: number | null;
  /** The latest attempt for this table when it did not become current (a failed or running reload). */
  lastAttempt: { versionId: number; status: string; error: string | null; startedAt: Date } | null;
}

export interface CbsRefreshSummary {
  id: number;
  trigger: string;
  status: string;
  error: string | null;
  details: unknown;
  startedAt: Date;
  finishedAt: Date | null;
}

export async function cbsTableFreshness(db: Queryable): Promise<CbsTableFreshness[]> {
  const current = await db
    .select({
      tableId: cbsCurrent.tableId,
      versionId: cbsCurrent.versionId,
      title: cbsTableVersions.title,
      source: cbsTableVersions.source,
      modified: cbsTableVersions.modified,
      loadedAt: cbsTableVersions.finishedAt,
      swappedAt: cbsCurrent.swappedAt,
      rowCount: cbsTableVersions.rowCount,
    })
    .from(cbsCurrent)
    .innerJoin(cbsTableVersions, eq(cbsTableVersions.id, cbsCurrent.versionId))
    .orderBy(cbsCurrent.tableId);
  if (current.length === 0) return [];
  const attempts = await db
    .select({ id: cbsTableVersions.id, tableId: cbsTableVersions.tableId, status: cbsTableVersions.status, error: cbsTableVersions.error, startedAt: cbsTableVersions.startedAt })
    .from(cbsTableVersions)
    .where(inArray(cbsTableVersions.tableId, current.map((c) => c.tableId)))
    .orderBy(desc(cbsTableVersions.id));
  return current.map((c) => {
    const latest = attempts.find((a) => a.tableId === c.tableId);
    return {
      tableId: c.tableId,
      title: c.title,
      source: c.source,
      versionId: c.versionId,
      modified: c.modified,
      loadedAt: c.loadedAt ?? c.swappedAt,
      rowCount: c.rowCount,
      lastAttempt:
        latest && latest.id !== c.versionId ? { versionId: latest.id, status: latest.status, error: latest.error, startedAt: latest.startedAt } : null,
    };
  });
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
