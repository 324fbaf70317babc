import { beforeAll, describe, expect, it } from 'vitest';
import type { CbsTableVersion } from '../../../src/cbs/model.js';
import { createEnricher, type VerrijkEnricher } from '../../../src/enrich/engine.js';
import { parseFigureSpecs } from '../../../src/enrich/figure-spec.js';
import { EnrichmentSchema } from '../../../src/enrich/result.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { bundledTableVersions } from '../../../src/enrich/service.js';

/**
 * The three configured figures over the bundled snapshot (83583NED jobs,
 * 81588NED businesses, 81575NED establishments per municipality; 81589NED
 * when configured). Expected
 * numbers are read by hand from the fixture files named in each test.
 */

const sbiList = loadSbiList();
let tables: CbsTableVersion[];
let enricher: VerrijkEnricher;

beforeAll(async () => {
  tables = await bundledTableVersions(['83583NED', '81588NED', '81575NED', '81589NED']);
  enricher = createEnricher({ sbiList, tables, minConfidence: 0.5 });
});

const byId = (e: ReturnType<VerrijkEnricher['resolve']>, id: string) => e.figures.find((f) => f.id === id)!;

describe('configured figures over the bundled snapshot', () => {
  it('gives a lead with SBI, employees and postcode all three figures, each with its table, topic and period', () => {
    const e = enricher.resolve({ sbi: '62.01', employees: 12, postcode: '1011 AB' });
    expect(EnrichmentSchema.parse(e)).toEqual(e);
    expect(e.cbs_municipality).toMatchObject({ pc4: '1011', postcode: '1011 AB', code: 'GM0363', name: 'Amsterdam', alsoIn: [] });
    expect(e.figures.map((f) => [f.id, f.status])).toEqual([
      ['jobs', 'available'],
      ['businesses', 'available'],
      ['establishments', 'available'],
      // Their tables are not among those loaded here (test/unit/enrich/figure-trends.test.ts loads them); 83635NED has no bundled copy at all.
      ['starts', 'no_table'],
      ['closures', 'after_refresh'],
      ['bankruptcies', 'no_table'],
    ]);
    // statline-bq 83583NED TypedDataSet: 395000 × WP19090 × 2019JJ00 = 50.9 (x 1 000).
    expect(byId(e, 'jobs').figure).toMatchObject({ tableId: '83583NED', value: 50.9, count: 50900, sbi: { code: '62' } });
    // 81588NED landing file (2026 Q3), row "J Informatie en communicatie", k_10Tot20WerkzamePersonen_6: 1820.
    const businesses = byId(e, 'businesses');
    expect(businesses.sizeClass).toMatchObject({ tableId: '81588NED', status: 'matched', classes: [{ title: '10 tot 20 werkzame personen', min: 10, max: 19 }] });
    expect(businesses.figure).toMatchObject({
      tableId: '81588NED',
      value: 1820,
      count: 1820,
      sbi: { code: 'J', key: '391600' },
      size: { title: '10 tot 20 werkzame personen' },
      period: { key: '2026KW03', title: '2026 3e kwartaal', status: null },
    });
    // An excerpt of sections only: the figure says so (a lead in 62.01 reads section J, not 62).
    expect(businesses.provenance).toEqual({
      tableId: '81588NED',
      title: 'Bedrijven; bedrijfsgrootte en rechtsvorm',
      topic: { key: 'k_10Tot20WerkzamePersonen_6', title: '10 tot 20 werkzame personen' },
      unit: 'aantal',
      period: '2026 3e kwartaal',
      modified: '2026-07-15T02:00:00',
      source: 'snapshot',
      sbiSystem: 'SBI2008',
      covers: 'alleen SBI-secties (A–U) en hun aggregaten, 2026 3e kwartaal',
    });
    // 81575NED export, row "J Informatie en communicatie", Amsterdam, 2012*: 8150.
    const establishments = byId(e, 'establishments');
    expect(establishments.figure).toMatchObject({ tableId: '81575NED', value: 8150, sbi: { code: 'J' }, region: { title: 'Amsterdam' }, period: { key: '2012JJ00' } });
    expect(establishments.provenance).toMatchObject({ tableId: '81575NED', topic: { key: 'Vestigingen' }, unit: 'aantal', period: '2012' });

    const card = enricher.toCard(e, new Date('2026-01-02T03:04:05Z'));
    expect(card.cbs_businesses_in_segment).toBe('1820 bedrijven in J (81588NED, 2026 3e kwartaal)');
    expect(card.cbs_municipality).toBe('Amsterdam (GM0363)');
    expect(card.cbs_establishments_in_municipality).toBe('8150 vestigingen in J, Amsterdam (81575NED, 2012)');
    expect(card.cbs_market_figure).toBe('50.9 x 1 000 banen in 62 (83583NED, 2019 december)');
  });

  it("maps one lead to each table's own size classes", () => {
    const e = enricher.resolve({ sbi: '62.01', employees: 3 });
    expect(byId(e, 'jobs').sizeClass?.classes.map((c) => c.title)).toEqual(['0 tot 10 werkzame personen']);
    expect(byId(e, 'businesses').sizeClass?.classes.map((c) => c.title)).toEqual(['3 tot 5 werkzame personen']);
    // 81588NED "J Informatie en communicatie", k_3Tot5WerkzamePersonen_4 = 3230 (2026 Q3)
    expect(byId(e, 'businesses').figure?.value).toBe(3230);
    const straddling = enricher.resolve({ sbi: '62.01', employees: '10-49' });
    expect(byId(straddling, 'jobs').sizeClass?.status).toBe('matched');
    expect(byId(straddling, 'businesses').sizeClass?.status).toBe('straddles');
    // 81588NED has an all-sizes topic (TotaalBedrijven_1): a straddling lead gets the whole section, J = 138305.
    expect(byId(straddling, 'businesses')).toMatchObject({ status: 'available', figure: { value: 138305, size: { title: 'Totaal bedrijven' } } });
  });

  it('keeps 81589NED configurable (businesses=81589NED): 2020 Q1, no all-sizes column', () => {
    const parsed = parseFigureSpecs('businesses=81589NED');
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const old = createEnricher({ sbiList, tables, minConfidence: 0.5, figures: parsed.specs });
    // 81589NED CSV, row "J Informatie en communicatie", column "10 tot 20 werkzame personen": 1685 (2020 Q1, provisional).
    const e = old.resolve({ sbi: '62.01', employees: 12 });
    expect(byId(e, 'businesses').figure).toMatchObject({ tableId: '81589NED', value: 1685, period: { key: '2020KW01', status: 'Voorlopig' } });
    expect(byId(e, 'businesses').provenance).toMatchObject({
      topic: { key: 'Bedrijfsgrootte/10 tot 20 werkzame personen (aantal)', title: '10 tot 20 werkzame personen' },
      modified: null,
      covers: null,
    });
    expect(old.toCard(e, new Date()).cbs_businesses_in_segment).toBe('1685 bedrijven in J (81589NED, 2020 1e kwartaal)');
    // "J";"2020 1e kwartaal*";…;"3 tot 5" = 3140
    expect(byId(old.resolve({ sbi: '62.01', employees: 3 }), 'businesses').figure?.value).toBe(3140);
    // The CSV export has no all-sizes column, so a straddling lead gets no businesses figure, and says why.
    const straddling = old.resolve({ sbi: '62.01', employees: '10-49' });
    expect(byId(straddling, 'businesses')).toMatchObject({ status: 'no_size', figure: null });
    expect(byId(straddling, 'businesses').reason).toMatch(/falls in 2 of 81589NED's classes/);
    // No class chosen, so no column to name; the unit is still the table's.
    expect(byId(straddling, 'businesses').provenance).toMatchObject({ topic: null, unit: 'aantal', tableId: '81589NED' });
  });

  it('walks up the SBI hierarchy to the level each table has', () => {
    const e = enricher.resolve({ sbi: '10.71', employees: 4, postcode: '3511' });
    expect(byId(e, 'jobs').figure?.sbi.code).toBe('10');
    expect(byId(e, 'businesses').figure?.sbi.code).toBe('C');
    // 81575NED: "C Industrie", "Utrecht (gemeente)", 2012*: the 2020 name "Utrecht" finds StatLine's disambiguated title.
    expect(byId(e, 'establishments').figure).toMatchObject({ sbi: { code: 'C' }, region: { title: 'Utrecht (gemeente)' } });
    expect(e.cbs_municipality?.code).toBe('GM0344');
  });

  it('says why a regional figure is missing: no postcode, a bad postcode, a municipality newer than the table, a section the table lacks', () => {
    expect(byId(enricher.resolve({ sbi: '62.01', employees: 12 }), 'establishments')).toMatchObject({ status: 'no_region', reason: 'the lead has no postcode' });
    const bad = enricher.resolve({ sbi: '62.01', employees: 12, postcode: '0123 AB' });
    expect(byId(bad, 'establishments').status).toBe('no_region');
    expect(bad.problems).toContainEqual({ field: 'postcode', reason: expect.stringMatching(/not a Dutch postcode/) });
    // 4197 lies mostly in West Betuwe (GM1960, formed 2019); the 2012 export has no such municipality.
    const merged = enricher.resolve({ sbi: '62.01', employees: 12, postcode: '4197' });
    expect(merged.cbs_municipality).toMatchObject({ code: 'GM1960', name: 'West Betuwe', alsoIn: [{ code: 'GM0214', name: 'Buren' }] });
    expect(byId(merged, 'establishments')).toMatchObject({ status: 'no_region', reason: expect.stringMatching(/no municipality West Betuwe/) });
    // 81575NED's export has no section Q and no A-U total.
    const care = enricher.resolve({ sbi: '86.10', employees: 12, postcode: '1011' });
    expect(byId(care, 'establishments')).toMatchObject({ status: 'no_sector' });
    expect(byId(care, 'jobs').status).toBe('available');
  });

  it('takes the figures from configuration: another topic, a figure off, a table that is not loaded', () => {
    const parsed = parseFigureSpecs('jobs=83583NED/BanenVanWerknemersInDecember_1,businesses=off,establishments=99999NED@municipality');
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const configured = createEnricher({ sbiList, tables, minConfidence: 0.5, figures: parsed.specs });
    const e = configured.resolve({ sbi: '62.01', employees: 12, postcode: '1011' });
    expect(e.figures.map((f) => f.id)).toEqual(['jobs', 'establishments']);
    expect(byId(e, 'jobs').provenance.topic?.key).toBe('BanenVanWerknemersInDecember_1');
    expect(byId(e, 'establishments')).toMatchObject({ status: 'no_table', tableId: '99999NED' });
    expect(configured.toCard(e, new Date()).cbs_businesses_in_segment).toBeUndefined();
    expect(parseFigureSpecs('jobs=83583NED,jobs=81589NED,visitors=1234NED')).toEqual({
      ok: false,
      problems: ['jobs is named twice', '"visitors" is not a figure (known: jobs, businesses, establishments, starts, closures, bankruptcies)'],
    });
    const unknownTopic = parseFigureSpecs('jobs=83583NED/NoSuchTopic_9');
    if (!unknownTopic.ok) throw new Error('parse');
    const none = createEnricher({ sbiList, tables, minConfidence: 0.5, figures: unknownTopic.specs }).resolve({ sbi: '62.01', employees: 12 });
    expect(byId(none, 'jobs')).toMatchObject({ status: 'no_table', reason: 'table 83583NED has no numeric topic NoSuchTopic_9' });
  });

  it('answers a repeated lead from the cache, postcode included in the key', () => {
    const a = enricher.resolve({ sbi: '62.01', employees: 12, postcode: '1011 AB' });
    expect(enricher.resolve({ sbi: '62.01', employees: 12, postcode: '1011 AB' })).toBe(a);
    const b = enricher.resolve({ sbi: '62.01', employees: 12, postcode: '3511' });
    expect(b).not.toBe(a);
    expect(byId(b, 'establishments').figure?.region?.title).toBe('Utrecht (gemeente)');
  });
});
