import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CbsTableData } from '../../../src/cbs/model.js';
import { deriveSizeClasses, parseSizeTitle, type SizeClass } from '../../../src/cbs/size-dimension.js';
import { euSizeCategory, HUBSPOT_NUMEMPLOYEES, matchSizeClass, parseEmployees } from '../../../src/enrich/size-class.js';
import { load83583NED } from '../../support/cbs-fixtures.js';

let classes: SizeClass[];

beforeAll(async () => {
  const sizes = deriveSizeClasses(await load83583NED());
  expect(sizes?.kind).toBe('dimension');
  classes = sizes!.classes;
});

const classOf = (employees: unknown) => {
  const r = parseEmployees(employees);
  if (!r.ok) return `refused: ${r.reason}`;
  const m = matchSizeClass(r, classes);
  return m.status === 'matched' ? m.classes[0].title : `${m.status}: ${m.classes.map((c) => c.title).join(' | ')}`;
};

describe('size classes of 83583NED', () => {
  it('parses the untidy titles into ranges', () => {
    expect(classes.map((c) => [c.title, c.min, c.max, c.total])).toEqual([
      ['Totaal', 0, null, true],
      ['0 tot 10 werkzame personen', 0, 9, false],
      ['10 tot 50 werkzame personen', 10, 49, false],
      ['50 tot 100 werkzame personen', 50, 99, false],
      ['100 tot 500 werkzame personen', 100, 499, false],
      ['500 werkzame personen of meer', 500, null, false],
    ]);
  });

  it.each([
    [0, '0 tot 10 werkzame personen'],
    [9, '0 tot 10 werkzame personen'],
    [10, '10 tot 50 werkzame personen'],
    [49, '10 tot 50 werkzame personen'],
    [50, '50 tot 100 werkzame personen'],
    [99, '50 tot 100 werkzame personen'],
    [100, '100 tot 500 werkzame personen'],
    [499, '100 tot 500 werkzame personen'],
    [500, '500 werkzame personen of meer'],
    [10000, '500 werkzame personen of meer'],
    ['12', '10 tot 50 werkzame personen'],
    ['1.250', '500 werkzame personen of meer'],
    ['10-49', '10 tot 50 werkzame personen'],
    ['10 - 49', '10 tot 50 werkzame personen'],
    ['10 tot 50', '10 tot 50 werkzame personen'],
    ['50 t/m 99', '50 tot 100 werkzame personen'],
    ['500+', '500 werkzame personen of meer'],
    ['1000+', '500 werkzame personen of meer'],
    ['<10', '0 tot 10 werkzame personen'],
    ['12 medewerkers', '10 tot 50 werkzame personen'],
    ['1-5', '0 tot 10 werkzame personen'],
    ['25-50', '10 tot 50 werkzame personen'],
    ['50-100', '50 tot 100 werkzame personen'],
    ['100-500', '100 tot 500 werkzame personen'],
    ['500-1000', '500 werkzame personen of meer'],
  ])('%j employees → %s', (input, expected) => {
    expect(classOf(input)).toBe(expected);
  });

  it('says so when a range straddles classes instead of picking one', () => {
    expect(classOf('5-25')).toBe('straddles: 0 tot 10 werkzame personen | 10 tot 50 werkzame personen');
    expect(classOf('10-100')).toBe('straddles: 10 tot 50 werkzame personen | 50 tot 100 werkzame personen | 100 tot 500 werkzame personen');
    expect(classOf('200+')).toBe('straddles: 100 tot 500 werkzame personen | 500 werkzame personen of meer');
  });

  it('reads every HubSpot numemployees option', () => {
    for (const option of Object.keys(HUBSPOT_NUMEMPLOYEES)) {
      const r = parseEmployees(option);
      expect(r.ok && r.source, option).toBe('hubspot');
    }
  });

  it.each(['', 'veel', '-3', '12.5', '10-', '49-10', 'abc-def', '99999999999', 3.7, -1, Number.NaN, null, {}])('refuses %j with a reason', (input) => {
    expect(classOf(input)).toMatch(/^refused: .{5,}/);
  });

  // How CRMs, LinkedIn exports and sales people write sizes (issue 12, item 4).
  it.each([
    ['ca. 25', 25, 25],
    ['ca 25', 25, 25],
    ['circa 40 medewerkers', 40, 40],
    ['ongeveer 12', 12, 12],
    ['± 30', 30, 30],
    ['+/- 15', 15, 15],
    ['~8', 8, 8],
    ['approx. 200 employees', 200, 200],
    ['ca. 10-20', 10, 20],
    ['zzp', 1, 1],
    ["ZZP'er", 1, 1],
    ['1 (zzp)', 1, 1],
    ['eenmanszaak', 1, 1],
    ['Self-employed', 1, 1],
    ['freelancer', 1, 1],
    ['3,5 fte', 4, null],
    ['3.5 FTE', 4, null],
    ['12 fte', 12, null],
    ['11-50 employees', 11, 50],
    ['2-10 employees', 2, 10],
    ['501-1,000 employees', 501, 1000],
    ['10,001+ employees', 10001, null],
    ['10.001+', 10001, null],
    ['tot 10', 0, 9],
    ['meer dan 100', 101, null],
    ['< 10', 0, 9],
    ['>50', 51, null],
    ['25-50', 25, 49],
    ['1000+', 1000, null],
  ])('reads %j as %i..%s persons', (input, min, max) => {
    const r = parseEmployees(input);
    expect(r, JSON.stringify(r)).toMatchObject({ ok: true, min, max });
  });

  it('says in the reading that fte is a lower bound of persons', () => {
    const r = parseEmployees('3,5 fte');
    expect(r.ok && r.source).toBe('fte');
    expect(r.ok && r.note).toMatch(/lower bound/);
  });

  it('never throws on any input', () => {
    fc.assert(fc.property(fc.anything(), (input) => void parseEmployees(input)), { numRuns: 1000 });
    fc.assert(fc.property(fc.string(), (input) => void parseEmployees(input)), { numRuns: 1000 });
  });
});

describe('EU SME category', () => {
  it.each([
    [0, 'micro'],
    [9, 'micro'],
    [10, 'small'],
    [49, 'small'],
    [50, 'medium'],
    [249, 'medium'],
    [250, 'large'],
    [10000, 'large'],
  ])('%i employees → %s', (n, category) => {
    expect(euSizeCategory({ min: n, max: n })).toEqual({ category, straddles: false, categories: [category] });
  });

  it('reports a straddling range with both categories', () => {
    expect(euSizeCategory({ min: 5, max: 24 })).toEqual({ category: null, straddles: true, categories: ['micro', 'small'] });
    expect(euSizeCategory({ min: 1000, max: null })).toEqual({ category: 'large', straddles: false, categories: ['large'] });
  });
});

describe('size classes as topic columns (81589NED layout)', () => {
  // The topic titles of 81589NED as its StatLine CSV download shows them (fixtures README §6).
  const titles = [
    'Totaal bedrijven',
    '1 werkzaam persoon',
    '2 werkzame personen',
    '3 tot 5 werkzame personen',
    '5 tot 10 werkzame personen',
    '10 tot 20 werkzame personen',
    '20 tot 50 werkzame personen',
    '50 tot 100 werkzame personen',
    '100 werkzame personen of meer',
    '0 tot 50 werkzame personen',
    '0 tot 250 werkzame personen',
  ];
  const table: CbsTableData = {
    tableId: '81589NED',
    info: { identifier: '81589NED', title: 'Bedrijven; bedrijfstak', modified: null },
    dataProperties: titles.map((title, i) => ({ id: i + 2, position: i + 2, parentId: null, type: 'Topic', key: `Size_${i + 1}`, title, description: null, unit: 'aantal' })),
    categoryGroups: [],
    dimensions: {},
    rows: [],
  };

  it('finds them, with the cumulative ones marked', () => {
    const sizes = deriveSizeClasses(table)!;
    expect(sizes.kind).toBe('topic');
    const byTitle = new Map(sizes.classes.map((c) => [c.title, c]));
    expect(byTitle.get('1 werkzaam persoon')).toMatchObject({ min: 1, max: 1, cumulative: false });
    expect(byTitle.get('3 tot 5 werkzame personen')).toMatchObject({ min: 3, max: 4 });
    expect(byTitle.get('100 werkzame personen of meer')).toMatchObject({ min: 100, max: null, cumulative: false });
    expect(byTitle.get('0 tot 50 werkzame personen')).toMatchObject({ cumulative: true });
    expect(byTitle.get('0 tot 250 werkzame personen')).toMatchObject({ cumulative: true });
    expect(byTitle.get('Totaal bedrijven')).toMatchObject({ total: true });
    const m = matchSizeClass({ min: 12, max: 12 }, sizes.classes);
    expect(m.classes.map((c) => c.title)).toEqual(['10 tot 20 werkzame personen']);
  });

  it('parses the title variants', () => {
    expect(parseSizeTitle('50  tot 100 werkzame personens')).toEqual({ min: 50, max: 99 });
    expect(parseSizeTitle('100 of meer werkzame personen')).toEqual({ min: 100, max: null });
    expect(parseSizeTitle('Bedrijfsgrootte/2 werkzame personen (aantal)')).toEqual({ min: 2, max: 2 });
    expect(parseSizeTitle('Totaal')).toBe('total');
    expect(parseSizeTitle('Natuurlijke personen')).toBeUndefined();
  });
});
