import { tryWithAdvisoryLock } from '../db/advisory-lock.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { type CbsClientOptions, createCbsClient } from './client.js';
import { type LoadProgress, loadTable } from './loader.js';
import { mapTableInfo } from './map.js';
import { persistTable } from './persist.js';
import { closeAbandonedRuns, createVersion, currentVersions, finishRun, markFailed, startRun } from './repository.js';
import { type CbsV4ClientOptions, createCbsV4Client } from './v4-client.js';
import { loadTableV4, v4TableInfo } from './v4-loader.js';

/**
 * One refresh run: ask the catalog about every configured table, reload those
 * CBS changed (or that have no fetched copy yet), swap each in as it
 * completes. Only one process refreshes at a time (a PostgreSQL advisory lock
 * on a dedicated connection); a run that finds the lock taken records itself as
 * 'skipped'. A table that fails keeps its last good version.
 *
 * A run has one deadline (`deadlineMs`): past it every request stops and the
 * run ends failed, so a server that trickles its answers cannot hold the lock
 * (and this process's refresh) for ever. A table's requests stop as soon as one
 * of them failed the table. Runs still 'running' when the lock is ours belong to
 * a process that died; they are closed as failed.
 */

/** Long enough for every configured table on a slow CBS; a run past it is stuck, not slow. */
export const DEFAULT_RUN_DEADLINE_MS = 60 * 60_000;

export type RefreshTrigger = 'cron' | 'cli' | 'admin' | 'start';

export type RefreshProgress =
  | LoadProgress
  | { phase: 'catalog'; tableId: string; changed: boolean; modified: string | null }
  | { phase: 'stored'; tableId: string; versionId: number; rows: number }
  | { phase: 'failed'; tableId: string; error: string };

export interface RefreshOptions {
  trigger: RefreshTrigger;
  /** Reload even when the catalog says nothing changed. */
  force?: boolean;
  onProgress?: (p: RefreshProgress) => void;
}

export interface RefreshTableResult {
  tableId: string;
  action: 'loaded' | 'unchanged' | 'failed';
  versionId?: number;
  rows?: number;
  modified?: string | null;
  error?: string;
}

export interface RefreshSummary {
  runId: number;
  trigger: RefreshTrigger;
  status: 'ok' | 'failed' | 'skipped';
  tables: RefreshTableResult[];
  error: string | null;
  startedAt: string;
  finishedAt: string;
}

export interface RefreshDeps {
  database: Database;
  logger: Logger;
  metrics: Metrics;
  tables: string[];
  instance: string;
  client: CbsClientOptions;
  /** Tables read through OData v4 (upper-case ids) and that client's options. */
  v4?: { tables: string[]; client: CbsV4ClientOptions };
  /** Called after each successful swap (the store invalidates its memory cache). */
  onSwapped: (tableId: string) => Promise<void> | void;
  /** The whole run's deadline (default DEFAULT_RUN_DEADLINE_MS). */
  deadlineMs?: number;
}

export async function runRefresh(deps: RefreshDeps, options: RefreshOptions): Promise<RefreshSummary> {
  const startedAt = new Date().toISOString();
  const locked = await tryWithAdvisoryLock(deps.database, 'cbsRefresh', () => refreshLocked(deps, options, startedAt));
  if (locked.acquired) return locked.value;
  const runId = await startRun(deps.database.db, options.trigger, deps.instance, 'skipped');
  deps.logger.info({ runId, trigger: options.trigger }, 'CBS refresh skipped: another instance is refreshing');
  return { runId, trigger: options.trigger, status: 'skipped', tables: [], error: null, startedAt, finishedAt: new Date().toISOString() };
}

async function refreshLocked(deps: RefreshDeps, options: RefreshOptions, startedAt: string): Promise<RefreshSummary> {
  const db = deps.database.db;
  const abandoned = await closeAbandonedRuns(db);
  const runId = await startRun(db, options.trigger, deps.instance);
  const log = deps.logger.child({ runId, trigger: options.trigger });
  if (abandoned) log.warn({ abandoned }, 'closed CBS refresh runs left running by a process that stopped');
  const deadlineMs = deps.deadlineMs ?? DEFAULT_RUN_DEADLINE_MS;
  const runSignal = AbortSignal.timeout(deadlineMs);
  const progress = options.onProgress;
  const onRetry: CbsClientOptions['onRetry'] = (info) => {
    log.warn({ url: info.url, attempt: info.attempt, delayMs: info.delayMs, reason: info.reason }, 'CBS request failed, retrying');
    deps.client.onRetry?.(info);
  };
  const v4Tables = new Set((deps.v4?.tables ?? []).map((t) => t.toUpperCase()));
  const results: RefreshTableResult[] = [];
  const current = new Map((await currentVersions(db, deps.tables)).map((v) => [v.tableId, v]));
  for (const tableId of deps.tables) {
    let versionId: number | undefined;
    // One table's clients: when the table fails, its other collections stop too.
    const tableAbort = new AbortController();
    const signal = AbortSignal.any([runSignal, tableAbort.signal]);
    const client = createCbsClient({ ...deps.client, onRetry, signal });
    const v4Client = deps.v4 && v4Tables.size ? createCbsV4Client({ ...deps.v4.client, onRetry, signal }) : undefined;
    try {
      try {
        if (runSignal.aborted) throw new Error(`the refresh run passed its deadline of ${deadlineMs} ms`);
        const have = current.get(tableId);
        // v3: the catalog record says what changed; v4: the table's Properties singleton.
        const v4 = v4Client && v4Tables.has(tableId.toUpperCase()) ? await v4Client.properties(tableId) : undefined;
        const catalog = v4 ? undefined : await client.catalogRecord(tableId);
        if (!v4 && !catalog) throw new Error(`CBS table ${tableId} is not listed in the CBS catalog (discontinued or a wrong id?)`);
        const info = v4 ? v4TableInfo(v4) : mapTableInfo(catalog!, tableId);
        if (v4?.Status && /gediscontinueerd|stopgezet/i.test(v4.Status)) log.warn({ tableId, status: v4.Status }, 'CBS says this table is discontinued');
        const changed = !have || have.source !== 'odata' || have.modified !== (info.modified ?? null) || have.updated !== (info.updated ?? null);
        progress?.({ phase: 'catalog', tableId, changed, modified: info.modified ?? null });
        if (!changed && !options.force) {
          results.push({ tableId, action: 'unchanged', versionId: have?.versionId, modified: have?.modified ?? null });
          continue;
        }
        // The attempt is visible (status 'loading') while it runs, and stays on record if it fails.
        versionId = await createVersion(db, tableId, 'odata', info);
        const data = v4
          ? await loadTableV4(v4Client!, tableId, { properties: v4, onProgress: progress })
          : await loadTable(client, tableId, { catalog, onProgress: progress });
        await persistTable(db, data, 'odata', versionId);
        progress?.({ phase: 'stored', tableId, versionId, rows: data.rows.length });
        log.info({ tableId, versionId, rows: data.rows.length, modified: data.info.modified }, 'CBS table loaded and swapped in');
        results.push({ tableId, action: 'loaded', versionId, rows: data.rows.length, modified: data.info.modified });
        await deps.onSwapped(tableId);
      } catch (err) {
        tableAbort.abort(new Error(`table ${tableId} failed`));
        const error = err instanceof Error ? err.message : String(err);
        if (versionId !== undefined) await markFailed(db, versionId, error).catch(() => undefined);
        progress?.({ phase: 'failed', tableId, error });
        log.error({ tableId, err: error }, 'CBS table refresh failed; the last good version stays in use');
        results.push({ tableId, action: 'failed', versionId, error });
      }
    } finally {
      await client.close().catch(() => undefined);
      await v4Client?.close().catch(() => undefined);
    }
  }
  const failed = results.filter((r) => r.action === 'failed');
  const status = failed.length ? 'failed' : 'ok';
  const error = failed.length ? failed.map((f) => f.error).join('; ').slice(0, 2000) : null;
  await finishRun(db, runId, status, results, error);
  const finishedAt = new Date();
  deps.metrics.cbsLastRefreshSuccess.set(status === 'ok' ? 1 : 0);
  deps.metrics.cbsLastRefreshTimestamp.set(finishedAt.getTime() / 1000);
  return { runId, trigger: options.trigger, status, tables: results, error, startedAt, finishedAt: finishedAt.toISOString() };
}
