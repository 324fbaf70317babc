import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Cron } from 'croner';
import { LRUCache } from 'lru-cache';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { bootstrapSnapshot, bundledTableIds } from './bootstrap.js';
import type { CbsClientOptions } from './client.js';
import type { CbsTableVersion } from './model.js';
import type { RefreshOptions, RefreshSummary } from './refresh.js';
import { currentPointers, readCurrentTable, tablesWithVersions } from './repository.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { type CbsTableStatus, tableStatus } from './status.js';

/**
 * The CBS cache as the rest of the service sees it: memory (lru-cache) in
 * front of the versioned tables in the database. A swap, ours or another
 * instance's (noticed by a cheap poll of `cbs_current`), drops the memory copy
 * and tells `onSwap` listeners, e.g. the enrichment engine, to rebuild.
 */

/**
 * The CBS settings the store works from: what `config.cbs` holds (src/config.ts),
 * declared here so that cbs/ does not import the config module, which imports
 * the domain (figure specs) that imports cbs/.
 */
export interface CbsSettings {
  baseUrl: string;
  tables: string[];
  refreshCron: string;
  timezone: string;
  v4Tables: string[];
  v4BaseUrl: string;
}

export interface CbsStoreOptions {
  database: Database;
  logger: Logger;
  metrics: Metrics;
  config: { cbs: CbsSettings };
  /** Client overrides (retry policy, timeouts) for tests and scripts. */
  client?: Partial<CbsClientOptions>;
  /** How often to look for swaps made by other instances. */
  pollIntervalMs?: number;
  snapshotDir?: string;
  /** Names this process in cbs_refresh_runs. */
  instance?: string;
}

export type SwapListener = (tableId: string) => void;
/** Told after a refresh run of this process that swapped in at least one table. */
export type RefreshedListener = (summary: RefreshSummary) => void;

export type CbsStore = ReturnType<typeof createCbsStore>;

export function createCbsStore(options: CbsStoreOptions) {
  const { database, logger, metrics } = options;
  const tables = options.config.cbs.tables;
  const log = logger.child({ component: 'cbs' });
  const instance = options.instance ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const snapshotDir = options.snapshotDir ?? SNAPSHOT_DIR;
  const clientOptions: CbsClientOptions = { baseUrl: options.config.cbs.baseUrl, ...options.client };

  const cache = new LRUCache<string, CbsTableVersion>({ max: Math.max(8, tables.length * 2) });
  const inflight = new Map<string, Promise<CbsTableVersion | undefined>>();
  /** The version each table pointed to when we last looked: a difference is a swap. */
  const known = new Map<string, number>();
  const listeners = new Set<SwapListener>();
  const refreshedListeners = new Set<RefreshedListener>();
  let refreshing: Promise<RefreshSummary> | undefined;
  let poller: NodeJS.Timeout | undefined;
  let cron: Cron | undefined;

  function swapped(tableId: string): void {
    cache.delete(tableId);
    for (const listener of listeners) {
      try {
        listener(tableId);
      } catch (err) {
        log.error({ err, tableId }, 'CBS swap listener failed');
      }
    }
  }

  /** Compares `cbs_current` with what we know; invalidates and notifies for every change. Returns the swapped tables. */
  async function checkForSwaps(): Promise<string[]> {
    const pointers = await currentPointers(database.db);
    const changed: string[] = [];
    for (const [tableId, versionId] of pointers) {
      if (known.get(tableId) !== versionId) changed.push(tableId);
      known.set(tableId, versionId);
    }
    for (const tableId of [...known.keys()]) {
      if (!pointers.has(tableId)) {
        known.delete(tableId);
        changed.push(tableId);
      }
    }
    for (const tableId of changed) swapped(tableId);
    return changed;
  }

  async function getTable(tableId: string): Promise<CbsTableVersion | undefined> {
    const hit = cache.get(tableId);
    if (hit) return hit;
    // Concurrent misses share one database read.
    let pending = inflight.get(tableId);
    if (!pending) {
      pending = readCurrentTable(database.db, tableId)
        .then((version) => {
          if (version) {
            cache.set(tableId, version);
            if (!known.has(tableId)) known.set(tableId, version.versionId);
            // A swap noticed while we read would leave a stale copy: drop it, the next call rereads.
            else if (known.get(tableId) !== version.versionId) cache.delete(tableId);
          }
          return version;
        })
        .finally(() => inflight.delete(tableId));
      inflight.set(tableId, pending);
    }
    return pending;
  }

  function refresh(refreshOptions: RefreshOptions): Promise<RefreshSummary> {
    if (refreshing) return refreshing;
    // The refresh and its HTTP client (undici) are imported on the first refresh, not with the
    // service's modules: loading them is part of no start (docs/performance.md).
    const deps = {
      database,
      logger: log,
      metrics,
      tables,
      instance,
      client: clientOptions,
      v4: { tables: options.config.cbs.v4Tables, client: { ...clientOptions, baseUrl: options.config.cbs.v4BaseUrl } },
      onSwapped: async () => {
        await checkForSwaps();
      },
    };
    const run = import('./refresh.js')
      .then(({ runRefresh }) => runRefresh(deps, refreshOptions))
      .then((summary) => {
        // A new period (or any reloaded table) can change cards: tell those who keep cards current.
        if (summary.tables.some((t) => t.action === 'loaded')) {
          for (const listener of refreshedListeners) {
            try {
              listener(summary);
            } catch (err) {
              log.error({ err }, 'CBS refresh listener failed');
            }
          }
        }
        return summary;
      })
      .finally(() => {
        if (refreshing === run) refreshing = undefined;
      });
    refreshing = run;
    return run;
  }

  return {
    instance,
    tables,

    getTable,

    /** The configured tables that have a current version. */
    async getTables(): Promise<CbsTableVersion[]> {
      const all = await Promise.all(tables.map((t) => getTable(t)));
      return all.filter((v): v is CbsTableVersion => v !== undefined);
    },

    /** Subscribes to swaps; returns the unsubscribe function. */
    onSwap(listener: SwapListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** Subscribes to refresh runs of this process that loaded a table (after the swap); returns the unsubscribe function. */
    onRefreshed(listener: RefreshedListener): () => void {
      refreshedListeners.add(listener);
      return () => refreshedListeners.delete(listener);
    },

    checkForSwaps,

    /** Loads the bundled snapshot for configured tables that have no current version. */
    async bootstrapSnapshot(): Promise<string[]> {
      const loaded = await bootstrapSnapshot(database, log, tables, snapshotDir);
      if (loaded.length) await checkForSwaps();
      return loaded;
    },

    isRefreshing(): boolean {
      return refreshing !== undefined;
    },

    /** One refresh run; concurrent calls in this process share the run already going. */
    refresh,

    /** Per configured table: what is served, where it came from, and how the last refresh went for it. */
    async status(): Promise<CbsTableStatus[]> {
      return tableStatus(database.db, tables);
    },

    /** Ready when every configured table we can have (bundled or loaded before) has a current version. */
    async readiness(): Promise<{ ok: boolean; detail?: string }> {
      const [pointers, bundled, attempted] = await Promise.all([
        currentPointers(database.db, tables),
        bundledTableIds(snapshotDir),
        tablesWithVersions(database.db),
      ]);
      const missing = tables.filter((t) => (bundled.has(t) || attempted.has(t)) && !pointers.has(t));
      if (missing.length) return { ok: false, detail: `no CBS data yet for ${missing.join(', ')}` };
      const served = tables.filter((t) => pointers.has(t));
      return { ok: true, detail: served.length ? `serving ${served.join(', ')}` : 'no CBS tables configured with data' };
    },

    /** Starts the swap poll and the refresh schedule (Europe/Amsterdam). */
    start(): void {
      if (!poller) {
        poller = setInterval(() => {
          checkForSwaps().catch((err) => log.warn({ err }, 'CBS swap check failed'));
        }, options.pollIntervalMs ?? 30_000);
        poller.unref();
      }
      if (!cron) {
        cron = new Cron(options.config.cbs.refreshCron, { timezone: options.config.cbs.timezone, protect: true }, async () => {
          try {
            const summary = await refresh({ trigger: 'cron' });
            log.info({ status: summary.status, tables: summary.tables }, 'scheduled CBS refresh finished');
          } catch (err) {
            log.error({ err }, 'scheduled CBS refresh failed');
          }
        });
      }
    },

    /** Stops the poll and the schedule, and waits for a running refresh to end. */
    async stop(): Promise<void> {
      if (poller) clearInterval(poller);
      poller = undefined;
      cron?.stop();
      cron = undefined;
      if (refreshing) await refreshing.catch(() => undefined);
    },
  };
}
