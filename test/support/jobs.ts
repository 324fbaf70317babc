import { afterAll, beforeAll, beforeEach } from 'vitest';
import { jobs } from '../../src/db/schema.js';
import type { JobProcessor } from '../../src/jobs/types.js';
import { createWorkerPool, type WorkerPool, type WorkerPoolOptions } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { createTestDatabase, type Flavour, type TestDatabase } from './db.js';

/**
 * What the queue and worker-pool tests share: a test database whose `jobs` table is
 * emptied before every test (claims pick the oldest ready job of any account, so a
 * leftover would be claimed first), a worker pool with quiet defaults, and a wait for
 * a condition that names what it waited for and what it last saw.
 */

export interface QueueDatabase {
  database: TestDatabase;
}

/** A database of `flavour` for one describe block (beforeAll/afterAll), its queue empty before each test. */
export function useEmptyQueue(flavour: Flavour, options: { poolSize?: number } = {}): QueueDatabase {
  const holder = {} as QueueDatabase;
  beforeAll(async () => {
    holder.database = await createTestDatabase(flavour, options);
  });
  afterAll(async () => {
    await holder.database?.drop();
  });
  beforeEach(async () => {
    await holder.database.db.delete(jobs);
  });
  return holder;
}

/**
 * A worker pool over `database` with a silent logger, fresh metrics and a minute's backoff
 * (a retried job stays queued for the test to look at); `options` override any of it. It polls
 * every ten minutes: within a test's wait only wake() or a loop that found work starts a claim.
 */
export function testWorkerPool(database: TestDatabase, processor: JobProcessor, options: Partial<WorkerPoolOptions> = {}): WorkerPool {
  return createWorkerPool({
    database,
    processor,
    concurrency: 2,
    batchSize: 10,
    leaseMs: 5_000,
    pollMs: 600_000,
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
    backoff: { baseMs: 60_000, capMs: 60_000 },
    ...options,
  });
}

/**
 * Polls `check` until it holds. The deadline is for a hang, not a speed claim: on a loaded
 * machine a wake or a claim may take seconds, so give it far more than the work needs.
 * `state` describes what was last seen (the rows, say) for the failure message.
 */
export async function waitUntil(check: () => Promise<boolean>, what: string, options: { timeoutMs?: number; state?: () => Promise<unknown> } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) {
      const seen = options.state ? ` (last seen: ${JSON.stringify(await options.state())})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
