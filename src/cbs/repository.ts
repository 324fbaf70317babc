import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { type Queryable, withTransaction } from '../db/client.js';
import { cbsCurrent, cbsRefreshRuns, cbsTableParts, cbsTableVersions } from '../db/schema.js';
import type { CbsTableData, CbsTableVersion } from './model.js';
import { parseTableData } from './validate.js';

/**
 * The versioned CBS cache in PostgreSQL/PGlite. A load writes a new version
 * (status 'loading') and its parts; one transaction then marks it ready and
 * points `cbs_current` at it. Readers only ever follow `cbs_current`, so they
 * see the whole old version or the whole new one, never a mix.
 */

/** TypedDataSet rows per jsonb part: small enough for one insert, few enough parts to read fast. */
export const ROWS_PER_PART = 2000;

export type VersionSource = CbsTableVersion['source'];

export async function createVersion(db: Queryable, tableId: string, source: VersionSource, info: CbsTableData['info']): Promise<number> {
  const [row] = await db
    .insert(cbsTableVersions)
    .values({
      tableId,
      source,
      status: 'loading',
      title: info.title.trim(),
      modified: info.modified,
      updated: info.updated ?? null,
      metaDataModified: info.metaDataModified ?? null,
    })
    .returning({ id: cbsTableVersions.id });
  return row.id;
}

/** Writes every entity set of `data` as parts of `versionId`. */
export async function storeParts(db: Queryable, versionId: number, data: CbsTableData): Promise<void> {
  const parts: Array<{ part: string; seq: number; data: unknown }> = [
    { part: 'info', seq: 0, data: { tableId: data.tableId, info: data.info } },
    { part: 'dataProperties', seq: 0, data: data.dataProperties },
    { part: 'categoryGroups', seq: 0, data: data.categoryGroups },
    ...Object.entries(data.dimensions).map(([key, rows]) => ({ part: `dimension:${key}`, seq: 0, data: rows })),
  ];
  for (let i = 0, seq = 0; i < data.rows.length || seq === 0; i += ROWS_PER_PART, seq++) {
    parts.push({ part: 'rows', seq, data: data.rows.slice(i, i + ROWS_PER_PART) });
  }
  for (const p of parts) {
    await db.insert(cbsTableParts).values({ versionId, part: p.part, seq: p.seq, data: p.data });
  }
}

/** In one transaction: the version becomes ready and current. */
export async function swapIn(db: Queryable, tableId: string, versionId: number, rowCount: number): Promise<void> {
  await withTransaction(db, async (tx) => {
    await tx
      .update(cbsTableVersions)
      .set({ status: 'ready', rowCount, finishedAt: new Date(), error: null })
      .where(eq(cbsTableVersions.id, versionId));
    await tx
      .insert(cbsCurrent)
      .values({ tableId, versionId, swappedAt: new Date() })
      .onConflictDoUpdate({ target: cbsCurrent.tableId, set: { versionId, swappedAt: new Date() } });
  });
}

/** A load that did not finish: recorded with its error, its parts dropped (they are never read). */
export async function markFailed(db: Queryable, versionId: number, error: string): Promise<void> {
  await db.delete(cbsTableParts).where(eq(cbsTableParts.versionId, versionId));
  await db
    .update(cbsTableVersions)
    .set({ status: 'failed', error: error.slice(0, 2000), finishedAt: new Date() })
    .where(eq(cbsTableVersions.id, versionId));
}

/** Keeps the current and the previous ready version (plus anything newer); drops the rest. */
export async function pruneVersions(db: Queryable, tableId: string): Promise<number> {
  const ready = await db
    .select({ id: cbsTableVersions.id })
    .from(cbsTableVersions)
    .where(and(eq(cbsTableVersions.tableId, tableId), eq(cbsTableVersions.status, 'ready')))
    .orderBy(desc(cbsTableVersions.id))
    .limit(2);
  if (ready.length < 2) return 0;
  const keepFrom = ready[1].id;
  const current = await currentPointers(db, [tableId]);
  const currentId = current.get(tableId);
  if (currentId !== undefined && currentId < keepFrom) return 0; // someone pointed back at an older version: leave it alone
  const deleted = await db
    .delete(cbsTableVersions)
    .where(and(eq(cbsTableVersions.tableId, tableId), lt(cbsTableVersions.id, keepFrom)))
    .returning({ id: cbsTableVersions.id });
  return deleted.length;
}

/** tableId → versionId of what readers are served now. Cheap: one small table. */
export async function currentPointers(db: Queryable, tableIds?: string[]): Promise<Map<string, number>> {
  const rows = await db
    .select({ tableId: cbsCurrent.tableId, versionId: cbsCurrent.versionId })
    .from(cbsCurrent)
    .where(tableIds ? inArray(cbsCurrent.tableId, tableIds) : undefined);
  return new Map(rows.map((r) => [r.tableId, r.versionId]));
}

export interface CurrentVersionMeta {
  tableId: string;
  versionId: number;
  source: VersionSource;
  title: string | null;
  modified: string | null;
  updated: string | null;
  rowCount: number | null;
  loadedAt: Date | null;
}

export async function currentVersions(db: Queryable, tableIds?: string[]): Promise<CurrentVersionMeta[]> {
  const rows = await db
    .select({
      tableId: cbsCurrent.tableId,
      versionId: cbsCurrent.versionId,
      source: cbsTableVersions.source,
      title: cbsTableVersions.title,
      modified: cbsTableVersions.modified,
      updated: cbsTableVersions.updated,
      rowCount: cbsTableVersions.rowCount,
      loadedAt: cbsTableVersions.finishedAt,
    })
    .from(cbsCurrent)
    .innerJoin(cbsTableVersions, eq(cbsTableVersions.id, cbsCurrent.versionId))
    .where(tableIds ? inArray(cbsCurrent.tableId, tableIds) : undefined)
    .orderBy(asc(cbsCurrent.tableId));
  return rows.map((r) => ({ ...r, source: r.source as VersionSource }));
}

/**
 * The current version of a table, whole. One statement joins the pointer to
 * the parts, so it reads one consistent version even while a swap commits.
 */
export async function readCurrentTable(db: Queryable, tableId: string): Promise<CbsTableVersion | undefined> {
  const parts = await db
    .select({
      versionId: cbsCurrent.versionId,
      source: cbsTableVersions.source,
      finishedAt: cbsTableVersions.finishedAt,
      part: cbsTableParts.part,
      seq: cbsTableParts.seq,
      data: cbsTableParts.data,
    })
    .from(cbsCurrent)
    .innerJoin(cbsTableVersions, eq(cbsTableVersions.id, cbsCurrent.versionId))
    .innerJoin(cbsTableParts, eq(cbsTableParts.versionId, cbsCurrent.versionId))
    .where(eq(cbsCurrent.tableId, tableId))
    .orderBy(asc(cbsTableParts.part), asc(cbsTableParts.seq));
  if (parts.length === 0) return undefined;
  const first = parts[0];
  const byPart = new Map<string, unknown[]>();
  for (const p of parts) byPart.set(p.part, [...(byPart.get(p.part) ?? []), p.data]);
  const head = byPart.get('info')?.[0] as { tableId: string; info: unknown } | undefined;
  // Parts come back sorted by name; put the dimensions back in DataProperties order.
  const properties = (byPart.get('dataProperties')?.[0] ?? []) as Array<{ key?: string }>;
  const order = new Map(properties.map((p, i) => [`dimension:${p.key}`, i]));
  const dimensionParts = [...byPart.keys()]
    .filter((name) => name.startsWith('dimension:'))
    .sort((a, b) => (order.get(a) ?? Number.MAX_SAFE_INTEGER) - (order.get(b) ?? Number.MAX_SAFE_INTEGER));
  const dimensions: Record<string, unknown> = {};
  for (const name of dimensionParts) dimensions[name.slice('dimension:'.length)] = byPart.get(name)?.[0];
  const where = `cbs_table_versions ${first.versionId}`;
  const data = parseTableData(
    {
      tableId: head?.tableId,
      info: head?.info,
      dataProperties: byPart.get('dataProperties')?.[0],
      categoryGroups: byPart.get('categoryGroups')?.[0],
      dimensions,
      rows: (byPart.get('rows') ?? []).flat(),
    },
    where,
  );
  return {
    versionId: first.versionId,
    tableId,
    source: first.source as VersionSource,
    loadedAt: (first.finishedAt ?? new Date(0)).toISOString(),
    data,
  };
}

/** Tables that have ever had a load attempt (any status). */
export async function tablesWithVersions(db: Queryable): Promise<Set<string>> {
  const rows = await db.selectDistinct({ tableId: cbsTableVersions.tableId }).from(cbsTableVersions);
  return new Set(rows.map((r) => r.tableId));
}

// ─── refresh runs ─────────────────────────────────────────────────────────────

export type RunStatus = 'running' | 'ok' | 'failed' | 'skipped';

export async function startRun(db: Queryable, trigger: string, instance: string, status: RunStatus = 'running'): Promise<number> {
  const [row] = await db
    .insert(cbsRefreshRuns)
    .values({ trigger, instance, status, ...(status === 'skipped' ? { finishedAt: new Date() } : {}) })
    .returning({ id: cbsRefreshRuns.id });
  return row.id;
}

/**
 * Closes as failed the runs and table loads still marked running: called by the
 * holder of the refresh lock, so whatever started them is gone (a crash, a kill).
 * Returns how many runs it closed.
 */
export async function closeAbandonedRuns(db: Queryable): Promise<number> {
  const error = 'abandoned: the process running it stopped before it finished';
  const runs = await db
    .update(cbsRefreshRuns)
    .set({ status: 'failed', error, finishedAt: new Date() })
    .where(eq(cbsRefreshRuns.status, 'running'))
    .returning({ id: cbsRefreshRuns.id });
  const loads = await db.select({ id: cbsTableVersions.id }).from(cbsTableVersions).where(eq(cbsTableVersions.status, 'loading'));
  for (const load of loads) await markFailed(db, load.id, error);
  return runs.length;
}

export async function finishRun(db: Queryable, id: number, status: RunStatus, details: unknown, error: string | null): Promise<void> {
  await db
    .update(cbsRefreshRuns)
    .set({ status, details: sql`${JSON.stringify(details)}::jsonb`, error, finishedAt: new Date() })
    .where(eq(cbsRefreshRuns.id, id));
}

export interface RunRecord {
  id: number;
  trigger: string;
  status: string;
  error: string | null;
  details: unknown;
  startedAt: Date;
  finishedAt: Date | null;
}

/** Refresh runs, newest first; `finishedOnly` drops running and skipped runs (they say nothing about health). */
export async function recentRuns(db: Queryable, limit = 20, options: { finishedOnly?: boolean } = {}): Promise<RunRecord[]> {
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
    .where(options.finishedOnly ? inArray(cbsRefreshRuns.status, ['ok', 'failed']) : undefined)
    .orderBy(desc(cbsRefreshRuns.id))
    .limit(limit);
}
