import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/metrics.js';
import { QUEUE_STATS_MAX_AGE_MS, registerOpsCollectors } from '../../../src/ops/collectors.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { parsePrometheusText, sampleValue } from '../../support/prom-text.js';
import { leadRef, seedJob } from '../../support/seed.js';

/**
 * Review 2026-12, L6: every /metrics scrape counted the whole jobs table (167
 * ms at 1M jobs; 8 anonymous scrapers pushed webhook p99 to 1 s). The job
 * gauges now come from one query at a time, reused for a few seconds. The
 * clock is the collector's own, so the test says "within" and "after" the
 * reuse window without waiting for it.
 */

describe('the job gauges', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('count the jobs once per window, however many scrapes arrive, and again after it', async () => {
    let now = 1_000_000;
    const metrics = createMetrics();
    registerOpsCollectors(metrics, database.db, [], undefined, { now: () => now });
    const queued = async () => sampleValue(parsePrometheusText(await metrics.render()), 'verrijk_jobs', { status: 'queued' });

    await seedJob(database.db, leadRef(), { status: 'queued' });
    expect(await queued()).toBe(1);
    await seedJob(database.db, leadRef(), { status: 'queued' });
    // Eight scrapes at once within the window: the first answer, not eight table scans.
    const answers = await Promise.all(Array.from({ length: 8 }, () => queued()));
    expect(answers).toEqual(Array(8).fill(1));
    now += QUEUE_STATS_MAX_AGE_MS;
    expect(await queued()).toBe(2);
  });
});
