import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_FIXTURES_DIR } from '../../support/cbs-fixtures.js';
import { type CbsV4Client, createCbsV4Client, v4EnvelopeSchema } from '../../../src/cbs/v4-client.js';
import { loadTableV4 } from '../../../src/cbs/v4-loader.js';
import { deriveSbiCategories } from '../../../src/cbs/sbi-dimension.js';
import { type FakeCbsV4, startFakeCbsV4 } from '../../support/fakes/cbs-v4-server.js';

/**
 * The OData v4 client and loader against the fake serving the real recorded
 * 80072ned responses, paged so the client has to follow `@odata.nextLink`.
 */

const FAST_RETRY = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const recorded = JSON.parse(readFileSync(path.join(REPO_FIXTURES_DIR, 'cbsodata4jl/80072ned_Observations.json'), 'utf8')).value as Array<Record<string, unknown>>;

describe('CBS OData v4 client', () => {
  let fake: FakeCbsV4;
  let client: CbsV4Client;
  beforeAll(async () => {
    fake = await startFakeCbsV4({ pageSize: 1000 });
    client = createCbsV4Client({ baseUrl: fake.url, retry: FAST_RETRY });
  });
  afterAll(async () => {
    await client.close();
    await fake.close();
  });

  it('loads 80072ned whole: pages of Observations pivoted back to one row per code pair, every value as recorded', async () => {
    const pages: number[] = [];
    const data = await loadTableV4(client, '80072ned', { onProgress: (p) => p.phase === 'page' && pages.push(p.rows) });
    // 4,409 observations at 1,000 a page: five pages, the last one short and without a nextLink.
    expect(pages).toEqual([1000, 1000, 1000, 1000, 409]);
    const obsRequests = fake.requests.filter((r) => r.entitySet === 'Observations').map((r) => r.skip);
    expect(obsRequests).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(data.info).toMatchObject({ identifier: '80072ned', modified: '2020-06-19T02:00:00+02:00', title: 'Ziekteverzuimpercentage; bedrijfstakken (SBI 2008) en bedrijfsgrootte' });
    expect(data.dataProperties.map((p) => [p.type, p.key])).toEqual([
      ['TimeDimension', 'Perioden'],
      ['Dimension', 'BedrijfskenmerkenSBI2008'],
      ['Topic', 'M001924'],
    ]);
    expect(data.dataProperties[2]).toMatchObject({ unit: '%', decimals: 1, datatype: 'Float', title: 'Ziekteverzuimpercentage' });
    // One measure: one row per observation.
    expect(data.rows).toHaveLength(recorded.length);
    for (const o of recorded) {
      const row = data.rows.find((r) => r.Perioden === o.Perioden && r.BedrijfskenmerkenSBI2008 === o.BedrijfskenmerkenSBI2008);
      expect(row?.M001924, `${o.Perioden} ${o.BedrijfskenmerkenSBI2008}`).toBe(o.Value);
    }
    // v4 codes are not padded; groups become category groups of their dimension; Perioden keep their Status.
    expect(data.dimensions.BedrijfskenmerkenSBI2008.find((r) => r.key === '391600')).toMatchObject({ keyTrimmed: '391600', categoryGroupId: 3 });
    expect(data.categoryGroups.filter((g) => g.dimensionKey === 'BedrijfskenmerkenSBI2008').map((g) => g.title)).toContain('Bedrijfsgrootte');
    expect(data.dimensions.Perioden[0]).toMatchObject({ key: '1996KW01', status: 'Definitief' });
    // The engine reads the SBI codes from the titles, as with v3.
    expect(deriveSbiCategories(data)?.categories.find((c) => c.keyTrimmed === '391600')).toMatchObject({ code: 'J', level: 'section' });
  });

  it('retries a failed page and resumes at the same $skip', async () => {
    fake.requests.length = 0;
    fake.failNext(1, 'error500', (r) => r.entitySet === 'Observations' && r.skip === 2000);
    fake.failNext(1, 'resetBeforeHeaders', (r) => r.entitySet === 'Observations' && r.skip === 3000);
    const data = await loadTableV4(client, '80072ned');
    expect(data.rows).toHaveLength(recorded.length);
    expect(fake.requests.filter((r) => r.entitySet === 'Observations').map((r) => r.skip)).toEqual([0, 1000, 2000, 2000, 3000, 3000, 4000]);
  });

  it('refuses a table whose Observations fall short of Properties.ObservationCount', async () => {
    const short = await startFakeCbsV4({ pageSize: 1000 });
    const c = createCbsV4Client({ baseUrl: short.url, retry: FAST_RETRY });
    try {
      await expect(loadTableV4(c, '80072ned', { properties: { ...(await c.properties('80072ned')), ObservationCount: 4410 } })).rejects.toThrow(
        /got 4409 observations, Properties says ObservationCount 4410/,
      );
      await expect(c.properties('99999NED')).rejects.toThrow(/404/);
    } finally {
      await c.close();
      await short.close();
    }
  });

  it('refuses an @odata.nextLink that leaves the configured host', async () => {
    const elsewhere = await startFakeCbsV4({ pageSize: 1000, nextLinkBase: 'http://cbs.example.invalid' });
    const c = createCbsV4Client({ baseUrl: elsewhere.url, retry: FAST_RETRY });
    try {
      await expect(loadTableV4(c, '80072ned')).rejects.toThrow(/@odata.nextLink leaves http:\/\/127\.0\.0\.1:\d+: http:\/\/cbs\.example\.invalid/);
      expect(elsewhere.requests.filter((r) => r.entitySet === 'Observations')).toHaveLength(1);
    } finally {
      await c.close();
      await elsewhere.close();
    }
  });

  it('accepts @odata.count as a number (recorded $count=true&$top=1) or as a string', () => {
    const counted = JSON.parse(readFileSync(path.join(REPO_FIXTURES_DIR, 'cbsodata4jl/80072ned_Observations_count_top1.json'), 'utf8'));
    expect(v4EnvelopeSchema.parse(counted)['@odata.count']).toBe(4409);
    expect(v4EnvelopeSchema.parse({ ...counted, '@odata.count': '4409' })['@odata.count']).toBe('4409');
    expect(v4EnvelopeSchema.safeParse({ ...counted, '@odata.count': 'many' }).success).toBe(false);
  });
});
