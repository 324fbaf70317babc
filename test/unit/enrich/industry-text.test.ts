import { describe, expect, it } from 'vitest';
import { INDUSTRY_SYNONYMS } from '../../../src/enrich/industry-synonyms.js';
import { createIndustryMatcher } from '../../../src/enrich/industry-text.js';
import { loadIndustryTables } from '../../../src/enrich/industry-tables.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { INDUSTRY_CASES } from '../../support/industry-cases.js';

const list = loadSbiList();
// As the engine builds it: the bundled HubSpot, LinkedIn and NACE tables beside the SBI titles.
const tables = loadIndustryTables();
const matcher = createIndustryMatcher(list, 0.5, { tables });

describe('free-text industry', () => {
  it('maps synonyms only to codes that exist in the SBI list (the tables are checked by vocabulary-data.test.ts)', () => {
    expect(Object.keys(INDUSTRY_SYNONYMS).length).toBeGreaterThan(2000);
    for (const [term, code] of Object.entries(INDUSTRY_SYNONYMS)) {
      expect(list.byCode.has(code), `${term} → ${code}`).toBe(true);
    }
  });

  it(`finds the right division for realistic descriptions (${INDUSTRY_CASES.length} cases)`, () => {
    expect(INDUSTRY_CASES.length).toBeGreaterThanOrEqual(40);
    const right: number[] = [];
    const wrong: number[] = [];
    const misses: string[] = [];
    for (const c of INDUSTRY_CASES) {
      const m = matcher.match(c.text);
      const best = m.best;
      if (best && best.code.slice(0, 2) === c.division) right.push(best.confidence);
      else {
        if (best) wrong.push(best.confidence);
        misses.push(`${c.text} → ${best?.code ?? 'nothing'} (${best?.confidence ?? 0}), expected ${c.division}`);
      }
    }
    const confident = INDUSTRY_CASES.filter((c) => {
      const m = matcher.match(c.text);
      return m.ok && m.best.code.slice(0, 2) === c.division;
    }).length;
    const rate = confident / INDUSTRY_CASES.length;
    console.log(`industry hit rate: ${confident}/${INDUSTRY_CASES.length} = ${(rate * 100).toFixed(1)}% confident and right; misses: ${misses.join('; ') || 'none'}`);
    expect(rate, misses.join('\n')).toBeGreaterThanOrEqual(0.85);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
    if (wrong.length > 0) expect(mean(wrong)).toBeLessThan(mean(right));
  });

  it('reads descriptions the synonym list does not hold word by word, into the right division', () => {
    // Before issue 12 this test only asked the fuzzy path to stay humble (≤ 0.8); the words path must now be right.
    const hard: Array<[string, string]> = [
      ['Vervaardiging van kunststof verpakkingen', '22'],
      ['Groothandel in bloemen en planten', '46'],
      ['Productie van kaas', '10'],
      ['Zeilschool', '85'],
      ['Verhuur van machines voor de bouw', '77'],
    ];
    for (const [text, division] of hard) expect(matcher.match(text).best?.code.slice(0, 2), text).toBe(division);
  });

  it('reads what a text says it does: a division of another kind of activity loses to one of the kind named', () => {
    // Each text names a product whose factory, repair or transport the vocabulary knows better than its trade;
    // the word of kind decides (before the rule: 25.40, 95.29 and 49.39).
    const cases: Array<[string, string]> = [
      ['groothandel in wapens en munitie', '46'],
      ['we sell books to consumers', '47'],
      ['City bus OEM', '29'],
    ];
    for (const [text, division] of cases) {
      const m = matcher.match(text);
      expect(m.best?.code.slice(0, 2), `${text} → ${JSON.stringify(m.best)}`).toBe(division);
    }
  });

  it('recognises HubSpot enumeration values in any case', () => {
    expect(matcher.match('COMPUTER_SOFTWARE')).toMatchObject({ ok: true, best: { code: '62.01', via: 'hubspot' } });
    // HubSpot's Restaurants option is mapped to group 56.1 in data/vocabulary/hubspot-industries.csv.
    expect(matcher.match('restaurants')).toMatchObject({ ok: true, best: { code: '56.1' } });
  });

  it('answers "no confident match" for nonsense and below the threshold', () => {
    for (const text of ['qwerty zxcvb', 'asdfgh']) {
      const m = matcher.match(text);
      expect(m.ok, text).toBe(false);
      if (!m.ok) expect(m.reason).toBe('no confident match');
    }
    // No words at all is said as such (it was "no confident match" before the matcher told them apart).
    for (const text of ['!!!', '12345']) expect(matcher.match(text)).toMatchObject({ ok: false, reason: 'no words to read' });
    const strict = createIndustryMatcher(list, 0.99, { tables });
    expect(strict.match('Vervaardiging van kunststof verpakkingen').ok).toBe(false);
  });

  it('returns a runner-up outside the winner\'s branch, with confidences in [0, 1]', () => {
    // A text read word by word (a whole synonym answers alone, with no runner-up).
    const texts = ['Installatiebedrijf voor warmtepompen', 'Groothandel in elektronica', 'Meubels', 'Fietsen'];
    const withRival = texts.map((t) => [t, matcher.match(t)] as const).filter(([, m]) => m.runnerUp !== null);
    expect(withRival.length).toBeGreaterThanOrEqual(2);
    for (const [t, m] of withRival) {
      const [a, b] = [m.best!.code.replace(/\D/g, ''), m.runnerUp!.code.replace(/\D/g, '')];
      expect(a.startsWith(b) || b.startsWith(a), `${t}: ${m.best!.code} vs ${m.runnerUp!.code}`).toBe(false);
    }
    for (const c of INDUSTRY_CASES) {
      const r = matcher.match(c.text);
      for (const x of [r.best, r.runnerUp]) if (x) expect(x.confidence).toBeGreaterThanOrEqual(0), expect(x.confidence).toBeLessThanOrEqual(1);
      // Whatever penalty a close rival costs the answer, the answer never scores below its runner-up.
      if (r.best && r.runnerUp) expect(r.runnerUp.confidence, c.text).toBeLessThanOrEqual(r.best.confidence);
    }
  });
});
