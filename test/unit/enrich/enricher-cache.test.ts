import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CbsTableData } from '../../../src/cbs/model.js';
import { createEnricher } from '../../../src/enrich/engine.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { asVersion, load83583NED } from '../../support/cbs-fixtures.js';

/**
 * Findings 10 and 11: the enricher's result cache is bounded in bytes, and its
 * key is bounded whatever the input. A large generic `kvk` object was the key
 * itself (~0.9 MB per lead, +560 MB after 600 leads), and 50,000 entries of
 * 5,000-character `kvk_sbi` values from the open /v1/lookup took 208 → 832 MB.
 */

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1024 * 1024;
const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const sbiList = loadSbiList();
let table: CbsTableData;
beforeAll(async () => {
  table = await load83583NED();
});

describe('the enricher cache', () => {
  it('keeps well under 20 MB for 100 leads whose kvk profile is 1 MB each', () => {
    const enricher = createEnricher({ sbiList, tables: [asVersion(table)], minConfidence: 0.5 });
    enricher.resolve({ sbi: '62.01' });
    const before = heapAfterGc();
    for (let i = 0; i < 100; i++) {
      const kvkSbi = { sbiActiviteiten: [{ sbiCode: '6201', sbiOmschrijving: 'Ontwikkelen van software', indHoofdactiviteit: 'Ja' }], filler: `${i}:${'x'.repeat(MB)}` };
      expect(enricher.resolve({ kvkSbi }).cbs_sbi_code).toBe('62.10.0');
    }
    const grown = (heapAfterGc() - before) / MB;
    expect(grown, `heap grew ${grown.toFixed(1)} MB`).toBeLessThan(20);
    expect(enricher.cacheStats().bytes).toBeLessThanOrEqual(64 * MB);
  });

  it('stays within its byte bound under a flood of distinct 5,000-character kvk_sbi values', () => {
    const cacheBytes = 8 * MB;
    const enricher = createEnricher({ sbiList, tables: [asVersion(table)], minConfidence: 0.5, cacheBytes });
    enricher.resolve({ sbi: '62.01' });
    const before = heapAfterGc();
    for (let i = 0; i < 6_000; i++) enricher.resolve({ kvkSbi: `${i} ${'ä'.repeat(4_990)}` });
    const grown = (heapAfterGc() - before) / MB;
    expect(enricher.cacheStats().bytes, 'bytes the cache accounts for').toBeLessThanOrEqual(cacheBytes);
    expect(grown, `heap grew ${grown.toFixed(1)} MB`).toBeLessThan(3 * (cacheBytes / MB));
  });

  it('still answers a repeated lead from the cache (the warm path)', () => {
    const enricher = createEnricher({ sbiList, tables: [asVersion(table)], minConfidence: 0.5 });
    const kvkSbi = { sbiActiviteiten: [{ sbiCode: '6201', indHoofdactiviteit: 'Ja' }], filler: 'y'.repeat(10_000) };
    const first = enricher.resolve({ kvkSbi, employees: 12 });
    const hits = enricher.cacheStats().hits;
    expect(enricher.resolve({ kvkSbi: JSON.parse(JSON.stringify(kvkSbi)), employees: 12 })).toBe(first);
    expect(enricher.resolve({ sbi: '62.01', industry: 'x'.repeat(2_000) })).toBe(enricher.resolve({ sbi: '62.01', industry: 'x'.repeat(2_000) }));
    expect(enricher.cacheStats().hits).toBe(hits + 2);
  });
});
