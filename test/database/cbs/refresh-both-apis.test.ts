import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundledSnapshot } from '../../../src/cbs/snapshot.js';
import { type CbsStore, createCbsStore } from '../../../src/cbs/store.js';
import { createEnricher } from '../../../src/enrich/engine.js';
import { parseFigureSpecs } from '../../../src/enrich/figure-spec.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { type FakeCbs, startFakeCbs } from '../../support/fakes/cbs-server.js';
import { type FakeCbsV4, startFakeCbsV4 } from '../../support/fakes/cbs-v4-server.js';
import { testConfig } from '../../support/app.js';
import { type TestDatabase, createTestDatabase, flavours } from '../../support/db.js';

/**
 * A refresh through both CBS APIs into one store: 83583NED over OData v3, and
 * 81589NED, 81575NED and 80072ned over OData v4 (CBS_V4_TABLES). The v4 fake
 * serves 80072ned from its real recording and 81589NED/81575NED from the
 * bundled snapshot (no real v4 recording of them exists), with the Modified
 * dates CBS's v4 catalog of 2020 lists for them. The v4 part reads businesses from
 * 81589NED (configured, CBS_FIGURES businesses=81589NED); the v3 part loads the
 * default tables, where businesses is 81588NED.
 */

const with81589 = (() => {
  const parsed = parseFigureSpecs('jobs=83583NED,businesses=81589NED,establishments=81575NED@municipality');
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.specs;
})();

const FAST_RETRY = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 };

describe.each(flavours)('refresh through OData v3 and v4 on %s', (flavour) => {
  let database: TestDatabase;
  let v3: FakeCbs;
  let v4: FakeCbsV4;
  let store: CbsStore;

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    const snapshot = await loadBundledSnapshot(['81589NED', '81575NED']);
    const modified: Record<string, string> = { '81589NED': '2020-09-15T00:00:00+02:00', '81575NED': '2020-04-08T02:00:00+02:00' };
    v3 = await startFakeCbs({ pageSize: 5000 });
    v4 = await startFakeCbsV4({ pageSize: 2000, derived: snapshot.map((data) => ({ data, modified: modified[data.tableId] })) });
    store = createCbsStore({
      database,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      config: testConfig({
        CBS_BASE_URL: v3.url,
        CBS_V4_BASE_URL: v4.url,
        CBS_TABLES: '83583NED,81589NED,81575NED,80072ned',
        CBS_V4_TABLES: '81589NED,81575NED,80072ned',
      }),
      client: { retry: FAST_RETRY },
    });
  });
  afterAll(async () => {
    await store?.stop();
    await Promise.all([v3?.close(), v4?.close()]);
    await database?.drop();
  });

  it('caches v3 and v4 tables in the same store, and the lead gets all three figures from them', async () => {
    const summary = await store.refresh({ trigger: 'cli' });
    expect(summary.status, JSON.stringify(summary)).toBe('ok');
    expect(summary.tables.map((t) => [t.tableId, t.action])).toEqual([
      ['83583NED', 'loaded'],
      ['81589NED', 'loaded'],
      ['81575NED', 'loaded'],
      ['80072ned', 'loaded'],
    ]);
    // v4 requests went to the v4 host only, v3 requests never asked for the v4 tables.
    expect(v3.requests.some((r) => /81589NED|81575NED|80072ned/i.test(r.url))).toBe(false);
    expect(v4.requests.filter((r) => r.entitySet === 'Observations').length).toBeGreaterThan(3);

    const tables = await store.getTables();
    expect(tables.map((t) => [t.tableId, t.source])).toEqual([
      ['83583NED', 'odata'],
      ['81589NED', 'odata'],
      ['81575NED', 'odata'],
      ['80072ned', 'odata'],
    ]);
    const enricher = createEnricher({ sbiList: loadSbiList(), tables, minConfidence: 0.5, figures: with81589 });
    const e = enricher.resolve({ sbi: '62.01', employees: 12, postcode: '1011 AB' });
    const figures = Object.fromEntries(e.figures.map((f) => [f.id, f]));
    expect(figures.jobs).toMatchObject({ status: 'available', figure: { value: 50.9 }, provenance: { tableId: '83583NED', source: 'odata', modified: '2020-11-19T02:00:00' } });
    expect(figures.businesses).toMatchObject({
      status: 'available',
      figure: { value: 1685, period: { key: '2020KW01' } },
      provenance: { tableId: '81589NED', source: 'odata', modified: '2020-09-15T00:00:00+02:00' },
    });
    expect(figures.establishments).toMatchObject({
      status: 'available',
      figure: { value: 8150, region: { title: 'Amsterdam' } },
      provenance: { tableId: '81575NED', source: 'odata', modified: '2020-04-08T02:00:00+02:00' },
    });
    // 80072ned (real v4 recording) is a market of its own: sickness absence in J, 2020 Q1 (recorded value).
    const sick = e.markets.find((m) => m.tableId === '80072ned');
    expect(sick?.sbiCategory).toMatchObject({ code: 'J' });
    expect(sick?.sector?.unit).toBe('%');
  });

  it('asks v4 Properties next time and skips what did not change, reloads what did', async () => {
    v4.requests.length = 0;
    const again = await store.refresh({ trigger: 'cron' });
    expect(again.tables.map((t) => t.action)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(v4.requests.every((r) => r.entitySet === 'Properties')).toBe(true);
    v4.setModified('80072ned', '2026-06-19T02:00:00+02:00');
    const changed = await store.refresh({ trigger: 'cron' });
    expect(changed.tables.map((t) => [t.tableId, t.action])).toContainEqual(['80072ned', 'loaded']);
    expect((await store.getTable('80072ned'))?.data.info.modified).toBe('2026-06-19T02:00:00+02:00');
  });
});

describe.each(flavours)('refresh of all three figure tables through OData v3 on %s', (flavour) => {
  let database: TestDatabase;
  let v3: FakeCbs;
  let store: CbsStore;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    const snapshot = await loadBundledSnapshot(['81588NED', '81575NED']);
    // 81588NED: the Modified of the real landing file (2026-07-15); 81575NED: CBS's v4 catalog of 2020.
    v3 = await startFakeCbs({ pageSize: 5000, derived: snapshot.map((data) => ({ data, modified: data.tableId === '81588NED' ? '2026-07-15T02:00:00' : '2020-04-08T02:00:00' })) });
    store = createCbsStore({
      database,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      // The three figure tables the fake serves whole; the trend tables have their own test (refresh-trend-tables.test.ts).
      config: testConfig({ CBS_BASE_URL: v3.url, CBS_TABLES: '83583NED,81588NED,81575NED' }),
      client: { retry: FAST_RETRY },
    });
  });
  afterAll(async () => {
    await store?.stop();
    await v3?.close();
    await database?.drop();
  });

  it('loads the default tables through ODataApi/ODataFeed and gives the same three figures', async () => {
    // In the manifest's order (the CSV-built tables first, then the excerpts).
    expect(await store.bootstrapSnapshot()).toEqual(['83583NED', '81575NED', '81588NED']);
    const summary = await store.refresh({ trigger: 'cli' });
    expect(summary.tables.map((t) => [t.tableId, t.action]), JSON.stringify(summary)).toEqual([
      ['83583NED', 'loaded'],
      ['81588NED', 'loaded'],
      ['81575NED', 'loaded'],
    ]);
    // 81575NED's 10,442 rows come in three feed pages.
    expect(v3.requests.filter((r) => r.api === 'ODataFeed' && r.tableId === '81575NED').length).toBe(3);
    const tables = await store.getTables();
    const e = createEnricher({ sbiList: loadSbiList(), tables, minConfidence: 0.5 }).resolve({ sbi: '62.01', employees: 12, postcode: '1011 AB' });
    expect(e.figures.map((f) => [f.id, f.status, f.figure?.value, f.provenance.source, f.provenance.modified])).toEqual([
      ['jobs', 'available', 50.9, 'odata', '2020-11-19T02:00:00'],
      ['businesses', 'available', 1820, 'odata', '2026-07-15T02:00:00'],
      ['establishments', 'available', 8150, 'odata', '2020-04-08T02:00:00'],
      ['starts', 'no_table', undefined, null, null],
      ['closures', 'after_refresh', undefined, null, null],
      ['bankruptcies', 'no_table', undefined, null, null],
    ]);
  });
});
