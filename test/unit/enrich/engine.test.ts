import { beforeAll, describe, expect, it } from 'vitest';
import type { CbsTableData, CbsTableVersion } from '../../../src/cbs/model.js';
import { CBS_SOURCE_LINE } from '../../../src/cbs/model.js';
import { createEnricher, type VerrijkEnricher } from '../../../src/enrich/engine.js';
import { EnrichmentSchema } from '../../../src/enrich/result.js';
import { bundledTableVersions, createEnrichmentService } from '../../../src/enrich/service.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { CARD_FIELDS } from '../../../src/enrich/types.js';
import { createLogger } from '../../../src/logger.js';
import { asVersion, load83583NED } from '../../support/cbs-fixtures.js';

const sbiList = loadSbiList();
let table: CbsTableData;
let enricher: VerrijkEnricher;

beforeAll(async () => {
  table = await load83583NED();
  enricher = createEnricher({ sbiList, tables: [asVersion(table)], minConfidence: 0.5 });
});

describe('enrichment engine over the real 83583NED', () => {
  it('resolves SBI 2008 62.01 × 12 employees to SBI 2025 K / 62 / 62.10.0, 10 tot 50, with the 2019 jobs figure of its 2008 code', () => {
    const e = enricher.resolve({ sbi: '62.01', employees: 12 });
    expect(EnrichmentSchema.parse(e)).toEqual(e);
    expect(e.status).toBe('enriched');
    expect(e.cbs_sbi_system).toBe('SBI2025');
    expect(e.cbs_sbi_code).toBe('62.10.0');
    expect(e.cbs_sector?.letter).toBe('K');
    expect(e.cbs_division?.code).toBe('62');
    expect(e.cbs_sbi2008).toEqual({ code: '62.01', title: 'Ontwikkelen, produceren en uitgeven van software', equivalents: [{ code: '62.01', title: 'Ontwikkelen, produceren en uitgeven van software' }] });
    expect(e.markets[0].sbiSystem).toBe('SBI2008');
    expect(e.cbs_size_class).toMatchObject({ status: 'matched', classes: [{ title: '10 tot 50 werkzame personen', key: 'WP19090' }] });
    expect(e.cbs_size_category?.category).toBe('small');
    // TypedDataSet row 395000 × WP19090 × 2019JJ00 = 50.9 (x 1 000).
    expect(e.cbs_market_figure).toMatchObject({
      tableId: '83583NED',
      value: 50.9,
      count: 50900,
      unit: 'x 1 000',
      status: 'available',
      period: { key: '2019JJ00', title: '2019 december', status: 'Voorlopig' },
    });
    const market = e.markets[0];
    expect(market.sbiCategory).toMatchObject({ code: '62', level: 'division', aggregate: false });
    expect(market.sector?.value).toBe(193.6);
    expect(market.national).toMatchObject({ value: 8560.5, sbi: { code: 'A-U' }, size: { title: 'Totaal' } });
    expect(e.provenance).toEqual({
      source: CBS_SOURCE_LINE,
      tables: [{ tableId: '83583NED', modified: '2020-11-19T02:00:00', period: '2019 december', source: 'snapshot' }],
    });
  });

  it('reports a suppressed cell as unavailable, never 0, with the last known value', () => {
    // 395000 × WP19096 (50 tot 100) is null for 2019 and 20.7 for 2018 in the fixture.
    const e = enricher.resolve({ sbi: '6201', employees: '75' });
    expect(e.cbs_market_figure).toMatchObject({
      status: 'unavailable',
      value: null,
      count: null,
      lastKnown: { value: 20.7, count: 20700, period: { key: '2018JJ00' } },
    });
    expect(enricher.toCard(e, new Date()).cbs_market_figure).toMatch(/^onbekend \(83583NED, 2019 december; laatst 20\.7/);
  });

  it('uses the sector total when the size straddles classes, and says so', () => {
    const e = enricher.resolve({ sbi: '6201', employees: '5-25' });
    expect(e.cbs_size_class?.status).toBe('straddles');
    expect(e.markets[0].segment).toBeNull();
    expect(e.cbs_market_figure).toMatchObject({ value: 193.6, size: { title: 'Totaal' } });
    expect(enricher.toCard(e, new Date()).cbs_market_figure).toContain('alle groottes');
  });

  it('marks partial and unresolved results and lists the problems', () => {
    expect(enricher.resolve({ sbi: 'J' }).status).toBe('partial');
    expect(enricher.resolve({ employees: 5 }).status).toBe('partial');
    const bad = enricher.resolve({ sbi: 'software', employees: 'many' });
    expect(bad.status).toBe('unresolved');
    expect(bad.problems.map((p) => p.field)).toEqual(['sbi', 'employees']);
    expect(bad.cbs_market_figure).toBeNull();
  });

  it('falls back from an unreadable code to the KvK activity and then to the industry text', () => {
    const kvk = enricher.resolve({ sbi: 'x', kvkSbi: { sbiActiviteiten: [{ sbiCode: '1071', indHoofdactiviteit: 'Ja' }] } });
    expect(kvk.cbs_match.sector).toMatchObject({ method: 'kvk', normalised: '10.71', confidence: 1 });
    const text = enricher.resolve({ industry: 'bakkerij', employees: 3 });
    expect(text.cbs_sbi_code).toBe('10.71.0');
    expect(text.cbs_sbi2008?.code).toBe('10.71');
    expect(text.cbs_match.sector?.method).toBe('industry');
    expect(text.cbs_match.sector?.confidence).toBeGreaterThan(0.5);
  });

  it('never lets two inputs it cannot serialise share a cache entry (review 2026-12, L4: key "[unserialisable]")', () => {
    // Nesting JSON.parse accepts and JSON.stringify cannot follow (a RangeError at ~10,000 levels).
    const deep = () => {
      let v: unknown = {};
      for (let i = 0; i < 50_000; i++) v = { v };
      return v;
    };
    expect(() => JSON.stringify(deep())).toThrow(RangeError);
    const bakery = enricher.resolve({ kvkSbi: { sbiActiviteiten: [{ sbiCode: '1071', indHoofdactiviteit: 'Ja', extra: deep() }] } });
    const software = enricher.resolve({ kvkSbi: { sbiActiviteiten: [{ sbiCode: '6201', indHoofdactiviteit: 'Ja', extra: deep() }] } });
    // Read as SBI 2008 (4 digits) and answered in SBI 2025 with the 2008 code beside it (issue 22).
    expect(bakery.cbs_sbi2008?.code).toBe('10.71');
    expect(software.cbs_sbi2008?.code).toBe('62.01');
    expect(software.cbs_sbi_code).toBe('62.10.0');
  });

  it('keeps the best guess of a refused industry text beside the refusal (cbs_match.sectorGuess)', () => {
    const e = enricher.resolve({ industry: 'Vereniging van eigenaren', employees: 12 });
    expect(e.cbs_sbi_code, JSON.stringify(e.problems)).toBeNull();
    expect(e.cbs_match.sectorGuess).toMatchObject({ code: expect.any(String), title: expect.any(String) });
    expect(e.cbs_match.sectorGuess!.confidence).toBeLessThan(0.7);
    expect(e.problems.find((p) => p.field === 'industry')?.reason).toContain(`best guess ${e.cbs_match.sectorGuess!.code}`);
    // Values that are not an industry get no guess at all, and an answered sector none either.
    expect(enricher.resolve({ industry: 'info@bakkerij.nl' }).cbs_match.sectorGuess).toBeNull();
    expect(enricher.resolve({ industry: 'bakkerij' }).cbs_match.sectorGuess).toBeNull();
  });

  it('answers the sector and reports a problem when employees is blank or unreadable', () => {
    for (const employees of ['', '  ', 'veel']) {
      const e = enricher.resolve({ sbi: '6201', employees });
      expect(e.status, employees).toBe('partial');
      expect(e.cbs_sbi_code).toBe('62.10.0');
      expect(e.problems.map((p) => p.field)).toEqual(['employees']);
    }
    const fte = enricher.resolve({ sbi: '6201', employees: '3,5 fte' });
    expect(fte.cbs_size_category?.employees).toMatchObject({ min: 4, max: null, source: 'fte' });
    expect(fte.cbs_match.size?.normalised).toMatch(/lower bound of persons/);
  });

  it('renders every card field as a short string', async () => {
    const all = createEnricher({ sbiList, tables: await bundledTableVersions(['83583NED', '81588NED', '81575NED']), minConfidence: 0.5 });
    const e = all.resolve({ sbi: '6201', employees: 12, postcode: '1011AB' });
    const card = all.toCard(e, new Date('2026-01-02T03:04:05Z'));
    expect(Object.keys(card).sort()).toEqual([...CARD_FIELDS].sort());
    for (const v of Object.values(card)) expect(v!.length).toBeLessThanOrEqual(120);
    expect(card).toMatchObject({
      cbs_sbi_code: '62100',
      cbs_sbi_title: 'Ontwerpen van computerprogramma’s',
      cbs_sbi2008: '62.01 Ontwikkelen, produceren en uitgeven van software',
      cbs_size_class: '10 tot 50 werkzame personen',
      cbs_size_category: 'small (klein)',
      cbs_market_figure: '50.9 x 1 000 banen in 62 (83583NED, 2019 december)',
      cbs_period: '2019 december (voorlopig)',
      cbs_enriched_at: '2026-01-02T03:04:05.000Z',
      cbs_version: e.version,
    });
    expect(card.cbs_source).toContain(CBS_SOURCE_LINE);
  });

  it('has a deterministic version that ignores reload ids and changes with the data', () => {
    const a = enricher.resolve({ sbi: '6201', employees: 12 });
    const reloaded = createEnricher({ sbiList, tables: [{ ...asVersion(table, 7, 'odata'), loadedAt: '2030-01-01T00:00:00Z' }], minConfidence: 0.5 });
    const b = reloaded.resolve({ sbi: '62.01', employees: '12' });
    // Same figures and the same CBS Modified, but loaded again from CBS: only `source` differs.
    expect(b.cbs_market_figure).toEqual(a.cbs_market_figure);
    const sameSource = createEnricher({ sbiList, tables: [{ ...asVersion(table, 9), loadedAt: '2031-01-01T00:00:00Z' }], minConfidence: 0.5 });
    expect(sameSource.resolve({ sbi: '6201', employees: 12 }).version).toBe(a.version);
    const changed: CbsTableData = {
      ...table,
      rows: table.rows.map((r) => (r.ID === 4649 ? { ...r, BanenVanWerknemersInDecember_1: 51.0 } : r)),
    };
    const c = createEnricher({ sbiList, tables: [asVersion(changed)], minConfidence: 0.5 }).resolve({ sbi: '6201', employees: 12 });
    expect(c.cbs_market_figure?.value).toBe(51);
    expect(c.version).not.toBe(a.version);
  });

  it('answers repeated leads from the cache with the same frozen result', () => {
    const e1 = enricher.resolve({ sbi: '4791', employees: '1000+' });
    const before = enricher.cacheStats().hits;
    const e2 = enricher.resolve({ sbi: '4791', employees: '1000+' });
    expect(e2).toBe(e1);
    expect(Object.isFrozen(e1.markets[0])).toBe(true);
    expect(enricher.cacheStats().hits).toBe(before + 1);
    const viaKvk = enricher.resolve({ kvkSbi: [{ sbiCode: '4791', indHoofdactiviteit: 'Ja' }], employees: '1000+' });
    expect(viaKvk.cbs_sbi_code).toBe('47.91');
    expect(viaKvk).not.toBe(e1);
  });

  it('never confuses a code with an industry, or leads that differ in one field, in the hot index', () => {
    const fresh = createEnricher({ sbiList, tables: [asVersion(table)], minConfidence: 0.5 });
    const leads = [
      { industry: 'bakkerij', employees: 3 },
      { sbi: 'bakkerij', employees: 3 },
      { sbi: '10.71', industry: 'bakkerij', employees: 3 },
      { sbi: '10.71', employees: 3 },
      { sbi: '10.71', employees: 3, postcode: '1011' },
      { sbi: '10.71', employees: 4 },
      { sbi: '10.71', industry: 'drukkerij', employees: 3 },
      { industry: 'bakkerij' },
    ];
    const first = leads.map((l) => fresh.resolve({ ...l }));
    // Each answered again from the hot index, in reverse order, must be the same object as its own first answer.
    for (let i = leads.length - 1; i >= 0; i--) expect(fresh.resolve({ ...leads[i] }), JSON.stringify(leads[i])).toBe(first[i]);
    // And no first answer was taken from another lead's entry.
    expect(first[0].cbs_sbi_code).toBe('10.71.0');
    expect(first[1].cbs_sbi_code).toBeNull();
    expect(first[3].cbs_municipality).toBeNull();
    expect(first[4].cbs_municipality?.code).toBe('GM0363');
    expect(first[5].cbs_size_category?.employees.text).toBe('4');
    expect(first[6].cbs_match.sector?.method).toBe('sbi');
    expect(first[7].cbs_size_category).toBeNull();
  });

  it('enriches sector and size without any CBS table', () => {
    const bare = createEnricher({ sbiList, tables: [], minConfidence: 0.5 });
    const e = bare.resolve({ sbi: '6201', employees: 12 });
    expect(e).toMatchObject({ status: 'enriched', cbs_sbi_code: '62.10.0', cbs_market_figure: null, markets: [], cbs_size_class: null });
    expect(e.cbs_size_category?.category).toBe('small');
  });
});

describe('enrichment service', () => {
  it('builds lazily, shares the enricher, and rebuilds after invalidate', async () => {
    let calls = 0;
    const versions: CbsTableVersion[] = [asVersion(table)];
    const service = createEnrichmentService({
      getTables: async () => {
        calls++;
        return versions;
      },
      sbiList,
      minConfidence: 0.5,
      logger: createLogger({ level: 'silent' }),
    });
    expect(calls).toBe(0);
    const [a, b] = await Promise.all([service.enricher(), service.enricher()]);
    expect(a).toBe(b);
    expect(calls).toBe(1);
    service.invalidate();
    const c = await service.enricher();
    expect(c).not.toBe(a);
    expect(calls).toBe(2);
  });

  it('does not cache a failed build', async () => {
    let fail = true;
    const service = createEnrichmentService({
      getTables: async () => {
        if (fail) throw new Error('database down');
        return [asVersion(table)];
      },
      sbiList,
      minConfidence: 0.5,
      logger: createLogger({ level: 'silent' }),
    });
    await expect(service.enricher()).rejects.toThrow('database down');
    fail = false;
    const e = await service.enricher();
    expect(e.tables).toEqual([{ tableId: '83583NED', versionId: 1, source: 'snapshot' }]);
  });
});
