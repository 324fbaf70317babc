import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CBS_SOURCE_LINE } from '../../../src/cbs/model.js';
import { bodyOf, createMemoryService } from '../../support/app.js';

// The service as production wires it: the enrichment engine over the bundled CBS snapshot, loaded into PGlite.
let service: Awaited<ReturnType<typeof createMemoryService>>;

beforeAll(async () => {
  service = await createMemoryService();
});
afterAll(async () => {
  await service?.close();
});

const get = (path: string) => service.app.request(path);

describe('GET /v1/lookup', () => {
  it('enriches an SBI code and an employee count', async () => {
    const res = await get('/v1/lookup?sbi=6201&employees=12');
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    const e = body.json.enrichment;
    // SBI 2008 6201 is answered in SBI 2025 (62.10.0, section K), with 62.01 beside it; the 2008 table is read with 62.01.
    expect(e.cbs_sector.letter, body.text).toBe('K');
    expect(e.cbs_sbi2008.code).toBe('62.01');
    expect(e.cbs_division.code).toBe('62');
    expect(e.cbs_size_class.classes.map((c: { title: string }) => c.title)).toEqual(['10 tot 50 werkzame personen']);
    expect(e.cbs_market_figure).toMatchObject({ tableId: '83583NED', value: 50.9, unit: 'x 1 000', period: { key: '2019JJ00', title: '2019 december' } });
    expect(e.provenance.source).toBe(CBS_SOURCE_LINE);
    expect(body.json.card).toMatchObject({ cbs_sbi_code: '62100', cbs_sbi2008: '62.01 Ontwikkelen, produceren en uitgeven van software', cbs_size_class: '10 tot 50 werkzame personen' });
    expect(body.json.card.cbs_source).toContain(CBS_SOURCE_LINE);
  });

  it('shows all three figures with their provenance for a lead with a postcode', async () => {
    const res = await get('/v1/lookup?sbi=6201&employees=12&postcode=1011%20AB');
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    const figures = body.json.enrichment.figures as Array<{ id: string; status: string; figure: { value: number }; provenance: Record<string, unknown> }>;
    expect(figures.map((f) => [f.id, f.status, f.figure?.value]), body.text).toEqual([
      ['jobs', 'available', 50.9],
      ['businesses', 'available', 1820],
      ['establishments', 'available', 8150],
      // 83631NED by COROP (Groot-Amsterdam, all sectors: the bundled excerpt), 2025*.
      ['starts', 'available', 27585],
      ['closures', 'after_refresh', undefined],
      ['bankruptcies', 'after_refresh', undefined],
    ]);
    // 81588NED 2026 Q3, section J × 10 tot 20: the bundled copy holds sections only, and says so.
    expect(figures[1].provenance).toMatchObject({
      tableId: '81588NED',
      period: '2026 3e kwartaal',
      unit: 'aantal',
      source: 'snapshot',
      modified: '2026-07-15T02:00:00',
      covers: 'alleen SBI-secties (A–U) en hun aggregaten, 2026 3e kwartaal',
    });
    expect(figures[0].provenance).toMatchObject({ tableId: '83583NED', topic: { key: 'BanenVanWerknemersInDecember_1' }, modified: '2020-11-19T02:00:00' });
    expect(body.json.enrichment.cbs_municipality).toMatchObject({ code: 'GM0363', name: 'Amsterdam' });
    expect(body.json.card).toMatchObject({ cbs_municipality: 'Amsterdam (GM0363)', cbs_establishments_in_municipality: '8150 vestigingen in J, Amsterdam (81575NED, 2012)' });
  });

  it('answers offline from the snapshot every default figure with its trend, sector dynamics and bankruptcies with their provenance', async () => {
    const res = await get('/v1/lookup?sbi=62.01&employees=12&postcode=3511AB');
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    const figures = body.json.enrichment.figures as Array<Record<string, any>>;
    const byId = Object.fromEntries(figures.map((f) => [f.id, f]));
    // 83583NED SBI 62 × 10–50: 47.9 (2018, nader voorlopig) → 50.9 (2019, voorlopig).
    expect(byId.jobs.trend, body.text).toMatchObject({
      kind: 'year_on_year',
      current: { value: 50.9, to: { key: '2019JJ00' } },
      previous: { value: 47.9, to: { key: '2018JJ00' } },
      changePercent: 6.3,
      provisional: true,
    });
    expect(byId.jobs.trend.series.map((p: { period: { key: string } }) => p.period.key)).toEqual(['2015JJ00', '2016JJ00', '2017JJ00', '2018JJ00', '2019JJ00']);
    // The 81588NED and 81575NED copies hold one period each: no history, so no trend (said by null, not invented).
    expect([byId.businesses.trend, byId.establishments.trend]).toEqual([null, null]);
    // Businesses: the newest real count bundled, 81588NED 2026 Q3; sections only, so 62.01 reads section J (SBI 2008).
    expect(byId.businesses, body.text).toMatchObject({
      status: 'available',
      figure: { value: 1820, sbi: { code: 'J' }, size: { title: '10 tot 20 werkzame personen' }, period: { key: '2026KW03' } },
      provenance: { tableId: '81588NED', covers: expect.stringMatching(/^alleen SBI-secties/) },
    });
    expect(body.json.card.cbs_businesses_in_segment).toBe('1820 bedrijven in J (81588NED, 2026 3e kwartaal)');
    // Sector dynamics: 83631NED starts in COROP Utrecht (CR17), all sectors, as the bundled excerpt says.
    expect(byId.starts, body.text).toMatchObject({
      status: 'available',
      scope: 'corop',
      figure: { value: 16575, sbi: { code: 'A-U' }, region: { code: 'CR17', title: 'Utrecht (CR)' } },
      provenance: { tableId: '83631NED', source: 'snapshot', modified: '2026-04-20T02:00:00', covers: 'alle sectoren samen (A-U) per COROP-regio, 2015–2025' },
      trend: { previous: { value: 18975 }, changePercent: -12.6, provisional: true },
    });
    expect(byId.closures).toMatchObject({ status: 'after_refresh', reason: expect.stringMatching(/^after the first refresh from CBS: no public copy of 83635NED/) });
    expect(byId.bankruptcies).toMatchObject({
      status: 'after_refresh',
      reason: expect.stringMatching(/bundled copy of 82244NED covers alleen SBI 49/),
      provenance: { tableId: '82244NED', source: 'snapshot', covers: expect.stringMatching(/SBI 49/) },
    });
    expect(body.json.card.cbs_trends).toBe(
      'banen in sector: +6,3% t.o.v. 2018 (CBS 83583NED, voorlopig); oprichtingen in regio (alle sectoren): -12,6% t.o.v. 2024 (CBS 83631NED, voorlopig)',
    );
  });

  it('refuses a postcode that is not Dutch, naming the field', async () => {
    const res = await get('/v1/lookup?sbi=6201&postcode=SW1A%201AA');
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(400);
    expect(body.text).toContain('postcode');
    expect(body.text).toContain('not a Dutch postcode');
  });

  it('matches free-text industry with a confidence', async () => {
    const res = await get('/v1/lookup?industry=bakkerij&employees=3');
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(body.json.enrichment.cbs_sbi_code, body.text).toMatch(/^10\.71/);
    expect(body.json.enrichment.cbs_match.sector).toMatchObject({ method: 'industry' });
    expect(body.json.enrichment.cbs_match.sector.confidence).toBeGreaterThan(0.5);
    expect(body.json.enrichment.cbs_size_category.category).toBe('micro');
  });

  it('reads a KvK profile given as JSON', async () => {
    const kvk = JSON.stringify({ sbiActiviteiten: [{ sbiCode: '6920', sbiOmschrijving: 'Accountancy', indHoofdactiviteit: 'Ja' }] });
    const res = await get(`/v1/lookup?kvk_sbi=${encodeURIComponent(kvk)}`);
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(body.json.enrichment).toMatchObject({ status: 'partial', cbs_sbi_code: '69.20', cbs_sector: { letter: 'N' } });
    // 6920 is in both lists; the KvK field reads it as SBI 2025 (section N there, M in SBI 2008).
    expect(body.json.enrichment.cbs_match.sector.read, body.text).toMatchObject({ system: 'SBI2025', rule: 'configured' });
  });

  it('answers an industry it cannot place as unresolved, not as an error', async () => {
    const res = await get('/v1/lookup?industry=qwerty%20zxcvb');
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(body.json.enrichment.status).toBe('unresolved');
    expect(body.json.enrichment.problems[0]).toMatchObject({ field: 'industry', reason: expect.stringMatching(/no confident match/) });
    expect(body.json.enrichment.cbs_match.sectorGuess, body.text).toBeNull();
  });

  it('shows the best guess beside a refusal', async () => {
    const res = await get(`/v1/lookup?industry=${encodeURIComponent('Vereniging van eigenaren en bewoners')}`);
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(body.json.enrichment.cbs_sbi_code, body.text).toBeNull();
    expect(body.json.enrichment.cbs_match.sectorGuess, body.text).toMatchObject({ code: expect.any(String), confidence: expect.any(Number) });
  });

  it.each([
    ['/v1/lookup?sbi=software', 'query.sbi'],
    ['/v1/lookup?employees=12', 'query.sbi'],
    ['/v1/lookup', 'query.sbi'],
    [`/v1/lookup?kvk_sbi=${encodeURIComponent('{broken')}`, 'query.kvk_sbi'],
    [`/v1/lookup?sbi=${'6'.repeat(101)}`, 'query.sbi'],
    [`/v1/lookup?sbi=${encodeURIComponent('<script>alert(1)</script>')}`, 'query.sbi'],
  ])('%s → 400 problem+json naming %s', async (path, field) => {
    const res = await get(path);
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(body.json.errors.map((e: { field: string }) => e.field), body.text).toContain(field);
    expect(body.text).not.toContain('<script>');
  });

  it.each([['lots'], [''], ['%20']])('answers the sector with a problem, not a 400, when employees is %j', async (employees) => {
    const res = await get(`/v1/lookup?sbi=6201&employees=${employees}`);
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    expect(body.json.enrichment, body.text).toMatchObject({ status: 'partial', cbs_sbi_code: '62.10.0', cbs_size_category: null });
    expect(body.json.enrichment.problems.map((p: { field: string }) => p.field), body.text).toEqual(['employees']);
  });

  it('is documented in the OpenAPI document', async () => {
    const res = await get('/openapi.json');
    const body = await bodyOf(res);
    expect(Object.keys(body.json.paths), body.text).toContain('/v1/lookup');
  });
});
