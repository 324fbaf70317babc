import { describe, expect, it } from 'vitest';
import { enrichments } from '../../../src/db/schema.js';
import type { JobHistoryEntry } from '../../../src/jobs/queue.js';
import { TEST_POSTGRES_URL } from '../../support/db.js';
import { spawnService } from '../../support/spawn-service.js';
import { FINAL, failures, jobsForWebhooks, sendAll, serviceEnv, useServiceDatabase, waitUntil } from '../../support/service-kit.js';

/** Two real service processes on one PostgreSQL share 1,000 jobs: each is processed exactly once. */
describe.skipIf(!TEST_POSTGRES_URL)('two instances on one PostgreSQL', () => {
  const pg = useServiceDatabase();

  it('processes each of 1,000 jobs once', async () => {
    // A lease long enough that no takeover happens here: the first batch builds the enricher,
    // which blocks the event loop (and so the lease renewal) for a moment. Takeover is tested in crash.test.ts.
    const env = serviceEnv(pg.url, { WORKER_CONCURRENCY: '3', JOB_BATCH_SIZE: '10', JOB_LEASE_MS: '15000' });
    const [a, b] = await Promise.all([spawnService(env), spawnService(env)]);
    pg.services.push(a, b);
    const database = await pg.open();

    const ids = Array.from({ length: 1000 }, (_, i) => `multi-${i}`);
    const acked = (
      await Promise.all([sendAll(a.url, ids.slice(0, 500), 10), sendAll(b.url, ids.slice(500), 10)])
    ).flat();
    expect(acked.length, failures.join('\n')).toBe(1000);

    await waitUntil(async () => (await jobsForWebhooks(database, ids)).jobs.every((j) => FINAL.has(j.status)), 40_000, '1,000 jobs final');
    const { jobs } = await jobsForWebhooks(database, ids);
    expect(jobs).toHaveLength(1000);
    const notOnce = jobs.filter((j) => {
      const h = j.history as JobHistoryEntry[];
      return j.status !== 'done' || j.attempts !== 1 || h.length !== 1 || h[0].outcome !== 'done';
    });
    expect(notOnce.map((j) => ({ id: j.id, status: j.status, attempts: j.attempts, history: j.history }))).toEqual([]);
    // Both instances did work.
    const workers = new Set(jobs.map((j) => (j.history as JobHistoryEntry[])[0].worker));
    expect(workers.size).toBe(2);
    // One enrichment row per lead: no lead was enriched twice.
    const rows = await database.db.select({ leadKey: enrichments.leadKey }).from(enrichments);
    expect(rows).toHaveLength(1000);
    expect(new Set(rows.map((r) => r.leadKey)).size).toBe(1000);
    expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0]);
  }, 90_000);
});
