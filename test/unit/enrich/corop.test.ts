import { describe, expect, it } from 'vitest';
import { createEnricher } from '../../../src/enrich/engine.js';
import { loadCoropIndex } from '../../../src/enrich/corop.js';
import { loadPc4Index } from '../../../src/enrich/postcode.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { bundledTableVersions } from '../../../src/enrich/service.js';

/**
 * Municipality → COROP region (data/corop/, CBS Gebieden in Nederland 2024), with
 * the successors of municipalities merged since the PC4 list's 2020 boundaries.
 */

describe('COROP lookup', () => {
  const corop = loadCoropIndex();

  it('knows every municipality of 2024 and every PC4 municipality of 2020 but five merged ones without a known successor', () => {
    expect(corop.size).toBe(342);
    const pc4 = loadPc4Index();
    const codes = new Set<string>();
    for (let n = 1000; n <= 9999; n++) {
      const hit = pc4.lookup(String(n));
      if (hit) codes.add(hit.best.code);
    }
    const missing = [...codes].filter((c) => !corop.lookup(c)).sort();
    // Beemster, Langedijk, Westvoorne, Mill en Sint Hubert, Landerd: no woonplaats of their name (data/corop/README.md).
    expect(missing).toEqual(['GM0370', 'GM0416', 'GM0614', 'GM0815', 'GM1685']);
  });

  it('puts Utrecht in COROP Utrecht, and Weesp (merged into Amsterdam in 2022) in Groot-Amsterdam through its successor', () => {
    expect(corop.lookup('GM0344')).toEqual({ code: 'CR17', name: 'Utrecht' });
    expect(corop.lookup('GM0457')).toEqual({ code: 'CR23', name: 'Groot-Amsterdam', via: { code: 'GM0363', name: 'Amsterdam' } });
    expect(corop.lookup('GM9999')).toBeUndefined();
  });

  it('gives a lead in Weesp the starts of Groot-Amsterdam, and a lead in Beemster the reason it has none', async () => {
    const enricher = createEnricher({ sbiList: loadSbiList(), tables: await bundledTableVersions(['83631NED']), minConfidence: 0.5 });
    const weesp = enricher.resolve({ sbi: '62.01', postcode: '1381' }).figures.find((f) => f.id === 'starts');
    // 83631NED T001081 × CR23, 2025: 27585 (test/fixtures/cbs/83631NED).
    expect(weesp, JSON.stringify(weesp)).toMatchObject({ status: 'available', figure: { value: 27585, region: { code: 'CR23' } } });
    const beemster = enricher.resolve({ sbi: '62.01', postcode: '1461' }).figures.find((f) => f.id === 'starts');
    expect(beemster).toMatchObject({ status: 'no_region', reason: 'municipality Beemster (GM0370) is not in the COROP list of 2024, nor is a successor known' });
  });
});
