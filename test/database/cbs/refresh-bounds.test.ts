import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRefresh } from '../../../src/cbs/refresh.js';
import { cbsRefreshRuns, cbsTableVersions } from '../../../src/db/schema.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { type FakeCbs, startFakeCbs } from '../../support/fakes/cbs-server.js';
import { type HostileCbs, startHostileCbs } from '../../support/fakes/cbs-hostile.js';
import { type TestDatabase, createTestDatabase, flavours } from '../../support/db.js';

/**
 * Review 2026-12, M1: a refresh run has one deadline (a CBS that trickles its
 * answer cannot hold the run and its lock for ever), and runs a dead process
 * left 'running' are closed as failed by the next run.
 */

const FAST_RETRY = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 };

describe.each(flavours)('CBS refresh bounds on %s', (flavour) => {
  let database: TestDatabase;
  let drip: HostileCbs;
  let good: FakeCbs;
  const deps = (baseUrl: string, deadlineMs?: number) => ({
    database,
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
    tables: ['83583NED'],
    instance: 'test',
    client: { baseUrl, retry: FAST_RETRY },
    onSwapped: () => undefined,
    deadlineMs,
  });

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    drip = await startHostileCbs('drip', { dripMs: 50 });
    good = await startFakeCbs({ pageSize: 5000 });
  });
  afterAll(async () => {
    await drip.close();
    await good.close();
    await database.drop();
  });

  it('ends a run whose CBS trickles one byte at a time at the run deadline, failed, and frees the lock', async () => {
    const summary = await runRefresh(deps(drip.url, 800), { trigger: 'cli' });
    expect(summary.status, JSON.stringify(summary)).toBe('failed');
    expect(summary.tables[0].error).toMatch(/stopped/);
    // Stopped, not retried: one request.
    expect(drip.requests).toHaveLength(1);
    const [run] = await database.db.select().from(cbsRefreshRuns).where(eq(cbsRefreshRuns.id, summary.runId));
    expect(run.status).toBe('failed');
    // The lock is free again: the next run does its work instead of recording 'skipped'.
    const next = await runRefresh(deps(good.url), { trigger: 'cli' });
    expect(next.status, JSON.stringify(next)).toBe('ok');
  });

  it("closes runs and loads left 'running' by a process that died, as failed, when it next holds the lock", async () => {
    const [dead] = await database.db.insert(cbsRefreshRuns).values({ trigger: 'cron', instance: 'gone', status: 'running' }).returning();
    const [load] = await database.db
      .insert(cbsTableVersions)
      .values({ tableId: '83583NED', source: 'odata', status: 'loading', title: 'x', modified: null })
      .returning();
    const summary = await runRefresh(deps(good.url), { trigger: 'cli' });
    expect(summary.status, JSON.stringify(summary)).toBe('ok');
    const [run] = await database.db.select().from(cbsRefreshRuns).where(eq(cbsRefreshRuns.id, dead.id));
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/abandoned/);
    expect(run.finishedAt).not.toBeNull();
    const [version] = await database.db.select().from(cbsTableVersions).where(eq(cbsTableVersions.id, load.id));
    expect(version.status).toBe('failed');
  });
});
