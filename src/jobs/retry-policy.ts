import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { CrmError } from '../crm/crm-error.js';
import { backoffDelay } from '../outbound/retry.js';
import type { JobOutcome } from './types.js';

/**
 * The retry policy of a job, in one place: how a failure maps to retry, wait or
 * dead letter, how long a job waits before its next attempt, and when it gives
 * up (the retry window, the runaway guard, poison). The queue (queue.ts), the
 * pipeline (pipeline.ts) and the worker pool (worker.ts) ask here and decide
 * nothing themselves. How an HTTP answer becomes a `CrmFailure` is the CRM
 * client's business (src/crm/http.ts); what that failure means for a job is ours.
 */

// ── Attempts

/**
 * A runaway guard, not the retry policy: a job is retried until the retry
 * window since its first failure has passed (`BackoffOptions.windowMs`), which
 * at the default backoff is some 60 attempts in 24 h.
 */
export const DEFAULT_MAX_ATTEMPTS = 1000;
/** A job whose worker stopped answering this many times is taken for poison (it may be what crashes them) and dead-lettered. */
export const MAX_LEASE_LOSSES = 5;

/**
 * Whether a job whose lease just expired is dead-lettered rather than queued
 * again: the lost attempt was its last allowed one, or it has now lost
 * MAX_LEASE_LOSSES leases (poison input must not crash every instance in turn).
 * SQL, because the lease sweep decides for every expired job in one statement.
 */
export function leaseLossIsFinal(cols: { attempts: SQLWrapper; maxAttempts: SQLWrapper; earlierLosses: SQLWrapper }): SQL {
  return sql`(${cols.attempts} >= ${cols.maxAttempts} or ${cols.earlierLosses} + 1 >= ${MAX_LEASE_LOSSES})`;
}

// ── Backoff

export interface BackoffOptions {
  /** First retry delay; doubles per attempt. */
  baseMs: number;
  /** Longest delay between two attempts: how soon after a CRM outage ends its leads are written. */
  capMs: number;
  /** How long after its first failure a job is still retried; then it is dead-lettered. */
  windowMs: number;
  /**
   * How long a job may keep waiting for a CRM's limits without one attempt that
   * counts (default WAIT_WINDOW_FACTOR × `windowMs`): a CRM that answers 429 for
   * ever (a gateway in maintenance, a token throttled for good) must not keep its
   * jobs alive for ever either.
   */
  waitWindowMs?: number;
}
/** Three retry windows (72 h at the default): past two daily-budget resets, so a spent budget alone never kills a job. */
export const WAIT_WINDOW_FACTOR = 3;
/** 10 s doubling to 30 min, for 24 h: a CRM outage of hours needs no operator (HubSpot retries its own webhooks for 24 h). */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 10_000, capMs: 30 * 60_000, windowMs: 24 * 60 * 60_000 };

/**
 * Capped exponential backoff with jitter (half fixed, half random) so retries of
 * one burst spread out: the outbound toolbox's curve, with the job's own base and cap.
 */
export function retryDelayMs(attempt: number, backoff: Pick<BackoffOptions, 'baseMs' | 'capMs'> = DEFAULT_BACKOFF, random = Math.random): number {
  return backoffDelay({ baseDelayMs: backoff.baseMs, maxDelayMs: backoff.capMs }, Math.max(1, attempt), random);
}

// ── Failures → outcomes

/** A CRM failure (or any other error while processing a lead) → the job's next state. */
export function outcomeOfError(err: unknown): JobOutcome {
  if (err instanceof CrmError) {
    const f = err.failure;
    switch (f.kind) {
      case 'retry':
        return { kind: 'retry', error: err.message, notBefore: f.notBefore };
      // The CRM's limits said "not now": a wait, not a failure (see JobOutcome's `waiting`).
      case 'rate_limited':
      case 'daily_exhausted':
      // An account waiting for a reconnect: its leads wait with it, never dead-lettered for it.
      case 'reconnect':
        return { kind: 'retry', error: err.message, notBefore: f.until, waiting: true };
      case 'auth':
      case 'permanent':
        return { kind: 'dead', error: err.message };
    }
  }
  return { kind: 'retry', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

/** The processor threw for the whole batch: every job of it is retried. */
export function outcomeOfProcessorError(err: unknown): JobOutcome {
  return { kind: 'retry', error: `processor failed: ${(err as Error)?.message ?? String(err)}` };
}

/**
 * The batch ran past its deadline (WorkerPoolOptions.batchDeadlineMs): every job of it is
 * retried, counted, so a CRM that keeps a batch busy for ever (a paging loop, a request
 * that never settles) uses up the retry window like any other failure instead of holding
 * a worker and its leases indefinitely.
 */
export function outcomeOfBatchDeadline(deadlineMs: number): JobOutcome {
  return { kind: 'retry', error: `the batch took longer than ${deadlineMs} ms; it was stopped and its jobs are retried` };
}

/** The processor returned no outcome for a job: it is retried. */
export const NO_OUTCOME: JobOutcome = Object.freeze({ kind: 'retry', error: 'the processor returned no outcome for this job' });

// ── After a failed attempt

/** What the policy needs to know of the job. */
export interface AttemptedJob {
  attempts: number;
  maxAttempts: number;
  firstFailedAt: Date | null;
  /** The start of its current run of waits (see BackoffOptions.waitWindowMs); absent means none. */
  waitingSince?: Date | null;
}

/** What happens to a job after a failed attempt (a `retry` or `dead` outcome). */
export type FailureVerdict = {
  /**
   * False for a wait on a CRM's limit (a 429, a spent daily budget): the attempt
   * is handed back and the retry window neither starts nor ends, so a job waits
   * for a reset however long and never dies of it.
   */
  counts: boolean;
} & (
  | { status: 'dead'; /** The dead letter's reason: the error, or why the policy gave up. */ lastError: string }
  /** Queued again: at `runAt` when the CRM said when, else after `delayMs`. */
  | { status: 'queued'; lastError: string; runAt?: Date; delayMs?: number }
);

/**
 * Decides a failed attempt: dead-letter now (a `dead` outcome, the retry window
 * since the first failure has passed, or the runaway guard), or queue again
 * after the backoff or at the moment the CRM named. `error` is the outcome's
 * error as it will be stored.
 */
export function afterFailure(
  job: AttemptedJob,
  outcome: Extract<JobOutcome, { kind: 'retry' | 'dead' }>,
  error: string,
  nowMs: number,
  backoff: BackoffOptions,
  random = Math.random,
): FailureVerdict {
  const waiting = outcome.kind === 'retry' && outcome.waiting === true;
  const counts = !waiting;
  // The window counts from the first failure, not from the attempt count.
  const firstFailedMs = job.firstFailedAt?.getTime() ?? nowMs;
  const deadlineMs = firstFailedMs + backoff.windowMs;
  const windowOver = outcome.kind === 'retry' && !waiting && nowMs >= deadlineMs;
  const tooMany = outcome.kind === 'retry' && !waiting && job.attempts >= job.maxAttempts;
  const waitingSinceMs = job.waitingSince?.getTime() ?? nowMs;
  const waitedTooLong = waiting && nowMs - waitingSinceMs >= (backoff.waitWindowMs ?? WAIT_WINDOW_FACTOR * backoff.windowMs);
  if (outcome.kind === 'dead' || windowOver || tooMany || waitedTooLong) {
    const lastError = waitedTooLong
      ? `gave up after waiting ${formatSpan(nowMs - waitingSinceMs)} for the CRM's rate limits without one request getting through: ${error}`
      : windowOver
      ? `gave up after ${job.attempts} attempts over ${formatSpan(nowMs - firstFailedMs)}: ${error}`
      : tooMany
        ? `gave up after ${job.attempts} attempts: ${error}`
        : error;
    return { status: 'dead', lastError, counts };
  }
  // An invalid date (a CRM's absurd Retry-After, anywhere) falls back to the backoff.
  if (outcome.notBefore && Number.isFinite(outcome.notBefore.getTime())) return { status: 'queued', lastError: error, runAt: outcome.notBefore, counts };
  // The last backoff is shortened to end at the window's close: one more try then, before giving up.
  return { status: 'queued', lastError: error, delayMs: Math.max(0, Math.min(retryDelayMs(job.attempts, backoff, random), deadlineMs - nowMs)), counts };
}

/** `90 s`, `14 min`, `24.0 h`: for the dead-letter reason. */
function formatSpan(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
