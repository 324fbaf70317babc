import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { type Queryable, queryRows } from '../db/client.js';
import { backfillRuns, jobs } from '../db/schema.js';

/**
 * The backfill runs as stored (`backfill_runs`) and the progress of their jobs: query functions
 * for the runner (backfill.ts), the admin API and the status page. A run's jobs are the jobs with
 * reason `backfill` whose payload names it (`payload.backfill.runId`, indexed).
 */

export type BackfillRun = typeof backfillRuns.$inferSelect;
export const BACKFILL_STATES = ['listing', 'listed', 'paused', 'cancelled', 'failed'] as const;
export type BackfillState = (typeof BACKFILL_STATES)[number];

/** While a run is paused its queued jobs are parked this far ahead; resuming makes them due again. */
export const PARKED_UNTIL = new Date('9999-01-01T00:00:00Z');

export interface NewBackfill {
  source: string;
  accountId: string;
  objectType: string;
  dryRun: boolean;
  createdBefore?: Date;
}

export async function insertBackfill(db: Queryable, run: NewBackfill): Promise<BackfillRun> {
  const [row] = await db
    .insert(backfillRuns)
    .values({
      source: run.source,
      accountId: run.accountId,
      objectType: run.objectType,
      dryRun: run.dryRun,
      filters: run.createdBefore ? { createdBefore: run.createdBefore.toISOString() } : {},
    })
    .returning();
  return row;
}

export async function getBackfill(db: Queryable, id: number): Promise<BackfillRun | undefined> {
  const [row] = await db.select().from(backfillRuns).where(eq(backfillRuns.id, id));
  return row;
}

export async function listBackfills(db: Queryable, limit = 20): Promise<BackfillRun[]> {
  return db.select().from(backfillRuns).orderBy(desc(backfillRuns.id)).limit(limit);
}

/** Runs whose listing goes on (state `listing`), oldest first. */
export async function listingBackfills(db: Queryable): Promise<BackfillRun[]> {
  return db.select().from(backfillRuns).where(eq(backfillRuns.state, 'listing')).orderBy(backfillRuns.id);
}

/**
 * One listed page recorded: the cursor moved (null: the listing is complete), `listed` and
 * `alreadyQueued` added, `enqueued` set to the run's jobs as they are (`runJobs`: a page listed
 * again after a crash made no new ones), and the total: what the run has plus what the CRM says is
 * left after this page.
 */
export async function recordPage(
  db: Queryable,
  id: number,
  page: { listed: number; alreadyQueued: number; runJobs: number; cursor: string | null; leftAfter: number | null },
): Promise<void> {
  const complete = page.cursor === null;
  const total = complete
    ? sql`${page.runJobs} + ${backfillRuns.alreadyQueued} + ${page.alreadyQueued}`
    : page.leftAfter === null
      ? null
      : sql`${page.runJobs} + ${backfillRuns.alreadyQueued} + ${page.alreadyQueued} + ${page.leftAfter}`;
  await db
    .update(backfillRuns)
    .set({
      listed: sql`${backfillRuns.listed} + ${page.listed}`,
      enqueued: page.runJobs,
      alreadyQueued: sql`${backfillRuns.alreadyQueued} + ${page.alreadyQueued}`,
      cursor: page.cursor,
      ...(total === null ? {} : { total }),
      // Listed: a listing error or a wait said before is over.
      error: null,
      // A run paused or cancelled while its page was listed keeps that state (its counts still add up).
      ...(complete ? { state: sql`case when ${backfillRuns.state} = 'listing' then 'listed' else ${backfillRuns.state} end`, listedAt: sql`now()` } : {}),
      updatedAt: sql`now()`,
    })
    .where(eq(backfillRuns.id, id));
}

export async function failBackfill(db: Queryable, id: number, error: string): Promise<void> {
  await db.update(backfillRuns).set({ error: error.slice(0, 2000), updatedAt: sql`now()` }).where(eq(backfillRuns.id, id));
}

/** The run's jobs that are still to do, by id (for pause, resume and cancel). */
const queuedOf = (id: number) => and(eq(jobs.reason, 'backfill'), sql`(${jobs.payload} -> 'backfill' ->> 'runId') = ${String(id)}`, eq(jobs.status, 'queued'));

/**
 * Moves a run to `to` when it is in one of `from`; false when it was not. Pausing parks its queued
 * jobs (`PARKED_UNTIL`), resuming makes them due, cancelling skips them.
 */
export async function transitionBackfill(db: Queryable, id: number, from: BackfillState[], to: BackfillState): Promise<boolean> {
  const rows = await db
    .update(backfillRuns)
    .set({ state: to, updatedAt: sql`now()`, ...(to === 'listing' ? { error: null } : {}) })
    .where(and(eq(backfillRuns.id, id), inArray(backfillRuns.state, from)))
    .returning({ id: backfillRuns.id, cursor: backfillRuns.cursor, listedAt: backfillRuns.listedAt });
  if (!rows.length) return false;
  if (to === 'paused') await db.update(jobs).set({ runAt: PARKED_UNTIL, updatedAt: sql`now()` }).where(queuedOf(id));
  if (to === 'listing') {
    await db.update(jobs).set({ runAt: sql`now()`, updatedAt: sql`now()` }).where(queuedOf(id));
    // A run resumed after its listing was complete has nothing left to list.
    if (rows[0].listedAt) await db.update(backfillRuns).set({ state: 'listed' }).where(eq(backfillRuns.id, id));
  }
  if (to === 'cancelled') {
    await db
      .update(jobs)
      .set({
        status: 'skipped',
        outcome: { kind: 'skipped', reason: 'backfill_cancelled' },
        finishedAt: sql`now()`,
        updatedAt: sql`now()`,
        history: sql`${jobs.history} || jsonb_build_array(jsonb_build_object('attempt', ${jobs.attempts}, 'at', now(), 'outcome', 'skipped', 'reason', 'backfill_cancelled'))`,
      })
      .where(queuedOf(id));
  }
  return true;
}

export interface BackfillProgress {
  /** Jobs of the run by status. */
  jobs: { queued: number; running: number; done: number; skipped: number; dead: number };
  /** Finished jobs (done, skipped, dead). */
  done: number;
  /** The run's jobs when complete: known once the listing is, or earlier when the CRM states a total (HubSpot); null while unknown. */
  total: number | null;
  /** Jobs finished per second over the last minute. */
  ratePerSecond: number;
  /** Seconds until every job is finished at that rate; null when unknown. */
  etaSeconds: number | null;
  /** When a job of the run last finished (the stall alert's clock). */
  lastFinishedAt: Date | null;
}

/** How many jobs `runId` has made, whatever their state. */
export async function runJobCount(db: Queryable, runId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(jobs)
    .where(and(eq(jobs.reason, 'backfill'), sql`(${jobs.payload} -> 'backfill' ->> 'runId') = ${String(runId)}`));
  return Number(row?.n ?? 0);
}

export async function backfillProgress(db: Queryable, run: BackfillRun): Promise<BackfillProgress> {
  const rows = await queryRows<{ status: string; n: number | string; recent: number | string; last_ms: number | string | null }>(
    db,
    sql`select status, count(*) as n,
          count(*) filter (where finished_at > now() - interval '60 seconds') as recent,
          extract(epoch from max(finished_at)) * 1000 as last_ms
        from jobs
        where reason = 'backfill' and (payload -> 'backfill' ->> 'runId') = ${String(run.id)}
        group by status`,
  );
  const counts = { queued: 0, running: 0, done: 0, skipped: 0, dead: 0 };
  let recent = 0;
  let last: number | null = null;
  for (const r of rows) {
    if (r.status in counts) counts[r.status as keyof typeof counts] = Number(r.n);
    recent += Number(r.recent);
    if (r.last_ms !== null) last = Math.max(last ?? 0, Number(r.last_ms));
  }
  const done = counts.done + counts.skipped + counts.dead;
  // Records that already had a job were not enqueued: they are not this run's to do.
  const total = run.total === null ? null : Math.max(0, run.total - run.alreadyQueued);
  const ratePerSecond = recent / 60;
  const left = (total ?? run.enqueued) - done;
  const etaSeconds = total === null ? null : left <= 0 ? 0 : ratePerSecond > 0 ? Math.round(left / ratePerSecond) : null;
  return { jobs: counts, done, total, ratePerSecond, etaSeconds, lastFinishedAt: last === null ? null : new Date(last) };
}
