import { hostname } from 'node:os';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { claimJobs, extendLease, type FinishResult, finishJobs, releaseJobs, sweepExpiredLeases } from './queue.js';
import { type BackoffOptions, NO_OUTCOME, outcomeOfBatchDeadline, outcomeOfProcessorError } from './retry-policy.js';
import { createStartSpacer } from './start-spacer.js';
import type { JobOutcome, JobProcessor, JobRow } from './types.js';

/**
 * The worker pool: `concurrency` loops that claim a batch, hand it to the
 * processor and record the batch's outcomes. New jobs wake a loop at once
 * (`wake()`, called by intake after commit), and a loop that found work wakes
 * the next, so a burst fans out over the loops while a trickle costs one claim
 * per wake instead of one per loop. Polling is the safety net for jobs enqueued
 * by another instance or due after a backoff.
 */
export interface WorkerPoolOptions {
  database: Database;
  processor: JobProcessor;
  concurrency: number;
  batchSize: number;
  leaseMs: number;
  pollMs: number;
  logger: Logger;
  metrics?: Metrics;
  /** How long stop() lets in-flight batches finish before releasing them. */
  stopTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  workerId?: string;
  /**
   * How long a wake() waits for more wakes before the loops claim (default 10 ms).
   * Under a stream of webhooks this turns one claim per webhook per loop into one
   * claim per window, so claims fill batches instead of competing with intake.
   */
  wakeDelayMs?: number;
  /**
   * Intake in this process: while webhooks are being taken in, a loop waits
   * before claiming, at most `yieldMaxMs` (default 250 ms), so background work
   * cannot starve the requests a CRM is waiting on, nor be starved by them.
   */
  intake?: { busy(): boolean };
  yieldMaxMs?: number;
  /**
   * The longest one batch may run (default DEFAULT_BATCH_DEADLINE_MS). Its lease is
   * renewed while it runs, so without a deadline a batch a CRM keeps busy for ever
   * held its jobs and its loop for ever: four such batches stopped every worker.
   */
  batchDeadlineMs?: number;
}

/**
 * Ten minutes: a batch of 25 that waits out the limiter (at most 30 s a request) and a few
 * slow answers ends well inside it; one past it is stuck, not slow.
 */
export const DEFAULT_BATCH_DEADLINE_MS = 10 * 60_000;

export interface WorkerPool {
  readonly workerId: string;
  start(): void;
  stop(): Promise<void>;
  wake(): void;
}

/** After aborting the batches still running at stop(), how long they get to record what they finished. */
const STOP_GRACE_MS = 5_000;

export function createWorkerPool(opts: WorkerPoolOptions): WorkerPool {
  const workerId = opts.workerId ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const db = opts.database.db;
  const log = opts.logger.child({ component: 'worker', workerId });
  const inFlight = new Set<AbortController>();
  let running = false;
  /** Set by stop() once it aborts the batches still running: what they did not finish is released, not failed. */
  let shuttingDown = false;
  let loops: Promise<void>[] = [];
  // Idle loops, oldest first. A wake with no idle loop is remembered, so a loop
  // that was mid-claim when a job was committed claims again instead of sleeping.
  const idleLoops: Array<() => void> = [];
  let pendingWake = false;

  function wakeOne() {
    const next = idleLoops.shift();
    if (next) next();
    else pendingWake = true;
  }

  function wakeNow() {
    clearTimeout(wakeTimer);
    wakeTimer = undefined;
    wakeOne();
  }

  let wakeTimer: NodeJS.Timeout | undefined;
  const wakeDelayMs = opts.wakeDelayMs ?? 10;
  function wake() {
    if (wakeDelayMs <= 0) return wakeNow();
    wakeTimer ??= setTimeout(wakeNow, wakeDelayMs);
  }

  async function idle(ms: number) {
    if (!running) return;
    if (pendingWake) {
      pendingWake = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        const at = idleLoops.indexOf(done);
        if (at >= 0) idleLoops.splice(at, 1);
        resolve();
      };
      const timer = setTimeout(done, ms);
      idleLoops.push(done);
    });
  }

  // Expired leases (a worker died) are swept at most once per poll interval, by whichever loop comes first.
  let nextSweep = 0;
  async function sweepIfDue() {
    if (Date.now() < nextSweep) return;
    nextSweep = Date.now() + opts.pollMs;
    const { requeued, dead } = await sweepExpiredLeases(db);
    if (requeued > 0) log.warn({ jobs: requeued }, 'jobs queued again: their worker stopped answering (lease expired)');
    if (dead > 0) log.error({ jobs: dead }, 'jobs dead-lettered: the worker running their last attempt stopped answering');
  }

  const yieldMaxMs = opts.yieldMaxMs ?? 250;
  // While intake stays busy past the wait, batch starts are spread evenly over the wait (start-spacer.ts).
  const spacer = createStartSpacer(yieldMaxMs / Math.max(1, opts.concurrency));
  async function yieldToIntake() {
    if (!opts.intake) return;
    const until = Date.now() + yieldMaxMs;
    while (running && opts.intake.busy()) {
      const now = Date.now();
      if (now >= until && spacer.take(now)) return;
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  async function loop(n: number) {
    while (running) {
      let batch: JobRow[];
      try {
        await yieldToIntake();
        if (!running) return;
        await sweepIfDue();
        batch = await claimJobs(db, { workerId, limit: opts.batchSize, leaseMs: opts.leaseMs });
      } catch (err) {
        if (!running) return;
        log.error({ err, loop: n }, 'claiming jobs failed; retrying after the poll interval');
        await idle(opts.pollMs);
        continue;
      }
      if (batch.length === 0) {
        await idle(opts.pollMs);
        continue;
      }
      // There was work: there may be more (this account's next batch, another account's jobs).
      wakeOne();
      await runBatch(batch);
    }
  }

  async function runBatch(batch: JobRow[]) {
    const controller = new AbortController();
    inFlight.add(controller);
    const ids = batch.map((j) => j.id);
    const started = performance.now();
    // Renew well before expiry so a slow CRM never lets another instance take the batch over.
    const renew = setInterval(() => {
      extendLease(db, ids, workerId, opts.leaseMs).catch((err) => log.warn({ err }, 'renewing the lease failed'));
    }, Math.max(50, Math.floor(opts.leaseMs / 3)));
    let outcomes: Map<number, JobOutcome>;
    const deadlineMs = opts.batchDeadlineMs ?? DEFAULT_BATCH_DEADLINE_MS;
    let deadline: NodeJS.Timeout | undefined;
    const overrun = new Promise<'overrun'>((resolve) => {
      deadline = setTimeout(() => resolve('overrun'), deadlineMs);
    });
    try {
      const work = opts.processor(batch, controller.signal);
      // Past the deadline nobody awaits it: its failure must not become an unhandled rejection.
      work.catch(() => undefined);
      const first = await Promise.race([work, overrun]);
      if (first === 'overrun') {
        // Abort first: the CRM requests stop, and the late outcomes, if any, are nobody's.
        controller.abort(new Error(`batch deadline of ${deadlineMs} ms`));
        log.warn({ jobs: ids.length, deadlineMs }, 'a batch ran past its deadline; it was stopped and its jobs are retried');
        const outcome = outcomeOfBatchDeadline(deadlineMs);
        outcomes = new Map(ids.map((id) => [id, outcome]));
      } else outcomes = first;
    } catch (err) {
      log.warn({ err, jobs: ids.length }, 'the processor threw; the whole batch is retried');
      const outcome = outcomeOfProcessorError(err);
      outcomes = new Map(ids.map((id) => [id, outcome]));
    } finally {
      clearTimeout(deadline);
      inFlight.delete(controller);
    }
    const durationMs = Math.round(performance.now() - started);
    let finishes = batch.map((job) => ({ job, outcome: outcomes.get(job.id) ?? NO_OUTCOME }));
    if (shuttingDown && controller.signal.aborted) {
      // Stopped mid-batch: what the batch finished (a card written, a lead skipped) is recorded
      // under the lease this worker still holds; the rest goes back to the queue uncounted. Only
      // then is the lease given up, so no other worker takes a job whose write is still landing.
      const unfinished = finishes.filter((f) => f.outcome.kind !== 'done' && f.outcome.kind !== 'skipped').map((f) => f.job.id);
      finishes = finishes.filter((f) => f.outcome.kind === 'done' || f.outcome.kind === 'skipped');
      try {
        const released = await releaseJobs(db, workerId, unfinished);
        if (released > 0) log.info({ released }, 'released the jobs a stopped batch did not finish');
      } catch (err) {
        log.error({ err, jobIds: unfinished }, 'releasing the jobs of a stopped batch failed; their leases will expire');
      }
    }
    let results: Map<number, FinishResult>;
    try {
      // The lease is renewed until the outcomes are recorded, not just while the processor runs.
      results = await finishJobs(db, finishes, workerId, { durationMs, backoff: opts.backoff });
    } catch (err) {
      // The leases run out and another loop takes the jobs over: nothing is lost.
      log.error({ err, jobIds: ids }, 'recording the job outcomes failed');
      return;
    } finally {
      clearInterval(renew);
    }
    for (const { job, outcome } of finishes) report(job, outcome, durationMs, results.get(job.id));
  }

  function report(job: JobRow, outcome: JobOutcome, durationMs: number, result: FinishResult | undefined) {
    const line = { jobId: job.id, leadKey: job.leadKey, attempt: job.attempts, outcome: outcome.kind, durationMs };
    if (!result) {
      log.warn(line, 'job outcome dropped: the lease was lost (released or taken over)');
      return;
    }
    const final = result.status === 'queued' ? 'retry' : result.status;
    opts.metrics?.jobsFinished.inc({ source: job.source, outcome: final });
    opts.metrics?.enrichmentDuration.observe({ source: job.source }, durationMs / 1000);
    const detail =
      outcome.kind === 'retry' || outcome.kind === 'dead'
        ? { error: outcome.error, status: result.status, runAt: result.runAt.toISOString() }
        : outcome.kind === 'skipped'
          ? { reason: outcome.reason }
          : {};
    if (result.status === 'dead') log.error({ ...line, outcome: final, ...detail }, 'job dead-lettered');
    else log.info({ ...line, outcome: final, ...detail }, 'job finished');
  }

  return {
    workerId,
    wake,
    start() {
      if (running) return;
      running = true;
      loops = Array.from({ length: opts.concurrency }, (_, n) => loop(n));
      if (opts.concurrency === 0) log.info('workers off (WORKER_CONCURRENCY=0): this instance records webhooks, other instances work the jobs');
      else log.info({ concurrency: opts.concurrency, batchSize: opts.batchSize, leaseMs: opts.leaseMs }, 'workers started');
    },
    async stop() {
      if (!running) return;
      running = false;
      clearTimeout(wakeTimer);
      for (const resume of idleLoops.splice(0)) resume();
      const deadline = opts.stopTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        Promise.all(loops).then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), deadline))),
      ]);
      clearTimeout(timer);
      if (!finished) {
        // Abort first, then release: a batch stopped here still holds its lease while its last CRM
        // answers and its records land (runBatch records what it finished and releases the rest).
        // Releasing first let another instance take and write a job whose write was still landing:
        // two writes of one card after a restart under load (issue 27's backfill test).
        log.warn({ batches: inFlight.size }, 'in-flight batches did not finish in time; stopping them');
        shuttingDown = true;
        for (const c of inFlight) c.abort(new Error('shutting down'));
        let grace: NodeJS.Timeout | undefined;
        await Promise.race([Promise.all(loops), new Promise<void>((r) => (grace = setTimeout(r, STOP_GRACE_MS)))]);
        clearTimeout(grace);
      }
      // Whatever is still held (a batch that did not even answer its abort): its late outcomes find no lease and change nothing.
      try {
        const released = await releaseJobs(db, workerId);
        if (released > 0) log.info({ released }, 'released unfinished jobs');
      } catch (err) {
        log.error({ err }, 'releasing jobs failed; their leases will expire');
      }
      log.info('workers stopped');
    },
  };
}
