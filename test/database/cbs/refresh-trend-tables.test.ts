import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CbsTableData } from '../../../src/cbs/model.js';
import { persistTable } from '../../../src/cbs/persist.js';
import { type CbsStore, createCbsStore } from '../../../src/cbs/store.js';
import { enrichmentServiceFor } from '../../../src/enrich/service.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { testConfig } from '../../support/app.js';
import { build82244NED, build83631NED } from '../../support/cbs-derived-tables.js';
import { type TestDatabase, createTestDatabase, flavours } from '../../support/db.js';
import { type FakeCbs, startFakeCbs } from '../../support/fakes/cbs-server.js';

/**
 * The sector-dynamics and bankruptcy tables go through the same versioned store
 * as every other: the fake CBS (OData v3, paged) serves 83631NED (business
 * starts per COROP region) and 82244NED (bankruptcies per month, SBI 49), both
 * from the real data in test/fixtures/cbs/. The store starts from a copy that
 * ends a month earlier (82244NED up to 2026-07, as an older release would);
 * the refresh loads the new period, swaps it in, and the enrichment service
 * rebuilds its engine, so the card of a lead in SBI 49 at 3511 AB (Utrecht,
 * COROP CR17) shows 2026-08 and a new version.
 */

const FAST_RETRY = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 };

/** The same table without its latest month: the release before. */
function withoutLastMonth(data: CbsTableData): CbsTableData {
  const periods = data.dimensions.Perioden;
  const last = periods.at(-1)!.key;
  const rows = data.rows.filter((r) => r.Perioden !== last);
  return {
    ...data,
    info: { ...data.info, modified: '2026-08-14T02:00:00', recordCount: rows.length },
    dimensions: { ...data.dimensions, Perioden: periods.slice(0, -1) },
    rows,
  };
}

describe.each(flavours)('refresh of the trend tables on %s', (flavour) => {
  let database: TestDatabase;
  let fake: FakeCbs;
  let store: CbsStore;

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    const [starts, bankruptcies] = await Promise.all([build83631NED(), build82244NED()]);
    // Small pages, so both tables come in several ODataFeed pages.
    fake = await startFakeCbs({
      pageSize: 300,
      derived: [
        { data: starts, modified: '2026-04-20T02:00:00' },
        { data: bankruptcies, modified: '2026-09-11T02:00:00' },
      ],
    });
    await persistTable(database.db, withoutLastMonth(bankruptcies), 'snapshot');
    store = createCbsStore({
      database,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      config: testConfig({
        CBS_BASE_URL: fake.url,
        CBS_TABLES: '83583NED,83631NED,82244NED',
        CBS_FIGURES: 'jobs=83583NED,starts=83631NED@corop,bankruptcies=82244NED',
      }),
      client: { retry: FAST_RETRY },
    });
  });
  afterAll(async () => {
    await store?.stop();
    await fake?.close();
    await database?.drop();
  });

  it('loads both tables paged and checked, swaps them in, and the rebuilt engine shows the new month with its trend', async () => {
    const config = testConfig({ CBS_FIGURES: 'jobs=83583NED,starts=83631NED@corop,bankruptcies=82244NED' });
    const service = enrichmentServiceFor(store, { minConfidence: 0.5, logger: createLogger({ level: 'silent' }), tableIds: [], figures: config.cbs.figures });
    const lead = { sbi: '49.41', employees: 12, postcode: '3511AB' };
    const before = (await service.enricher()).resolve(lead);
    const bankruptBefore = before.figures.find((f) => f.id === 'bankruptcies')!;
    expect(bankruptBefore, JSON.stringify(bankruptBefore)).toMatchObject({ status: 'available', figure: { period: { key: '2026MM07' } }, provenance: { source: 'snapshot' } });
    expect(before.figures.find((f) => f.id === 'starts'), JSON.stringify(before.figures)).toMatchObject({ status: 'no_table' });

    const summary = await store.refresh({ trigger: 'cli' });
    expect(summary.status, JSON.stringify(summary)).toBe('ok');
    expect(summary.tables.map((t) => [t.tableId, t.action])).toEqual([
      ['83583NED', 'loaded'],
      ['83631NED', 'loaded'],
      ['82244NED', 'loaded'],
    ]);
    // Paged: 779 rows of 83631NED at 300 a page is three TypedDataSet pages.
    expect(fake.count((r) => r.tableId === '83631NED' && r.entitySet === 'TypedDataSet')).toBe(3);

    const after = (await service.enricher()).resolve(lead);
    expect(after.version).not.toBe(before.version);
    const bankrupt = after.figures.find((f) => f.id === 'bankruptcies')!;
    // 82244NED SBI 49 (test/fixtures/cbs/82244NED): 2025-09 … 2026-08 sum to 151, 2024-09 … 2025-08 to 138.
    expect(bankrupt, JSON.stringify(bankrupt)).toMatchObject({
      status: 'available',
      figure: { value: 5, sbi: { code: '49' }, period: { key: '2026MM08', status: 'Voorlopig' } },
      provenance: { tableId: '82244NED', source: 'odata', modified: '2026-09-11T02:00:00', covers: null },
      trend: { kind: 'rolling_12_months', current: { value: 151 }, previous: { value: 138 }, changePercent: 9.4, provisional: true },
    });
    const starts = after.figures.find((f) => f.id === 'starts')!;
    // 83631NED T001081 × CR17 (Utrecht): 18975 in 2024, 16575 in 2025*.
    expect(starts, JSON.stringify(starts)).toMatchObject({
      status: 'available',
      scope: 'corop',
      figure: { value: 16575, region: { code: 'CR17' }, period: { key: '2025JJ00' } },
      provenance: { source: 'odata' },
      trend: { current: { value: 16575 }, previous: { value: 18975 }, changePercent: -12.6 },
    });
    const card = (await service.enricher()).toCard(after, new Date('2026-12-07T12:00:00Z'));
    expect(card.cbs_trends).toContain('faillissementen in sector, 12 mnd: +9,4% t.o.v. 12 mnd ervoor (CBS 82244NED, voorlopig)');
  });

  it('keeps serving the stored versions when CBS fails mid-load', async () => {
    fake.setModified('82244NED', '2026-10-09T02:00:00');
    fake.failNext(3, 'error500', (r) => r.tableId === '82244NED' && r.entitySet === 'TypedDataSet');
    const summary = await store.refresh({ trigger: 'cli' });
    expect(summary.tables.find((t) => t.tableId === '82244NED')?.action, JSON.stringify(summary)).toBe('failed');
    const tables = await store.getTables();
    const bankruptcies = tables.find((t) => t.tableId === '82244NED')!;
    expect(bankruptcies.source).toBe('odata');
    expect(bankruptcies.data.dimensions.Perioden.at(-1)?.key).toBe('2026MM08');
  });
});
