import { sql } from 'drizzle-orm';
import type { Database } from './client.js';

/**
 * PostgreSQL session advisory locks: the one way an instance says "only one of
 * us does this at a time" (apply migrations, load the bundled CBS snapshot,
 * refresh CBS tables, sweep CRMs for lost webhooks).
 *
 * Every lock id lives in LOCKS, so two features can never pick the same number
 * by accident. The ids are the ones the features used before they shared this
 * module: an old and a new instance running side by side during a deploy still
 * exclude each other. Never renumber one; retire an id rather than reuse it.
 */
export const LOCKS = {
  /** Several instances may start at once: one applies the migrations, the others wait. */
  migration: 727_411_001,
  /** One instance refreshes the CBS tables; the others record their run as skipped. */
  cbsRefresh: 727_411_002,
  /** Two instances starting together load the bundled snapshot once. */
  cbsBootstrap: 727_411_003,
  // 727_411_004 and 727_411_005: never used; free, but take a new number rather than these.
  /** One instance sweeps the CRMs for leads whose webhooks never arrived. */
  catchup: 727_411_006,
  /** One instance lists the CRMs' records for the running backfills (src/jobs/backfill.ts). */
  backfill: 727_411_007,
  /** One instance looks for out-of-date cards to refresh (src/jobs/refresh.ts). */
  cardRefresh: 727_411_008,
  /** One instance refreshes an OAuth access token; the others wait, then read the refreshed row. */
  oauthRefresh: 727_411_009,
} as const;

export type LockName = keyof typeof LOCKS;

export type TryLockResult<T> = { acquired: true; value: T } | { acquired: false };

/**
 * PGlite has a single connection, so every "session" is the same one, where a
 * session lock is re-entrant: a second taker would always get it. Within one
 * process we therefore queue the takers ourselves (keyed by the drizzle handle,
 * which copies of a Database share); there is no other process to exclude.
 */
const localHolders = new WeakMap<object, Map<number, Promise<void>>>();

/** Runs `fn` while holding `lock`, waiting as long as another session holds it. */
export async function withAdvisoryLock<T>(database: Database, lock: LockName, fn: () => Promise<T>): Promise<T> {
  const id = LOCKS[lock];
  if (database.kind === 'pglite') {
    const holders = localHoldersOf(database);
    // Wait until nobody in this process holds it; a holder that failed still released it.
    for (let held = holders.get(id); held; held = holders.get(id)) await held;
    return holdLocally(holders, id, () => waitForLock(database, id, fn));
  }
  return waitForLock(database, id, fn);
}

/**
 * Runs `fn` only when `lock` is free right now; otherwise returns at once with
 * `acquired: false` and `fn` never runs.
 */
export async function tryWithAdvisoryLock<T>(
  database: Database,
  lock: LockName,
  fn: () => Promise<T>,
): Promise<TryLockResult<T>> {
  const id = LOCKS[lock];
  if (database.kind === 'pglite') {
    const holders = localHoldersOf(database);
    if (holders.has(id)) return { acquired: false };
    return holdLocally(holders, id, () => sessionLock(database, id, 'try', fn));
  }
  return sessionLock(database, id, 'try', fn);
}

async function waitForLock<T>(database: Database, id: number, fn: () => Promise<T>): Promise<T> {
  const result = await sessionLock(database, id, 'wait', fn);
  if (!result.acquired) throw new Error(`advisory lock ${id} was not taken`); // pg_advisory_lock waits, it never refuses
  return result.value;
}

/** Takes the lock on one dedicated session (it must be released on the session that took it), runs fn, releases. */
async function sessionLock<T>(
  database: Database,
  id: number,
  mode: 'wait' | 'try',
  fn: () => Promise<T>,
): Promise<TryLockResult<T>> {
  return database.withSession(async (run): Promise<TryLockResult<T>> => {
    if (mode === 'wait') {
      await run(sql`select pg_advisory_lock(${id})`);
    } else {
      const [row] = await run(sql`select pg_try_advisory_lock(${id}) as acquired`);
      if (!isTrue(row?.acquired)) return { acquired: false };
    }
    try {
      return { acquired: true, value: await fn() };
    } finally {
      // A failed unlock means the connection is gone, and PostgreSQL drops a
      // session's locks with it; fn's own result or error is what the caller needs.
      await run(sql`select pg_advisory_unlock(${id})`).catch(() => undefined);
    }
  });
}

/**
 * The one check of a boolean column from a raw query. postgres.js and PGlite
 * through drizzle both parse it to `true`; a driver in text mode would give
 * `'t'`. Anything else (false, null, no row) is "no".
 */
function isTrue(value: unknown): boolean {
  return value === true || value === 't';
}

function localHoldersOf(database: Database): Map<number, Promise<void>> {
  let holders = localHolders.get(database.db);
  if (!holders) {
    holders = new Map();
    localHolders.set(database.db, holders);
  }
  return holders;
}

async function holdLocally<T>(holders: Map<number, Promise<void>>, id: number, fn: () => Promise<T>): Promise<T> {
  let release!: () => void;
  holders.set(id, new Promise<void>((resolve) => { release = resolve; }));
  try {
    return await fn();
  } finally {
    holders.delete(id);
    release();
  }
}
