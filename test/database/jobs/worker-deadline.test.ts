import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jobs } from '../../../src/db/schema.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import type { JobOutcome, JobProcessor } from '../../../src/jobs/types.js';
import { createWorkerPool } from '../../../src/jobs/worker.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { enqueueTestJob, uniqueRef } from '../../support/factories.js';

/**
 * Review 2026-12, M4: a batch a CRM keeps busy for ever (a paging loop under the
 * limiter) renewed its lease for ever; four of them stopped every worker. A
 * batch now has a deadline: it is aborted and its jobs retried, and the loop
 * goes on to other work.
 */

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(flavours)('batch deadline on %s', (flavour) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(flavour, { poolSize: 10 });
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    await database.db.delete(jobs);
  });

  it('stops a batch that never ends, retries its jobs (counted), aborts its signal and frees the loop for other work', async () => {
    const signals: AbortSignal[] = [];
    const processor: JobProcessor = (batch, signal) => {
      // The stuck CRM: one source never answers (and ignores the signal, the worst case).
      if (batch[0].source === 'pipedrive') {
        signals.push(signal);
        return new Promise(() => undefined);
      }
      return Promise.resolve(new Map(batch.map((j) => [j.id, { kind: 'done', detail: {} } as JobOutcome])));
    };
    const stuck = await enqueueTestJob(database.db, uniqueRef('pipedrive'));
    const pool = createWorkerPool({
      database,
      processor,
      concurrency: 1,
      batchSize: 10,
      leaseMs: 600,
      pollMs: 100,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      backoff: { baseMs: 60_000, capMs: 60_000 },
      batchDeadlineMs: 1_500,
    });
    pool.start();
    try {
      await waitFor(async () => signals.length === 1, 20_000, 'the stuck batch to start');
      const other = await enqueueTestJob(database.db, uniqueRef('generic'));
      pool.wake();
      await waitFor(async () => (await database.db.select().from(jobs).where(eq(jobs.id, other.id)))[0]?.status === 'done', 30_000, 'the next job on the only loop');
      const [row] = await database.db.select().from(jobs).where(eq(jobs.id, stuck.id));
      expect(row.status, JSON.stringify(row)).toBe('queued');
      expect(row.lastError).toMatch(/took longer than 1500 ms/);
      expect(row.firstFailedAt).not.toBeNull();
      expect(signals[0].aborted).toBe(true);
    } finally {
      await pool.stop();
    }
  });
});
