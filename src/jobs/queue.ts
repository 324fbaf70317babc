import { and, desc, eq, inArray, lt, lte, type SQL, sql } from 'drizzle-orm';
import { type Queryable, queryRows } from '../db/client.js';
import { jobs } from '../db/schema.js';
import { type JobOutcome, type JobPayload, type JobRow, type LeadRef, leadKey } from './types.js';

/**
 * The durable queue on our own `jobs` table: the same SQL on PGlite and
 * PostgreSQL. Claiming takes a lease (`locked_until`) under FOR UPDATE SKIP
 * LOCKED, so instances never run a job twice at once and a crashed worker's job
 * is taken over when its lease runs out. `history` is the lead's audit trail.
 */

export const JOB_STATUSES = ['queued', 'running', 'done', 'skipped', 'dead'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobHistoryEntry {
  attempt: number;
  at: string;
  outcome: 'done' | 'skipped' | 'retry' | 'dead' | 'released' | 'lease_expired' | 'manual_retry';
  error?: string;
  reason?: string;
  durationMs?: number;
  worker?: string | null;
  runAt?: string;
}

export interface EnqueueInput {
  ref: LeadRef;
  reason: string;
  payload: JobPayload;
  maxAttempts?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 8;
const MAX_ERROR_LENGTH = 2000;

export async function enqueueJob(tx: Queryable, input: EnqueueInput): Promise<{ id: number }> {
  const [id] = await enqueueJobs(tx, [input]);
  return { id };
}

/** Inserts jobs in one statement; the ids come back in input order. */
export async function enqueueJobs(tx: Queryable, inputs: EnqueueInput[]): Promise<number[]> {
  if (inputs.length === 0) return [];
  const rows = await tx
    .insert(jobs)
    .values(
      inputs.map((i) => ({
        source: i.ref.source,
        accountId: i.ref.accountId,
        objectType: i.ref.objectType,
        objectId: i.ref.objectId,
        leadKey: leadKey(i.ref),
        reason: i.reason,
        payload: i.payload,
        maxAttempts: i.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      })),
    )
    .returning({ id: jobs.id });
  // PostgreSQL returns a multi-row VALUES insert in order; ids are serial, so sorting is a cheap guard.
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

const READY = sql`((${jobs.status} = 'queued' and ${jobs.runAt} <= now()) or (${jobs.status} = 'running' and ${jobs.lockedUntil} < now()))`;

/**
 * Claims up to `limit` ready jobs of ONE source and account (so an adapter can
 * batch its CRM calls): the oldest ready job picks the account, the rest of the
 * batch comes from the same one. Ready: queued and due, or running with an
 * expired lease (its worker died; the lost attempt is noted in the history).
 */
export async function claimJobs(db: Queryable, opts: { workerId: string; limit: number; leaseMs: number }): Promise<JobRow[]> {
  await deadLetterExpiredLastAttempts(db);
  const rows = await queryRows<{ id: number | string }>(
    db,
    sql`with pick as (
          select source, account_id from jobs
          where ${READY}
          order by run_at, id
          limit 1
          for update skip locked
        ), batch as (
          select j.id from jobs j join pick p on j.source = p.source and j.account_id = p.account_id
          where (j.status = 'queued' and j.run_at <= now()) or (j.status = 'running' and j.locked_until < now())
          order by j.run_at, j.id
          limit ${opts.limit}
          for update of j skip locked
        )
        update jobs set
          history = case when jobs.status = 'running'
            then jobs.history || jsonb_build_array(jsonb_build_object('attempt', jobs.attempts, 'at', now(), 'outcome', 'lease_expired', 'worker', jobs.locked_by))
            else jobs.history end,
          status = 'running',
          locked_until = now() + ${opts.leaseMs}::float8 * interval '1 millisecond',
          locked_by = ${opts.workerId},
          attempts = jobs.attempts + 1,
          updated_at = now()
        from batch where jobs.id = batch.id
        returning jobs.id`,
  );
  if (rows.length === 0) return [];
  return db
    .select()
    .from(jobs)
    .where(inArray(jobs.id, rows.map((r) => Number(r.id))))
    .orderBy(jobs.id);
}

/** A job whose last allowed attempt died with its worker is not run again: poison input must not crash every instance. */
async function deadLetterExpiredLastAttempts(db: Queryable): Promise<void> {
  await db
    .update(jobs)
    .set({
      status: 'dead',
      lastError: 'the worker running the last attempt stopped answering (lease expired)',
      lockedUntil: null,
      lockedBy: null,
      finishedAt: sql`now()`,
      updatedAt: sql`now()`,
      history: sql`${jobs.history} || jsonb_build_array(jsonb_build_object('attempt', ${jobs.attempts}, 'at', now(), 'outcome', 'dead', 'error', 'lease expired on the last attempt', 'worker', ${jobs.lockedBy}))`,
    })
    .where(and(eq(jobs.status, 'running'), lt(jobs.lockedUntil, sql`now()`), sql`${jobs.attempts} >= ${jobs.maxAttempts}`));
}

/** Renews the lease of jobs this worker still holds; returns how many it still holds. */
export async function extendLease(db: Queryable, ids: number[], workerId: string, leaseMs: number): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await db
    .update(jobs)
    .set({ lockedUntil: sql`now() + ${leaseMs}::float8 * interval '1 millisecond'` })
    .where(and(inArray(jobs.id, ids), eq(jobs.status, 'running'), eq(jobs.lockedBy, workerId)))
    .returning({ id: jobs.id });
  return rows.length;
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 10_000, capMs: 60 * 60_000 };

/** Capped exponential backoff with jitter (half fixed, half random) so retries of one burst spread out. */
export function retryDelayMs(attempt: number, backoff: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const exp = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

export interface FinishOptions {
  durationMs?: number;
  backoff?: BackoffOptions;
}

export interface FinishResult {
  status: JobStatus;
  runAt: Date;
}

/**
 * Records one attempt's outcome and moves the job on. Only the worker holding
 * the lease may finish a job; `null` means the lease was lost (expired and
 * taken over, or released) and nothing was written.
 */
export async function finishJob(
  db: Queryable,
  job: Pick<JobRow, 'id' | 'attempts' | 'maxAttempts' | 'updatedAt'>,
  outcome: JobOutcome,
  workerId: string,
  options: FinishOptions = {},
): Promise<FinishResult | null> {
  const durationMs = Math.max(0, Math.round(options.durationMs ?? Date.now() - job.updatedAt.getTime()));
  const entry: JobHistoryEntry = { attempt: job.attempts, at: new Date().toISOString(), outcome: outcome.kind, durationMs, worker: workerId };
  const set: Partial<Record<keyof JobRow, unknown>> = { lockedUntil: null, lockedBy: null, updatedAt: sql`now()` };

  if (outcome.kind === 'done' || outcome.kind === 'skipped') {
    if (outcome.kind === 'skipped') entry.reason = outcome.reason;
    Object.assign(set, { status: outcome.kind, outcome, lastError: null, finishedAt: sql`now()` });
  } else {
    const error = outcome.error.slice(0, MAX_ERROR_LENGTH);
    entry.error = error;
    const exhausted = outcome.kind === 'retry' && job.attempts >= job.maxAttempts;
    if (outcome.kind === 'dead' || exhausted) {
      entry.outcome = 'dead';
      const lastError = exhausted ? `gave up after ${job.attempts} attempts: ${error}` : error;
      Object.assign(set, { status: 'dead', outcome: { kind: 'dead', error: lastError }, lastError, finishedAt: sql`now()` });
    } else {
      const runAt = outcome.notBefore ?? sql`now() + ${retryDelayMs(job.attempts, options.backoff)}::float8 * interval '1 millisecond'`;
      if (outcome.notBefore) entry.runAt = outcome.notBefore.toISOString();
      Object.assign(set, { status: 'queued', lastError: error, runAt });
    }
  }
  set.history = sql`${jobs.history} || ${JSON.stringify([entry])}::jsonb`;

  const [row] = await db
    .update(jobs)
    .set(set as never)
    .where(and(eq(jobs.id, job.id), eq(jobs.status, 'running'), eq(jobs.lockedBy, workerId)))
    .returning({ status: jobs.status, runAt: jobs.runAt });
  return row ? { status: row.status as JobStatus, runAt: row.runAt } : null;
}

/** On shutdown: hands this worker's running jobs back without counting the interrupted attempt. */
export async function releaseJobs(db: Queryable, workerId: string, ids?: number[]): Promise<number> {
  const where: SQL[] = [eq(jobs.status, 'running'), eq(jobs.lockedBy, workerId)];
  if (ids) {
    if (ids.length === 0) return 0;
    where.push(inArray(jobs.id, ids));
  }
  const rows = await db
    .update(jobs)
    .set({
      status: 'queued',
      attempts: sql`greatest(${jobs.attempts} - 1, 0)`,
      lockedUntil: null,
      lockedBy: null,
      runAt: sql`now()`,
      updatedAt: sql`now()`,
      history: sql`${jobs.history} || jsonb_build_array(jsonb_build_object('attempt', ${jobs.attempts}, 'at', now(), 'outcome', 'released', 'worker', ${workerId}::text))`,
    })
    .where(and(...where))
    .returning({ id: jobs.id });
  return rows.length;
}

/**
 * Queues finished jobs again (the admin's retry): dead letters in bulk, or one
 * job by id in any final state. Attempts start over; the history keeps what
 * happened before and notes the manual retry.
 */
export async function retryJobs(db: Queryable, f: { id?: number; status?: 'dead' | 'skipped'; source?: string }): Promise<number> {
  const where: SQL[] = [];
  if (f.id !== undefined) {
    where.push(eq(jobs.id, f.id), inArray(jobs.status, f.status ? [f.status] : ['dead', 'skipped', 'done']));
  } else {
    where.push(eq(jobs.status, f.status ?? 'dead'));
  }
  if (f.source) where.push(eq(jobs.source, f.source));
  const rows = await db
    .update(jobs)
    .set({
      history: sql`${jobs.history} || jsonb_build_array(jsonb_build_object('attempt', ${jobs.attempts}, 'at', now(), 'outcome', 'manual_retry', 'reason', 'was ' || ${jobs.status} || ' (' || ${jobs.reason} || ')', 'error', ${jobs.lastError}))`,
      status: 'queued',
      reason: 'retry',
      attempts: 0,
      runAt: sql`now()`,
      lockedUntil: null,
      lockedBy: null,
      finishedAt: null,
      updatedAt: sql`now()`,
    })
    .where(and(...where))
    .returning({ id: jobs.id });
  return rows.length;
}

export interface ListJobsFilter {
  status?: string;
  source?: string;
  leadKey?: string;
  limit?: number;
  beforeId?: number;
}

/** Newest first; page with `beforeId` (the last id of the previous page). */
export async function listJobs(db: Queryable, f: ListJobsFilter = {}): Promise<JobRow[]> {
  const where: SQL[] = [];
  if (f.status) where.push(eq(jobs.status, f.status));
  if (f.source) where.push(eq(jobs.source, f.source));
  if (f.leadKey) where.push(eq(jobs.leadKey, f.leadKey));
  if (f.beforeId !== undefined) where.push(lt(jobs.id, f.beforeId));
  return db
    .select()
    .from(jobs)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(jobs.id))
    .limit(Math.min(Math.max(f.limit ?? 50, 1), 1000));
}

/** Jobs by status (every status present, zero when none). */
export async function jobCounts(db: Queryable): Promise<Record<JobStatus, number>> {
  const rows = await db.select({ status: jobs.status, n: sql<number>`count(*)::int` }).from(jobs).groupBy(jobs.status);
  const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
  for (const r of rows) if (r.status in counts) counts[r.status as JobStatus] = Number(r.n);
  return counts;
}

/** Counts plus the age of the oldest job that is due and waiting: the two numbers a queue alert needs. */
export async function queueStats(db: Queryable): Promise<{ counts: Record<JobStatus, number>; oldestReadyAgeSeconds: number }> {
  const [counts, [oldest]] = await Promise.all([
    jobCounts(db),
    db
      .select({ age: sql<number | string | null>`extract(epoch from (now() - min(${jobs.runAt})))` })
      .from(jobs)
      .where(and(eq(jobs.status, 'queued'), lte(jobs.runAt, sql`now()`))),
  ]);
  return { counts, oldestReadyAgeSeconds: Math.max(0, Number(oldest?.age ?? 0)) };
}
