import { beforeAll, describe, expect, it } from 'vitest';
import { createEnricher } from '../../../src/enrich/engine.js';
import { loadClassifications } from '../../../src/enrich/sbi-correspondence.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { type Coverage, measureSbiCoverage } from '../../support/sbi-coverage.js';

// Issue 22's "done when" over every code of the real SBI 2008 and SBI 2025 lists (npm run sbi:coverage prints the same).
let coverage: Coverage;

beforeAll(() => {
  const enricher = createEnricher({ sbiList: loadSbiList(), tables: [], minConfidence: 0.5, cacheSize: 10 });
  coverage = measureSbiCoverage(loadClassifications(), (input) => enricher.resolve(input));
}, 120_000);

const share = (name: keyof Coverage) => coverage[name].right / coverage[name].n;

describe('SBI 2025 coverage over the real lists', () => {
  it('answers every SBI 2025 code, 5-digit, dotted, "62 100" and from the KvK field, with its own code and title (≥ 99%)', () => {
    expect(coverage.sbi2025Digits.n).toBe(1954);
    expect(coverage.sbi2025Dotted.n).toBe(1954);
    for (const name of ['sbi2025Digits', 'sbi2025Dotted', 'sbi2025Spaced', 'sbi2025Kvk'] as const) {
      expect(share(name), `${name}: ${coverage[name].wrong.join(' | ')}`).toBeGreaterThanOrEqual(0.99);
    }
  });

  it('answers every SBI 2008 class with a single SBI 2025 counterpart with that counterpart', () => {
    expect(coverage.single2008.n).toBeGreaterThan(300);
    expect(coverage.single2008.wrong).toEqual([]);
    expect(coverage.renumbered2008.n).toBeGreaterThan(50);
    expect(coverage.renumbered2008.wrong).toEqual([]);
  });

  it('still reads every SBI 2008 code in every spelling, naming the other reading of a lost leading zero', () => {
    // The only misses are lost-zero spellings that are another SBI 2008 code as written (1411 is 14.11); those name the code.
    expect(share('sbi2008Spellings'), coverage.sbi2008Spellings.wrong.join(' | ')).toBeGreaterThanOrEqual(0.997);
    expect(coverage.sbi2008Spellings.n - coverage.sbi2008Spellings.right).toBe(coverage.lostZeroNamed.n);
    expect(coverage.lostZeroNamed.wrong).toEqual([]);
  });

  it('names the other list’s reading of every code both lists have with another meaning', () => {
    expect(coverage.ambiguousNamed.n).toBeGreaterThan(40);
    expect(coverage.ambiguousNamed.wrong).toEqual([]);
  });
});
