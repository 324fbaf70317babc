import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmError } from '../../../src/crm/crm-error.js';
import { createRateLimiter, limiterKey, safetyMarginMs } from '../../../src/crm/rate-limiter.js';
import { queryRows } from '../../../src/db/client.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { uniqueAccount } from '../../support/crm.js';

const logger = createLogger({ level: 'silent' });

describe.each(flavours)('shared rate limiter on %s', (flavour) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
  });
  afterAll(async () => {
    await database?.drop();
  });
  const limiter = (limit = 10, windowMs = 1_000, requestDeadlineMs?: number) =>
    createRateLimiter({ database, metrics: createMetrics(), logger, limits: { generic: { limit, windowMs } }, requestDeadlineMs });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('never grants more than the limit in any rolling window, across limiters', async () => {
    const key = { crm: 'generic' as const, accountId: uniqueAccount() };
    const limiters = [limiter(), limiter(), limiter()];
    await Promise.all(
      Array.from({ length: 25 }, async (_, i) => {
        const { grantId } = await limiters[i % 3].acquire(key);
        await limiters[i % 3].settle(key, grantId);
      }),
    );
    const grants = await queryRows<{ t: string }>(
      database.db,
      sql`select extract(epoch from granted_at) * 1000 as t from rate_limit_grants where key = ${limiterKey(key)} order by granted_at`,
    );
    const times = grants.map((g) => Number(g.t));
    expect(times.length).toBe(25);
    for (let i = 10; i < times.length; i++) {
      // The 11th grant after any grant comes a full window (plus the margin) later.
      expect(times[i] - times[i - 10]).toBeGreaterThanOrEqual(1_000 + safetyMarginMs(1_000) - 1);
    }
  });

  it('a pause stops that account only, and a long pause becomes a CrmError saying until when', async () => {
    const l = limiter();
    const paused = { crm: 'generic' as const, accountId: uniqueAccount('p') };
    const other = { crm: 'generic' as const, accountId: uniqueAccount('o') };
    const until = new Date(Date.now() + 60_000);
    await l.pause(paused, until, 'TEN_SECONDLY_ROLLING');
    expect(await l.tryAcquire(paused)).toMatchObject({ granted: false, reason: 'paused', pauseReason: 'TEN_SECONDLY_ROLLING' });
    expect(await l.tryAcquire(other)).toMatchObject({ granted: true });
    const err = await l.acquire(paused, { maxWaitMs: 1_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(CrmError);
    expect((err as CrmError).failure).toMatchObject({ kind: 'rate_limited' });
    expect(Math.abs((err as CrmError & { failure: { until: Date } }).failure.until.getTime() - until.getTime())).toBeLessThan(2_000);
    // A shorter pause from another instance does not cut it short.
    await l.pause(paused, new Date(Date.now() + 1_000), 'SECONDLY');
    expect(await l.tryAcquire(paused)).toMatchObject({ pauseReason: 'TEN_SECONDLY_ROLLING' });
  });

  it('counts the daily budget the headers report and stops at zero until the reset', async () => {
    const l = limiter(100);
    const key = { crm: 'generic' as const, accountId: uniqueAccount('d') };
    const reset = new Date(Date.now() + 3_600_000);
    await l.observe(key, { dailyLimit: 1000, dailyRemaining: 998, dailyResetAt: reset });
    const [row] = await queryRows<{ daily_used: number; daily_limit: number }>(database.db, sql`select daily_used, daily_limit from rate_limit_state where key = ${limiterKey(key)}`);
    expect(row).toMatchObject({ daily_used: 2, daily_limit: 1000 });
    await l.observe(key, { dailyLimit: 1000, dailyRemaining: 0, dailyResetAt: reset });
    const err = await l.acquire(key, { maxWaitMs: 100 }).catch((e) => e);
    expect((err as CrmError).failure).toMatchObject({ kind: 'daily_exhausted' });
  });

  it('tightens the limit when the CRM reports a lower max', async () => {
    const l = limiter(10);
    const key = { crm: 'generic' as const, accountId: uniqueAccount('t') };
    await l.observe(key, { limit: 2 });
    expect(await l.tryAcquire(key)).toMatchObject({ granted: true });
    expect(await l.tryAcquire(key)).toMatchObject({ granted: true });
    expect(await l.tryAcquire(key)).toMatchObject({ granted: false, reason: 'window' });
  });

  it('counts a settled request from when it finished, so a slow send cannot double up at the CRM', async () => {
    const windowMs = 400;
    const l = limiter(1, windowMs);
    const key = { crm: 'generic' as const, accountId: uniqueAccount('slow') };
    const { grantId } = await l.acquire(key);
    // The request takes a while to arrive and be answered (a stalled process, a slow network).
    await sleep(300);
    await l.settle(key, grantId);
    await sleep(windowMs + safetyMarginMs(windowMs) - 300 + 50);
    // Counted from the grant, the window would be free again; counted from the finish, it is not.
    expect(await l.tryAcquire(key)).toMatchObject({ granted: false, reason: 'window' });
  });

  it('keeps a request still in flight in the window past its grant, and frees it one window after it settles', async () => {
    const windowMs = 200;
    const span = windowMs + safetyMarginMs(windowMs);
    const l = limiter(1, windowMs);
    const key = { crm: 'generic' as const, accountId: uniqueAccount('hung') };
    const { grantId } = await l.acquire(key);
    // A request that hangs (or waits for a connection) may reach the CRM at any moment: two windows on, it still counts.
    await sleep(2 * span);
    const waiting = await l.tryAcquire(key);
    expect(waiting).toMatchObject({ granted: false, reason: 'window' });
    // It settles at the earliest now: look again a window from now, not at its deadline half a minute away.
    expect((waiting as { waitMs: number }).waitMs).toBeGreaterThanOrEqual(span - 20);
    expect((waiting as { waitMs: number }).waitMs).toBeLessThanOrEqual(span + 20);
    await l.settle(key, grantId);
    expect(await l.tryAcquire(key)).toMatchObject({ granted: false, reason: 'window' });
    await sleep(span + 30);
    expect(await l.tryAcquire(key)).toMatchObject({ granted: true });
  });

  it('counts a grant nobody settles (its process was killed) until its deadline and slack have passed, then a window more', async () => {
    const windowMs = 200;
    const l = limiter(1, windowMs, 100);
    const key = { crm: 'generic' as const, accountId: uniqueAccount('killed') };
    await l.acquire(key);
    const [row] = await queryRows<{ bound_ms: number }>(
      database.db,
      sql`select (extract(epoch from arrived_by - granted_at) * 1000)::int as bound_ms from rate_limit_grants where key = ${limiterKey(key)}`,
    );
    // The deadline (100 ms here) plus 5 s of slack for the time between the grant and the client's clock starting.
    expect(row.bound_ms).toBe(100 + 5_000);
    expect(await l.tryAcquire(key)).toMatchObject({ granted: false, reason: 'window' });
    // Age the grant past its bound, as if it had been granted 6 s ago and never settled: the window frees.
    await database.db.execute(
      sql`update rate_limit_grants set granted_at = granted_at - interval '6 seconds', arrived_by = arrived_by - interval '6 seconds' where key = ${limiterKey(key)}`,
    );
    expect(await l.tryAcquire(key)).toMatchObject({ granted: true });
  });

  it('prunes grants no window can see', async () => {
    const key = { crm: 'generic' as const, accountId: uniqueAccount('old') };
    const l = limiter();
    await l.tryAcquire(key);
    await database.db.execute(
      sql`update rate_limit_grants set granted_at = granted_at - interval '1 hour', arrived_by = arrived_by - interval '1 hour' where key = ${limiterKey(key)}`,
    );
    expect(await l.prune()).toBeGreaterThanOrEqual(1);
  });
});
