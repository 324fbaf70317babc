import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCurrentTable } from '../../../src/cbs/repository.js';
import { loadBundledSnapshot } from '../../../src/cbs/snapshot.js';
import { type CbsStore, createCbsStore } from '../../../src/cbs/store.js';
import { openDatabase } from '../../../src/db/client.js';
import { cbsRefreshRuns, cbsTableVersions } from '../../../src/db/schema.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { type FakeCbs, type FakeRequest, startFakeCbs } from '../../support/fakes/cbs-server.js';
import { type TestDatabase, createTestDatabase, flavours } from '../../support/db.js';
import { testConfig } from '../../support/app.js';

const FAST_RETRY = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const dataRequests = (r: FakeRequest) => r.api === 'ODataApi' || r.api === 'ODataFeed';
const typedPages = (r: FakeRequest) => r.api === 'ODataFeed' && r.entitySet === 'TypedDataSet';

function makeStore(database: TestDatabase | Awaited<ReturnType<typeof openDatabase>>, fake: FakeCbs) {
  const metrics = createMetrics();
  const store = createCbsStore({
    database,
    logger: createLogger({ level: 'silent' }),
    metrics,
    config: testConfig({ CBS_BASE_URL: fake.url, CBS_TABLES: '83583NED' }),
    client: { retry: FAST_RETRY },
  });
  return { store, metrics };
}

describe.each(flavours)('CBS store on %s', (flavour) => {
  let database: TestDatabase;
  let fake: FakeCbs;
  let store: CbsStore;
  let metrics: ReturnType<typeof createMetrics>;
  const swaps: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    fake = await startFakeCbs({ pageSize: 2000 });
    ({ store, metrics } = makeStore(database, fake));
    store.onSwap((t) => swaps.push(t));
  });
  afterAll(async () => {
    await store.stop();
    await fake.close();
    await database.drop();
  });

  it('is not ready before the bundled snapshot is loaded, then bootstraps it into the empty database', async () => {
    expect(await store.getTable('83583NED')).toBeUndefined();
    expect(await store.readiness()).toEqual({ ok: false, detail: 'no CBS data yet for 83583NED' });

    expect(await store.bootstrapSnapshot()).toEqual(['83583NED']);
    expect(await store.bootstrapSnapshot()).toEqual([]);
    const version = await store.getTable('83583NED');
    const [bundled] = await loadBundledSnapshot(['83583NED']);
    expect(version?.source).toBe('snapshot');
    expect(version?.data).toEqual(bundled);
    expect((await store.readiness()).ok).toBe(true);
    const [status] = await store.status();
    expect(status).toMatchObject({ tableId: '83583NED', source: 'snapshot', modified: '2020-11-19T02:00:00', rowCount: 7440, lastRefresh: null });
    expect(status.title).toContain('Banen van werknemers');
    expect(fake.requests).toHaveLength(0);
  });

  it('replaces the snapshot with the OData copy on the first refresh, then skips unchanged tables', async () => {
    const before = await store.getTable('83583NED');
    const first = await store.refresh({ trigger: 'cli' });
    expect(first.status, JSON.stringify(first)).toBe('ok');
    expect(first.tables).toMatchObject([{ tableId: '83583NED', action: 'loaded', rows: 7440 }]);
    expect(fake.count(typedPages)).toBe(4);
    expect(swaps).toContain('83583NED');
    const after = await store.getTable('83583NED');
    expect(after?.source).toBe('odata');
    expect(after?.versionId).not.toBe(before?.versionId);
    expect(after?.data.rows).toEqual(before?.data.rows);
    expect((await metrics.cbsLastRefreshSuccess.get()).values[0].value).toBe(1);

    fake.reset();
    const second = await store.refresh({ trigger: 'cron' });
    expect(second.tables).toMatchObject([{ tableId: '83583NED', action: 'unchanged' }]);
    expect(fake.count(dataRequests)).toBe(0);
    expect(fake.count((r) => r.api === 'catalog')).toBe(1);
    expect((await store.getTable('83583NED'))?.versionId).toBe(after?.versionId);
  });

  it('reloads when the catalog reports a new Modified, and prunes to the last two versions', async () => {
    fake.reset();
    fake.setModified('83583NED', '2021-01-05T02:00:00');
    const run = await store.refresh({ trigger: 'admin' });
    expect(run.tables[0]?.action, JSON.stringify(run)).toBe('loaded');
    expect((await store.getTable('83583NED'))?.data.info.modified).toBe('2021-01-05T02:00:00');
    const versions = await database.db.select().from(cbsTableVersions).where(eq(cbsTableVersions.tableId, '83583NED'));
    expect(versions.filter((v) => v.status === 'ready')).toHaveLength(2);
  });

  it('refuses a malformed page: the run fails, the failure is recorded and the old version keeps answering', async () => {
    fake.reset();
    const good = await store.getTable('83583NED');
    fake.setModified('83583NED', '2021-02-01T02:00:00');
    fake.failNext(1, 'malformed', (r) => typedPages(r) && r.page === 3);
    const run = await store.refresh({ trigger: 'cron' });
    expect(run.status).toBe('failed');
    expect(run.error).toContain('83583NED');
    expect(fake.requests.filter(typedPages).map((r) => r.page)).toEqual([1, 2, 3]);
    const served = await store.getTable('83583NED');
    expect(served?.versionId).toBe(good?.versionId);
    expect(served?.data.info.modified).toBe('2021-01-05T02:00:00');
    const [failed] = await database.db.select().from(cbsTableVersions).where(eq(cbsTableVersions.status, 'failed'));
    expect(failed.error).toContain('unexpected body');
    const [status] = await store.status();
    expect(status.lastRefresh).toMatchObject({ status: 'failed', action: 'failed' });
    expect(status.versionId).toBe(good?.versionId);
    expect((await metrics.cbsLastRefreshSuccess.get()).values[0].value).toBe(0);
    expect((await store.readiness()).ok).toBe(true);
  });

  it('swaps atomically: a reader during a refresh sees the whole old or the whole new version', async () => {
    fake.reset();
    fake.setModified('83583NED', '2021-03-01T02:00:00');
    fake.setDelay(15);
    const oldVersion = await readCurrentTable(database.db, '83583NED');
    const refresh = store.refresh({ trigger: 'admin' });
    const seen = new Map<number, string | null>();
    let done = false;
    void refresh.finally(() => {
      done = true;
    });
    while (!done) {
      // PGlite answers in microtasks only; let the refresh's HTTP I/O run between reads.
      await new Promise((r) => setImmediate(r));
      const v = await readCurrentTable(database.db, '83583NED');
      expect(v?.data.rows).toHaveLength(7440);
      expect(Object.keys(v?.data.dimensions ?? {})).toEqual(['BedrijfstakkenBranchesSBI2008', 'Bedrijfsgrootte', 'Perioden']);
      seen.set(v!.versionId, v!.data.info.modified);
    }
    expect((await refresh).status).toBe('ok');
    const newVersion = await readCurrentTable(database.db, '83583NED');
    for (const [versionId, modified] of seen) {
      if (versionId === oldVersion?.versionId) expect(modified).toBe('2021-01-05T02:00:00');
      else expect([versionId, modified]).toEqual([newVersion?.versionId, '2021-03-01T02:00:00']);
    }
    expect(seen.has(oldVersion!.versionId)).toBe(true);
  });

  it('keeps answering from the old version when CBS goes away mid-refresh', async () => {
    const dying = await startFakeCbs({ pageSize: 1000 });
    const { store: other } = makeStore(database, dying);
    const good = await store.getTable('83583NED');
    dying.setModified('83583NED', '2022-01-01T02:00:00');
    dying.setDelay(10);
    let settled = false;
    const run = other.refresh({ trigger: 'cli' }).finally(() => {
      settled = true;
    });
    while (!settled && dying.count(typedPages) < 3) await new Promise((r) => setTimeout(r, 5));
    expect(settled).toBe(false);
    await dying.close();
    const result = await run;
    expect(result.status).toBe('failed');
    expect(result.tables[0]?.error).toMatch(/CBS table 83583NED: GET .*TypedDataSet/);
    await store.checkForSwaps();
    const served = await store.getTable('83583NED');
    expect(served?.versionId).toBe(good?.versionId);
    expect(served?.data.rows).toHaveLength(7440);
    await other.stop();
  });

  it.skipIf(flavour === 'pglite')('lets only one of two instances on one PostgreSQL refresh; the other records skipped', async () => {
    fake.reset();
    fake.setModified('83583NED', '2023-01-01T02:00:00');
    fake.setDelay(20);
    const second = await openDatabase({ url: database.url, poolSize: 3 });
    const { store: other } = makeStore(second as TestDatabase, fake);
    await other.checkForSwaps();
    const swapsSeen: string[] = [];
    other.onSwap((t) => swapsSeen.push(t));
    try {
      const a = store.refresh({ trigger: 'cron' });
      while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 2));
      const b = await other.refresh({ trigger: 'cron' });
      expect(b.status).toBe('skipped');
      expect((await a).status).toBe('ok');
      const runs = await database.db.select().from(cbsRefreshRuns).where(eq(cbsRefreshRuns.id, b.runId));
      expect(runs[0]).toMatchObject({ status: 'skipped', instance: other.instance });
      // The other instance notices the swap on its next poll.
      expect(await other.checkForSwaps()).toEqual(['83583NED']);
      expect(swapsSeen).toEqual(['83583NED']);
      expect((await other.getTable('83583NED'))?.data.info.modified).toBe('2023-01-01T02:00:00');
    } finally {
      await other.stop();
      await second.close();
    }
  });
});
