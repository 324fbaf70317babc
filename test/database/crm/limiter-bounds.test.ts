import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CrmError } from '../../../src/crm/crm-error.js';
import { createRateLimiter, limiterKey, type LimiterKey } from '../../../src/crm/rate-limiter.js';
import { queryRows } from '../../../src/db/client.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { uniqueAccount } from '../../support/crm.js';

/**
 * Review 2026-12: M2 (a CRM's interval header set an unbounded, stored window;
 * the release route could not clear it) and L5 (pauses stored on the instance's
 * clock, compared with the database's).
 */

const logger = createLogger({ level: 'silent' });
const MAX_PAUSE_MS = 60_000;

describe.each(flavours)('limiter bounds on %s', (flavour) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
  });
  afterAll(async () => {
    await database?.drop();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const limiter = () => createRateLimiter({ database, metrics: createMetrics(), logger, maxPauseMs: MAX_PAUSE_MS });
  const hubspot = (): LimiterKey => ({ crm: 'hubspot', accountId: uniqueAccount('hs') });
  const state = async (key: LimiterKey) =>
    (await queryRows<{ window_ms: number; observed: unknown }>(database.db, sql`select window_ms, observed from rate_limit_state where key = ${limiterKey(key)}`))[0];

  it('M2: an interval header of 2·10⁹ ms makes a window of at most CRM_MAX_PAUSE_MS, and no wait is longer', async () => {
    const l = limiter();
    const key = hubspot();
    await l.observe(key, { limit: 1, windowMs: 2_000_000_000 });
    expect(await l.tryAcquire(key)).toMatchObject({ granted: true });
    const next = await l.tryAcquire(key);
    expect(next.granted).toBe(false);
    if (!next.granted) expect(next.waitMs).toBeLessThanOrEqual(MAX_PAUSE_MS + 1_000);
    expect((await state(key)).window_ms).toBe(MAX_PAUSE_MS);
    const err = await l.acquire(key, { maxWaitMs: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmError);
    const until = (err as CrmError & { failure: { until: Date } }).failure.until.getTime();
    expect(until - Date.now()).toBeLessThanOrEqual(MAX_PAUSE_MS + 1_000);
  });

  it('M2: an interval of 2³¹ ms or more no longer breaks every call, nor does one stored before the bound existed', async () => {
    const l = limiter();
    const key = hubspot();
    await l.observe(key, { limit: 100, windowMs: 31_536_000_000 });
    expect(await l.tryAcquire(key)).toMatchObject({ granted: true });
    // A value an older version stored: read through the same bound.
    const stale = hubspot();
    await l.observe(stale, { limit: 100, windowMs: 20_000 });
    await database.db.execute(sql`update rate_limit_state set observed = '{"limit": 1e12, "windowMs": 31536000000}'::jsonb where key = ${limiterKey(stale)}`);
    expect(await l.tryAcquire(stale)).toMatchObject({ granted: true });
    expect((await state(stale)).window_ms).toBe(MAX_PAUSE_MS);
  });

  it('M2: the release route forgets what the headers stated, even with nothing paused', async () => {
    const l = limiter();
    const key = hubspot();
    await l.observe(key, { limit: 1, windowMs: 50_000 });
    expect(await l.release(limiterKey(key))).toBe(true);
    expect((await state(key)).observed).toBeNull();
    expect(await l.release(limiterKey(key))).toBe(false);
  });

  // PGlite's clock is this process's Date.now(): an embedded database cannot disagree with its instance.
  it.skipIf(flavour === 'pglite')('L5: a pause holds for its delay on the database clock, however far behind the instance clock runs', async () => {
    const l = limiter();
    const key = hubspot();
    const realNow = Date.now.bind(Date);
    // This instance's clock runs 10 minutes behind the database's (review: SKEW_MS=-600000).
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 600_000);
    const until = await l.pause(key, new Date(Date.now() + 30_000), 'TEN_SECONDLY_ROLLING');
    expect(until.getTime() - Date.now()).toBeGreaterThan(29_000);
    const d = await l.tryAcquire(key);
    expect(d, JSON.stringify(d)).toMatchObject({ granted: false, reason: 'paused' });
    if (!d.granted) expect(d.waitMs).toBeGreaterThan(25_000);
  });
});
