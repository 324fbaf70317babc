import { describe, expect, it } from 'vitest';
import type { CbsTableData } from '../../../src/cbs/model.js';
import { createEnricher } from '../../../src/enrich/engine.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { loadSbi2025List } from '../../../src/enrich/sbi2025-list.js';
import { asVersion } from '../../support/cbs-fixtures.js';
import { bundledTableVersions } from '../../../src/enrich/service.js';

/**
 * A table classified by SBI 2025 (86280NED and its siblings, dimension BedrijfstakkenBranchesSBI2025)
 * is read with the SBI 2025 code, an SBI 2008 table with the SBI 2008 code. No real data rows of an
 * SBI 2025 table are public here, so this table is SYNTHETIC: its dimension rows are real SBI 2025
 * codes and titles from data/sbi2025/ (section K, division 62, class 62.10, section L and the total),
 * its values are made up for the test and mean nothing.
 */
function syntheticSbi2025Table(): CbsTableData {
  const list = loadSbi2025List();
  const codes = ['K', '62', '62.10', 'L'];
  const rows = [
    { key: 'T001081', keyTrimmed: 'T001081', title: 'A-V Alle economische activiteiten', description: null, categoryGroupId: null },
    ...codes.map((code, i) => {
      const e = list.byCode.get(code)!;
      return { key: `S${i} `, keyTrimmed: `S${i}`, title: `${e.code} ${e.title}`, description: null, categoryGroupId: null };
    }),
  ];
  const values = [1000, 100, 60, 40, 30];
  return {
    tableId: '86280NED',
    info: { identifier: '86280NED', title: 'Bedrijven; bedrijfstak (SBI 2025)', shortTitle: 'Bedrijven; bedrijfstak', modified: '2026-08-14T02:00:00' },
    dataProperties: [
      { id: 0, position: 0, parentId: null, type: 'Dimension', key: 'BedrijfstakkenBranchesSBI2025', title: 'Bedrijfstakken/branches (SBI 2025)', description: null },
      { id: 1, position: 1, parentId: null, type: 'TimeDimension', key: 'Perioden', title: 'Perioden', description: null },
      { id: 2, position: 2, parentId: null, type: 'Topic', key: 'TotaalBedrijven_1', title: 'Totaal bedrijven', description: null, unit: 'aantal', datatype: 'Double' },
    ],
    categoryGroups: [],
    dimensions: {
      BedrijfstakkenBranchesSBI2025: rows,
      Perioden: [{ key: '2026KW02', keyTrimmed: '2026KW02', title: '2026 2e kwartaal', description: null, categoryGroupId: null, status: 'Voorlopig' }],
    },
    rows: rows.map((r, i) => ({ ID: i, BedrijfstakkenBranchesSBI2025: r.key, Perioden: '2026KW02', TotaalBedrijven_1: values[i] })),
  };
}

describe('figures from SBI 2025 and SBI 2008 tables side by side', () => {
  it('looks an SBI 2025 table up by the SBI 2025 code and an SBI 2008 table by the SBI 2008 code, naming the system', async () => {
    const tables = [asVersion(syntheticSbi2025Table()), ...(await bundledTableVersions(['83583NED']))];
    const figures = [
      { id: 'jobs' as const, tableId: '83583NED', scope: 'national' as const },
      { id: 'businesses' as const, tableId: '86280NED', scope: 'national' as const },
    ];
    const enricher = createEnricher({ sbiList: loadSbiList(), tables, minConfidence: 0.5, figures });
    const e = enricher.resolve({ sbi: '62100', employees: 12 });
    const byId = (id: string) => e.figures.find((f) => f.id === id)!;
    const body = JSON.stringify(e.figures);
    // The synthetic 86280NED row "62.10 Ontwerpen van computerprogramma's" (value 40): found with the SBI 2025 code 62.10.0.
    expect(byId('businesses'), body).toMatchObject({ status: 'available', figure: { tableId: '86280NED', value: 40, sbi: { code: '62.10' } }, provenance: { sbiSystem: 'SBI2025' } });
    // The real 83583NED (SBI 2008): division 62 of the SBI 2008 code 62.01, 2019: 193.6 (x 1 000) all sizes; 10 tot 50: 50.9.
    expect(byId('jobs'), body).toMatchObject({ status: 'available', figure: { tableId: '83583NED', value: 50.9, sbi: { code: '62' } }, provenance: { sbiSystem: 'SBI2008' } });
    expect(e.markets.map((m) => [m.tableId, m.sbiSystem, m.sbiCategory?.code])).toEqual([
      ['86280NED', 'SBI2025', '62.10'],
      ['83583NED', 'SBI2008', '62'],
    ]);
    // Section letters are never compared across lists: SBI 2008 K (finance) is SBI 2025 L in the 2025 table.
    const finance = enricher.resolve({ sbi: 'K', sbiSystem: 'SBI2008' });
    expect(finance.markets[0].sbiCategory?.code, JSON.stringify(finance.markets[0])).toBe('L');
  });
});
