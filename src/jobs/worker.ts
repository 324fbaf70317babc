import { hostname } from 'node:os';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { type BackoffOptions, claimJobs, extendLease, finishJob, releaseJobs } from './queue.js';
import type { JobOutcome, JobProcessor, JobRow } from './types.js';

/**
 * The worker pool: `concurrency` loops that claim a batch, hand it to the
 * processor and record each job's outcome. New jobs wake the loops at once
 * (`wake()`, called by intake after commit); polling is the safety net for jobs
 * enqueued by another instance or due after a backoff.
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
  backoff?: BackoffOptions;
  workerId?: string;
  /**
   * How long a wake() waits for more wakes before the loops claim (default 10 ms).
   * Under a stream of webhooks this turns one claim per webhook per loop into one
   * claim per window, so claims fill batches instead of competing with intake.
   */
  wakeDelayMs?: number;
}

export interface WorkerPool {
  readonly workerId: string;
  start(): void;
  stop(): Promise<void>;
  wake(): void;
}

export function createWorkerPool(opts: WorkerPoolOptions): WorkerPool {
  const workerId = opts.workerId ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const db = opts.database.db;
  const log = opts.logger.child({ component: 'worker', workerId });
  const inFlight = new Set<AbortController>();
  let running = false;
  let loops: Promise<void>[] = [];
  let wakeUp: () => void = () => {};
  let wakeSignal = newWakeSignal();
  // Bumped on every wake(): a loop that was mid-claim when woken must not then sleep through it.
  let wakeCount = 0;

  function newWakeSignal(): Promise<void> {
    return new Promise<void>((resolve) => {
      wakeUp = resolve;
    });
  }

  function wakeNow() {
    clearTimeout(wakeTimer);
    wakeTimer = undefined;
    wakeCount++;
    const resolve = wakeUp;
    wakeSignal = newWakeSignal();
    resolve();
  }

  let wakeTimer: NodeJS.Timeout | undefined;
  const wakeDelayMs = opts.wakeDelayMs ?? 10;
  function wake() {
    if (wakeDelayMs <= 0) return wakeNow();
    wakeTimer ??= setTimeout(wakeNow, wakeDelayMs);
  }

  async function idle(ms: number, seen: number) {
    if (!running || wakeCount !== seen) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([wakeSignal, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  async function loop(n: number) {
    while (running) {
      const seen = wakeCount;
      let batch: JobRow[];
      try {
        batch = await claimJobs(db, { workerId, limit: opts.batchSize, leaseMs: opts.leaseMs });
      } catch (err) {
        if (!running) return;
        log.error({ err, loop: n }, 'claiming jobs failed; retrying after the poll interval');
        await idle(opts.pollMs, wakeCount);
        continue;
      }
      if (batch.length === 0) {
        await idle(opts.pollMs, seen);
        continue;
      }
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
    try {
      outcomes = await opts.processor(batch, controller.signal);
    } catch (err) {
      const error = `processor failed: ${(err as Error)?.message ?? String(err)}`;
      log.warn({ err, jobs: ids.length }, 'the processor threw; the whole batch is retried');
      outcomes = new Map(ids.map((id) => [id, { kind: 'retry', error }]));
    } finally {
      inFlight.delete(controller);
    }
    const durationMs = Math.round(performance.now() - started);
    try {
      // The lease is renewed until the last outcome is recorded, not just while the processor runs.
      // Each outcome is its own single-row update, so they go out together rather than one by one.
      await Promise.all(
        batch.map((job) =>
          finish(job, outcomes.get(job.id) ?? { kind: 'retry', error: 'the processor returned no outcome for this job' }, durationMs),
        ),
      );
    } finally {
      clearInterval(renew);
    }
  }

  async function finish(job: JobRow, outcome: JobOutcome, durationMs: number) {
    try {
      const result = await finishJob(db, job, outcome, workerId, { durationMs, backoff: opts.backoff });
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
    } catch (err) {
      // The lease runs out and another loop takes the job over: nothing is lost.
      log.error({ err, jobId: job.id }, 'recording the job outcome failed');
    }
  }

  return {
    workerId,
    wake,
    start() {
      if (running) return;
      running = true;
      loops = Array.from({ length: opts.concurrency }, (_, n) => loop(n));
      log.info({ concurrency: opts.concurrency, batchSize: opts.batchSize, leaseMs: opts.leaseMs }, 'workers started');
    },
    async stop() {
      if (!running) return;
      running = false;
      wakeNow();
      const deadline = opts.stopTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        Promise.all(loops).then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), deadline))),
      ]);
      clearTimeout(timer);
      if (!finished) log.warn({ batches: inFlight.size }, 'in-flight batches did not finish in time; releasing them');
      // Release first, then abort: an aborted batch's late outcomes then find no lease and change nothing.
      try {
        const released = await releaseJobs(db, workerId);
        if (released > 0) log.info({ released }, 'released unfinished jobs');
      } catch (err) {
        log.error({ err }, 'releasing jobs failed; their leases will expire');
      }
      for (const c of inFlight) c.abort(new Error('shutting down'));
      log.info('workers stopped');
    },
  };
}
