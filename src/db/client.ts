import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { PgDialect } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { copyPgliteBase, findPgliteBase, holdsDatabase } from './pglite-base.js';
import { choosePgliteDir } from './pglite-dir.js';
import { lockFolder } from './pglite-lock.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** The query surface shared by the PGlite and postgres.js drivers. Query functions take this. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema>;
/** A database handle or an open transaction: query functions accept either. */
export type Queryable = Db | Tx;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Where it lives, without credentials (for logs and the status page). */
  label: string;
  /** Something the operator should know about where the database lives (logged once at start). */
  notice?: string;
  /**
   * One parameterised statement straight to the driver, for the hottest path
   * (intake), where drizzle's query building was a measurable share of the CPU.
   * Prepared on PostgreSQL unless prepared statements are off. Rows come back
   * as the driver parses them (snake_case names, bigint as string on PostgreSQL).
   */
  query<T = Record<string, unknown>>(text: string, params: unknown[]): Promise<T[]>;
  /** Runs `fn` on one dedicated connection (advisory locks must be taken and released on the same one). */
  withSession<T>(fn: (run: (query: SQL) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** undefined → embedded PGlite in `pgliteDir`; `memory://` → in-memory PGlite; `postgres://…` → PostgreSQL. */
  url: string | undefined;
  /** undefined → ./var/pglite (or an existing ./data/pglite, see pglite-dir.ts). */
  pgliteDir?: string;
  /** Max PostgreSQL connections per process. */
  poolSize?: number;
  /**
   * The migrated base folder an empty embedded folder is copied from instead of running initdb
   * (pglite-base.ts); default the one the build wrote for the installed PGlite, `false` for none.
   */
  pgliteBase?: string | false;
  /** Told when a stale lock on the embedded folder (left by a killed process) was taken over. */
  onLockTakeover?: (why: string) => void;
  /**
   * Named prepared statements on PostgreSQL (default true). Turn off behind a
   * pooler that cannot carry them (PgBouncer in transaction mode before 1.21).
   */
  preparedStatements?: boolean;
}

/**
 * drizzle runs every query through postgres.js `unsafe()`, which does not
 * prepare: each query with parameters then costs two round trips (Parse +
 * Describe, wait, Bind + Execute) and a fresh parse and plan on the server.
 * Prepared, a repeated query is one round trip with a cached plan. This wraps
 * the client, and every transaction or savepoint client it hands out, so
 * drizzle's queries are prepared. postgres.js keeps the statements per
 * connection and drops them with it (connections are recycled after at most
 * an hour), and re-prepares when a migration invalidates a cached plan.
 */
function preparing(client: postgres.Sql): postgres.Sql {
  const wrap = (fn: (...args: never[]) => unknown) =>
    (...args: unknown[]) => {
      const callback = args.at(-1) as (tx: postgres.Sql) => unknown;
      return (fn as (...a: unknown[]) => unknown)(...args.slice(0, -1), (tx: postgres.Sql) => callback(preparing(tx)));
    };
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === 'unsafe') {
        return (query: string, params?: unknown, opts?: Record<string, unknown>) =>
          Array.isArray(params) || params === undefined
            ? target.unsafe(query, params as never[], { prepare: true, ...opts })
            : target.unsafe(query, [], { prepare: true, ...(params as Record<string, unknown>) });
      }
      if (prop === 'begin' || prop === 'savepoint') return wrap((value as (...args: never[]) => unknown).bind(target));
      return value;
    },
  });
}

/** Rows of a raw `db.execute()`, whichever driver answered (postgres.js gives an array, PGlite `{ rows }`). */
export async function queryRows<T = Record<string, unknown>>(db: Queryable, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const url = options.url;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    const client = postgres(url, {
      max: options.poolSize ?? 10,
      idle_timeout: 30,
      connect_timeout: 10,
      onnotice: () => {},
      // Names our connections in pg_stat_activity.
      connection: { application_name: 'verrijk' },
    });
    const prepare = options.preparedStatements !== false;
    const db = drizzlePostgres(prepare ? preparing(client) : client, { schema }) as unknown as Db;
    const dialect = new PgDialect();
    return {
      db,
      kind: 'postgres',
      label: redactUrl(url),
      query: async <T>(text: string, params: unknown[]) =>
        (await client.unsafe(text, params as never[], { prepare })) as unknown as T[],
      async withSession(fn) {
        const reserved = await client.reserve();
        try {
          return await fn(async (query) => {
            const rendered = dialect.sqlToQuery(query);
            return (await reserved.unsafe(rendered.sql, rendered.params as never[])) as unknown as Record<string, unknown>[];
          });
        } finally {
          reserved.release();
        }
      },
      close: () => client.end({ timeout: 5 }),
    };
  }

  let dataDir: string | undefined;
  let notice: string | undefined;
  if (url === 'memory://') dataDir = undefined;
  else if (url?.startsWith('file://')) dataDir = url.slice('file://'.length);
  else ({ dir: dataDir, notice } = choosePgliteDir(options.pgliteDir));
  if (dataDir) mkdirSync(path.resolve(dataDir), { recursive: true });
  // Before PGlite touches the folder: a second process on it corrupts it (pglite-lock.ts).
  const lock = dataDir ? lockFolder(dataDir, { onTakeover: options.onLockTakeover }) : undefined;

  // An empty folder starts as a copy of the migrated base when the build made one: initdb and the
  // migrations are most of a first start. Under the lock, so no other process sees a half copy.
  const base = dataDir && options.pgliteBase !== false && !holdsDatabase(dataDir) ? findPgliteBase(options.pgliteBase || undefined) : undefined;
  try {
    if (dataDir && base) copyPgliteBase(base, dataDir);
  } catch (err) {
    lock?.release();
    throw err;
  }
  // A live timer while PGlite starts: it compiles its wasm in V8's background threads, and with
  // nothing else to keep node's event loop alive the loop ran dry meanwhile, after which node's
  // platform waited for those threads and the first turn of the loop after the open stalled
  // 0.6-0.9 s on this machine (docs/performance.md, "Where a start's time goes").
  const keepLoop = setInterval(() => {}, 60_000);
  const client = new PGlite(dataDir);
  try {
    await client.waitReady;
  } catch (err) {
    lock?.release();
    throw err;
  } finally {
    clearInterval(keepLoop);
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    label: dataDir ? `pglite:${dataDir}` : 'pglite:memory',
    notice,
    query: async <T>(text: string, params: unknown[]) => (await client.query<T>(text, params)).rows,
    // PGlite has a single connection, so every call already shares one session.
    async withSession(fn) {
      return fn((query) => queryRows(db, query));
    },
    async close() {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** Runs `fn` in a transaction, or inside the caller's transaction when one is given. */
export async function withTransaction<T>(db: Queryable, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (isTransaction(db)) return fn(db);
  return (db as Db).transaction((tx) => fn(tx as Tx));
}

function isTransaction(db: Queryable): db is Tx {
  return 'rollback' in db && typeof (db as Tx).rollback === 'function';
}
