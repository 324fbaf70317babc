import { desc, inArray } from 'drizzle-orm';
import type { Queryable } from '../db/client.js';
import { cbsRefreshRuns } from '../db/schema.js';
import { currentVersions } from './repository.js';

/** What GET /v1/cbs/tables shows per table. */
export interface CbsTableStatus {
  tableId: string;
  title: string | null;
  source: 'snapshot' | 'odata' | null;
  versionId: number | null;
  modified: string | null;
  loadedAt: string | null;
  rowCount: number | null;
  lastRefresh: { runId: number; status: string; action: string | null; error: string | null; finishedAt: string | null } | null;
}

interface RunDetail {
  tableId?: string;
  action?: string;
  error?: string;
}

export async function tableStatus(db: Queryable, tables: string[]): Promise<CbsTableStatus[]> {
  const [current, runs] = await Promise.all([
    currentVersions(db, tables),
    db
      .select({ id: cbsRefreshRuns.id, status: cbsRefreshRuns.status, details: cbsRefreshRuns.details, error: cbsRefreshRuns.error, finishedAt: cbsRefreshRuns.finishedAt })
      .from(cbsRefreshRuns)
      .where(inArray(cbsRefreshRuns.status, ['ok', 'failed', 'running']))
      .orderBy(desc(cbsRefreshRuns.id))
      .limit(50),
  ]);
  const byTable = new Map(current.map((c) => [c.tableId, c]));
  return tables.map((tableId) => {
    const c = byTable.get(tableId);
    const run = runs.find((r) => r.status === 'running' || detailsOf(r.details).some((d) => d.tableId === tableId));
    const detail = run ? detailsOf(run.details).find((d) => d.tableId === tableId) : undefined;
    return {
      tableId,
      title: c?.title ?? null,
      source: c?.source ?? null,
      versionId: c?.versionId ?? null,
      modified: c?.modified ?? null,
      loadedAt: c?.loadedAt?.toISOString() ?? null,
      rowCount: c?.rowCount ?? null,
      lastRefresh: run
        ? {
            runId: run.id,
            status: run.status,
            action: detail?.action ?? null,
            error: detail?.error ?? null,
            finishedAt: run.finishedAt?.toISOString() ?? null,
          }
        : null,
    };
  });
}

function detailsOf(details: unknown): RunDetail[] {
  return Array.isArray(details) ? (details as RunDetail[]) : [];
}
