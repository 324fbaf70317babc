import { beforeAll, describe, expect, it } from 'vitest';
import type { CbsTableData } from '../../../src/cbs/model.js';
import { categoryContains, deriveSbiCategories, parseSbiTitle, type SbiCategory } from '../../../src/cbs/sbi-dimension.js';
import { normaliseSbiCode } from '../../../src/enrich/sbi-code.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { bestCategoryFor } from '../../../src/enrich/table-index.js';
import { lookupListed } from '../../../src/enrich/sector.js';
import { load83583NED } from '../../support/cbs-fixtures.js';

const list = loadSbiList();
let table: CbsTableData;
let categories: SbiCategory[];

beforeAll(async () => {
  table = await load83583NED();
  categories = deriveSbiCategories(table)!.categories;
});

const best = (code: string) => bestCategoryFor(categories, list.byCode.get(code)!)!;

describe('SBI dimension of 83583NED', () => {
  it('reads every row title into a code or range and a level', () => {
    expect(categories).toHaveLength(table.dimensions.BedrijfstakkenBranchesSBI2008.length);
    const byCode = new Map(categories.map((c) => [c.code, c]));
    expect(byCode.get('A-U')).toMatchObject({ level: 'total', aggregate: false, key: 'T001081' });
    expect(byCode.get('J')).toMatchObject({ level: 'section', aggregate: false, keyTrimmed: '391600' });
    expect(byCode.get('62')).toMatchObject({ level: 'division', aggregate: false, key: '395000 ', label: 'IT-dienstverlening' });
    expect(byCode.get('62-63')).toMatchObject({ level: 'division', aggregate: true });
    expect(byCode.get('10-12')).toMatchObject({ level: 'division', aggregate: true });
    expect(byCode.get('B-F')).toMatchObject({ level: 'section', aggregate: true });
    expect(byCode.get('G-I')).toMatchObject({ level: 'section', aggregate: true });
  });

  it('parses the title shapes of other tables too', () => {
    expect(parseSbiTitle('24-30, 33 Metalektro')).toMatchObject({
      code: '24-30, 33',
      level: 'division',
      spans: [
        { kind: 'digits', from: '24', to: '30' },
        { kind: 'digits', from: '33', to: '33' },
      ],
    });
    expect(parseSbiTitle('G+I Handel en horeca')?.spans).toEqual([
      { kind: 'section', from: 'G', to: 'G' },
      { kind: 'section', from: 'I', to: 'I' },
    ]);
    expect(parseSbiTitle('861 Ziekenhuizen')).toMatchObject({ level: 'group', code: '861' });
    expect(parseSbiTitle('62.01 Ontwikkelen van software')).toMatchObject({ level: 'class' });
    expect(parseSbiTitle('Totaal (ex. financieel of nutsbedrijven)')).toBeUndefined();
    expect(parseSbiTitle('Bedrijfsgrootte')).toBeUndefined();
  });
});

describe('hierarchy walk over the real SBI list and the real 83583NED dimension', () => {
  it('resolves every one of the 1,455 SBI codes to a category whose range contains it', () => {
    const levels: Record<string, number> = {};
    for (const entry of list.entries) {
      const c = bestCategoryFor(categories, entry);
      expect(c, entry.code).toBeDefined();
      expect(categoryContains(c!, entry.digits, entry.section), `${entry.code} in ${c!.title}`).toBe(true);
      levels[c!.level] = (levels[c!.level] ?? 0) + 1;
      // The table's division row wins whenever the table carries the code's division.
      const division = entry.digits.slice(0, 2);
      if (entry.digits && categories.some((x) => x.code === division)) expect(c!.code, entry.code).toBe(division);
    }
    expect(levels.division).toBeGreaterThan(1300);
  });

  it('prefers real codes over aggregates at the same level, and sections over wider ranges', () => {
    expect(best('62.01').code).toBe('62');
    expect(best('63.11').code).toBe('63');
    expect(best('10.71').code).toBe('10');
    expect(best('J').code).toBe('J');
    expect(best('C').code).toBe('C');
    expect(best('B').code).toBe('B');
    // 83583NED has no T or U rows (nor divisions 97-99).
    expect(categories.some((c) => c.code === 'T' || c.code === '97')).toBe(false);
    // Households (T) and extraterritorial bodies (U) only sit inside ranges: the narrowest wins.
    expect(best('97.00')).toMatchObject({ code: 'R-U', aggregate: true });
    expect(best('U')).toMatchObject({ code: 'R-U', aggregate: true });
  });

  it('gives odd spellings exactly the answer of the clean code', () => {
    const spellings: Array<[string, string]> = [
      ['6201', '62.01'],
      ['62010', '62.01'],
      ['62.01.0', '62.01'],
      ['62 01', '62.01'],
      ['62\u00a001 ', '62.01'],
      ['1071', '10.71'],
      [' 4791 ', '47.91'],
      ['47911', '47.91.1'],
      ['j', 'J'],
      ['2', '02'],
    ];
    for (const [odd, clean] of spellings) {
      const n = normaliseSbiCode(odd);
      expect(n.ok, odd).toBe(true);
      if (!n.ok) continue;
      const found = lookupListed(list, n);
      expect('entry' in found && found.entry.code, odd).toBe(clean);
      if ('entry' in found) expect(bestCategoryFor(categories, found.entry)).toBe(best(clean));
    }
  });

  it('walks an unlisted deeper code up to its listed ancestor, and refuses codes of no division', () => {
    const deeper = lookupListed(list, { code: '62.01.9', digits: '62019' });
    expect(deeper).toMatchObject({ exact: false, entry: { code: '62.01' } });
    expect(lookupListed(list, { code: '04.11', digits: '0411' })).toEqual({ reason: expect.stringMatching(/no division 04/) });
    expect(lookupListed(list, { code: '89', digits: '89' })).toEqual({ reason: expect.stringMatching(/not an SBI 2008 code/) });
  });
});
