import { and, desc, eq, inArray, lt, lte, type SQL, sql } from 'drizzle-orm';
import { type Queryable, queryRows } from '../db/client.js';
import { pgJsonText, pgText } from '../db/pg-text.js';
import { jobs } from '../db/schema.js';
import { type NewJob, newJobValues } from './job-row.js';
import { afterFailure, type BackoffOptions, DEFAULT_BACKOFF, leaseLossIsFinal } from './retry-policy.js';
import type { JobOutcome, JobRow } from './types.js';

/**
 * The durable queue on our own `jobs` table: the same SQL on PGlite and
 * PostgreSQL. Claiming takes a lease (`locked_until`) under FOR UPDATE SKIP
 * LOCKED, so instances never run a job twice at once and a crashed worker's job
 * is taken over when its lease runs out. `history` is the lead's audit trail.
 * When a job is retried, waits or is dead-lettered is decided by retry-policy.ts;
 * this file writes the decisions down.
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
  /** A wait for the CRM's limits (uncounted). Repeated waits share one entry: `waits` of them since `since`. */
  waiting?: true;
  waits?: number;
  since?: string;
}

const MAX_ERROR_LENGTH = 2000;

export async function enqueueJob(tx: Queryable, input: NewJob): Promise<{ id: number }> {
  const [id] = await enqueueJobs(tx, [input]);
  return { id };
}

/** Inserts jobs in one statement; the ids come back in input order. */
export async function enqueueJobs(tx: Queryable, inputs: NewJob[]): Promise<number[]> {
  if (inputs.length === 0) return [];
  const rows = await tx.insert(jobs).values(inputs.map(newJobValues)).returning({ id: jobs.id });
  // PostgreSQL returns a multi-row VALUES insert in order; ids are serial, so sorting is a cheap guard.
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/**
 * The reasons of background work: a backfill of existing records and the scheduled refresh of
 * cards that are out of date. Every other job (webhook, catch-up, re-enrich, retry) is a lead
 * someone is waiting for, and is always claimed first.
 */
export const BACKGROUND_REASONS = ['backfill', 'refresh'] as const;
const BACKGROUND_LIST = BACKGROUND_REASONS.map((r) => `'${r}'`).join(', ');

/** 0 for a lead someone waits for, 1 for background work (`BACKGROUND_REASONS`). */
export function jobClass(reason: string): 0 | 1 {
  return (BACKGROUND_REASONS as readonly string[]).includes(reason) ? 1 : 0;
}

/**
 * Claims up to `limit` due queued jobs of ONE source, account and class (so an
 * adapter can batch its CRM calls, and a batch is all background or none of it).
 * Which account: the most urgent class first (a webhook lead before any backfill
 * or refresh job), and among the accounts with due work of that class the one
 * served longest ago (`job_account_turns`): accounts take turns, so one account's
 * 10,000 backfill jobs never hold another account's leads back. One statement
 * chooses the account and stamps its turn, a second takes the lease (FOR UPDATE
 * SKIP LOCKED: concurrent claims never share a job). Jobs whose worker
 * died come back through `sweepExpiredLeases`.
 */
export async function claimJobs(db: Queryable, opts: { workerId: string; limit: number; leaseMs: number }): Promise<JobRow[]> {
  // The turn is taken first, in the statement that chooses the account, so the lease below
  // starts in the last statement (a claim's lease is not shortened by its bookkeeping), and a
  // concurrent claim already sees this account served and picks the next one.
  const cls = (alias: string) => sql.raw(`(case when ${alias}.reason in (${BACKGROUND_LIST}) then 1 else 0 end)`);
  const [turn] = await queryRows<{ source: string; account_id: string }>(
    db,
    sql`insert into job_account_turns (source, account_id, served_at)
        select p.source, p.account_id, clock_timestamp() from jobs p
        left join job_account_turns t on t.source = p.source and t.account_id = p.account_id
        where p.status = 'queued' and p.run_at <= now()
        order by ${cls('p')}, t.served_at nulls first, p.run_at, p.id
        limit 1
        on conflict (source, account_id) do update set served_at = excluded.served_at
        returning source, account_id`,
  );
  if (!turn) return [];
  const rows = await db
    .update(jobs)
    .set({
      status: 'running',
      lockedUntil: sql`now() + ${opts.leaseMs}::float8 * interval '1 millisecond'`,
      lockedBy: opts.workerId,
      attempts: sql`${jobs.attempts} + 1`,
      updatedAt: sql`now()`,
    })
    .where(
      sql`${jobs.id} in (
        select j.id from jobs j
        where j.source = ${turn.source} and j.account_id = ${turn.account_id} and j.status = 'queued' and j.run_at <= now()
          and ${cls('j')} = (
            select min(${cls('q')}) from jobs q
            where q.source = ${turn.source} and q.account_id = ${turn.account_id} and q.status = 'queued' and q.run_at <= now()
          )
        order by j.run_at, j.id
        limit ${opts.limit}
        for update of j skip locked
      )`,
    )
    .returning();
  return rows.sort((a, b) => a.id - b.id);
}

const LEASE_LOST_ON_LAST_ATTEMPT = 'the worker running the last attempt stopped answering (lease expired)';

/**
 * Jobs whose worker stopped answering (lease expired): queued again, with the
 * lost attempt noted in the history, or dead-lettered when the retry policy
 * says so (`leaseLossIsFinal`: the last allowed attempt, or poison). The
 * worker pool runs this once per poll interval; concurrent sweeps by several
 * instances are harmless (the second finds nothing left to do).
 */
export async function sweepExpiredLeases(db: Queryable): Promise<{ requeued: number; dead: number }> {
  const earlierLosses = sql`(select count(*) from jsonb_array_elements(${jobs.history}) h where h->>'outcome' = 'lease_expired')`;
  const last = leaseLossIsFinal({ attempts: jobs.attempts, maxAttempts: jobs.maxAttempts, earlierLosses });
  const rows = await db
    .update(jobs)
    .set({
      status: sql`case when ${last} then 'dead' else 'queued' end`,
      lastError: sql`case when ${last} then ${LEASE_LOST_ON_LAST_ATTEMPT}::text else ${jobs.lastError} end`,
      outcome: sql`case when ${last} then jsonb_build_object('kind', 'dead', 'error', ${LEASE_LOST_ON_LAST_ATTEMPT}::text) else ${jobs.outcome} end`,
      finishedAt: sql`case when ${last} then now() else ${jobs.finishedAt} end`,
      runAt: sql`case when ${last} then ${jobs.runAt} else now() end`,
      lockedUntil: null,
      lockedBy: null,
      updatedAt: sql`now()`,
      history: sql`${jobs.history} || jsonb_build_array(
        jsonb_build_object('attempt', ${jobs.attempts}, 'at', now(), 'outcome', case when ${last} then 'dead' else 'lease_expired' end, 'worker', ${jobs.lockedBy})
        || case when ${last} then jsonb_build_object('error', 'lease expired on the last attempt') else '{}'::jsonb end)`,
    })
    .where(and(lt(jobs.lockedUntil, sql`now()`), eq(jobs.status, 'running')))
    .returning({ status: jobs.status });
  const dead = rows.filter((r) => r.status === 'dead').length;
  return { requeued: rows.length - dead, dead };
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

export interface FinishOptions {
  durationMs?: number;
  /** Missing fields take DEFAULT_BACKOFF's. */
  backoff?: Partial<BackoffOptions>;
}

export interface FinishResult {
  status: JobStatus;
  runAt: Date;
}

export interface JobFinish {
  job: Pick<JobRow, 'id' | 'attempts' | 'maxAttempts' | 'updatedAt' | 'firstFailedAt'> & Partial<Pick<JobRow, 'waitingSince'>>;
  outcome: JobOutcome;
}

/**
 * Records one attempt's outcome and moves the job on. Only the worker holding
 * the lease may finish a job; `null` means the lease was lost (expired and
 * taken over, or released) and nothing was written.
 */
export async function finishJob(
  db: Queryable,
  job: JobFinish['job'],
  outcome: JobOutcome,
  workerId: string,
  options: FinishOptions = {},
): Promise<FinishResult | null> {
  return (await finishJobs(db, [{ job, outcome }], workerId, options)).get(job.id) ?? null;
}

/**
 * Records the outcomes of a batch in ONE statement (a batch of 25 used to be 25
 * updates competing with intake for the pool). Each failed job's next state comes
 * from the retry policy (`afterFailure`); jobs whose lease this worker lost are
 * missing from the result.
 */
export async function finishJobs(db: Queryable, finishes: JobFinish[], workerId: string, options: FinishOptions = {}): Promise<Map<number, FinishResult>> {
  const results = new Map<number, FinishResult>();
  if (finishes.length === 0) return results;
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...options.backoff };
  const nowMs = Date.now();
  const at = new Date(nowMs).toISOString();
  const values = finishes.map(({ job, outcome }) => {
    const durationMs = Math.max(0, Math.round(options.durationMs ?? Date.now() - job.updatedAt.getTime()));
    const entry: JobHistoryEntry = { attempt: job.attempts, at, outcome: outcome.kind, durationMs, worker: workerId };
    // null in a column below means "leave as it is".
    let status: JobStatus;
    let stored: unknown = null;
    let lastError: string | null = null;
    const runAt: string | null = null;
    let delayMs: number | null = null;
    let refund = false;
    let failedAt: string | null = null;
    let waiting = false;
    if (outcome.kind === 'done' || outcome.kind === 'skipped') {
      if (outcome.kind === 'skipped') entry.reason = outcome.reason;
      status = outcome.kind;
      stored = outcome;
    } else {
      // Vendor messages end up here: U+0000 would fail the whole batch's update.
      const error = pgText(outcome.error).slice(0, MAX_ERROR_LENGTH);
      entry.error = error;
      const verdict = afterFailure(job, outcome, error, nowMs, backoff);
      // An attempt that does not count (a wait for a CRM's limit) is handed back and leaves the window alone.
      if (verdict.counts) failedAt = at;
      else {
        refund = true;
        waiting = true;
        entry.waiting = true;
      }
      status = verdict.status;
      lastError = verdict.lastError;
      if (verdict.status === 'dead') {
        entry.outcome = 'dead';
        stored = { kind: 'dead', error: verdict.lastError };
      } else if (verdict.runAt) {
        entry.runAt = verdict.runAt.toISOString();
        // A delay from this process's clock, laid on the database's (see below): a CRM's
        // "in 30 s" stays 30 s on an instance whose clock is off.
        delayMs = Math.max(0, verdict.runAt.getTime() - nowMs);
      } else delayMs = verdict.delayMs ?? null;
    }
    return sql`(${job.id}::bigint, ${status}::text, ${stored === null ? null : pgJsonText(stored)}::jsonb, ${lastError}::text, ${runAt}::timestamptz, ${delayMs}::float8, ${JSON.stringify([entry])}::jsonb, ${failedAt}::timestamptz, ${refund}::boolean, ${waiting}::boolean)`;
  });
  // Run times are the database's `now()` plus a delay, like every other time the queue compares
  // with `now()`. A wait that follows a wait replaces its history entry and counts it (`waits`,
  // `since`): a CRM answering 429 every second used to add an entry every second, for ever.
  const last = sql`jobs.history -> -1`;
  const rows = await queryRows<{ id: number | string; status: string; run_at_ms: number | string }>(
    db,
    sql`update jobs set
          status = v.status,
          outcome = coalesce(v.outcome, jobs.outcome),
          last_error = v.last_error,
          finished_at = case when v.status <> 'queued' then now() else jobs.finished_at end,
          first_failed_at = coalesce(jobs.first_failed_at, v.failed_at),
          waiting_since = case when v.waiting then coalesce(jobs.waiting_since, now()) else null end,
          run_at = coalesce(v.run_at, now() + v.delay_ms * interval '1 millisecond', jobs.run_at),
          locked_until = null,
          locked_by = null,
          updated_at = now(),
          history = case
            when v.waiting and (${last} ->> 'waiting') = 'true' and jsonb_array_length(jobs.history) > 0
              then jsonb_set(jobs.history, array[(jsonb_array_length(jobs.history) - 1)::text],
                (v.entry -> 0) || jsonb_build_object(
                  'waits', coalesce((${last} ->> 'waits')::int, 1) + 1,
                  'since', coalesce(${last} ->> 'since', ${last} ->> 'at')))
            else jobs.history || v.entry end,
          attempts = case when v.refund then greatest(jobs.attempts - 1, 0) else jobs.attempts end
        from (values ${sql.join(values, sql`, `)}) as v(id, status, outcome, last_error, run_at, delay_ms, entry, failed_at, refund, waiting)
        where jobs.id = v.id and jobs.status = 'running' and jobs.locked_by = ${workerId}
        returning jobs.id, jobs.status, extract(epoch from jobs.run_at)::float8 * 1000 as run_at_ms`,
  );
  for (const r of rows) results.set(Number(r.id), { status: r.status as JobStatus, runAt: new Date(Number(r.run_at_ms)) });
  return results;
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
 * Puts finished jobs back in the queue (the admin API's "retry"): dead letters
 * in bulk, or one job by id in any final state (dead, skipped, done). Not the
 * retry policy (retry-policy.ts), which decides about failed attempts: this
 * starts a job over, attempts and retry window included; the history keeps what
 * happened before and notes the manual retry.
 */
export async function requeueJobs(db: Queryable, f: { id?: number; status?: 'dead' | 'skipped'; source?: string }): Promise<number> {
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
      firstFailedAt: null,
      waitingSince: null,
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
  /** One CRM account's jobs (with `source`): what a client's view shows. */
  accountId?: string;
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
  if (f.accountId !== undefined) where.push(eq(jobs.accountId, f.accountId));
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
