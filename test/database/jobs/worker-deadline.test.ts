import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jobs } from '../../../src/db/schema.js';
import type { JobOutcome, JobProcessor } from '../../../src/jobs/types.js';
import { flavours } from '../../support/db.js';
import { enqueueTestJob, uniqueRef } from '../../support/factories.js';
import { testWorkerPool, useEmptyQueue, waitUntil } from '../../support/jobs.js';

/**
 * Review 2026-12, M4: a batch a CRM keeps busy for ever (a paging loop under the
 * limiter) renewed its lease for ever; four of them stopped every worker. A
 * batch now has a deadline: it is aborted and its jobs retried, and the loop
 * goes on to other work.
 */

describe.each(flavours)('batch deadline on %s', (flavour) => {
  const queue = useEmptyQueue(flavour, { poolSize: 10 });

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
    const { database } = queue;
    const row = async (id: number) => (await database.db.select().from(jobs).where(eq(jobs.id, id)))[0];
    const stuck = await enqueueTestJob(database.db, uniqueRef('pipedrive'));
    const pool = testWorkerPool(database, processor, { concurrency: 1, pollMs: 100, batchDeadlineMs: 1_500 });
    pool.start();
    try {
      await waitUntil(async () => signals.length === 1, 'the stuck batch to start', { state: () => row(stuck.id) });
      const other = await enqueueTestJob(database.db, uniqueRef('generic'));
      pool.wake();
      await waitUntil(async () => (await row(other.id))?.status === 'done', 'the next job on the only loop', { state: async () => [await row(stuck.id), await row(other.id)] });
      const after = await row(stuck.id);
      expect(after.status, JSON.stringify(after)).toBe('queued');
      expect(after.lastError).toMatch(/took longer than 1500 ms/);
      expect(after.firstFailedAt).not.toBeNull();
      expect(signals[0].aborted).toBe(true);
    } finally {
      await pool.stop();
    }
  });
});
