import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_FIXTURES_DIR } from '../../support/cbs-fixtures.js';
import { build81575FromCsv, build81589FromCsv, cellValue, parseStatlineCsv, periodRow, readSbiKeyIndex } from '../../../scripts/snapshot-csv.js';
import { loadBundledSnapshot, readSnapshotManifest } from '../../../src/cbs/snapshot.js';

/**
 * The bundled 81589NED and 81575NED are exactly what the builder makes from
 * the in-repo copies of the StatLine exports (test/fixtures/cbs/), and the
 * builder copies cells, keys and periods faithfully.
 */

const F81589 = path.join(REPO_FIXTURES_DIR, '81589NED/Bedrijven__bedrijfstak_23032020_155149.csv');
const F81575 = path.join(REPO_FIXTURES_DIR, '81575NED/Vestigingen_bedrijven_2007-2012.csv');

describe('snapshot tables from StatLine CSV exports', () => {
  it('bundles exactly what the builder makes from the fixtures (nothing edited by hand)', async () => {
    const keys = await readSbiKeyIndex(REPO_FIXTURES_DIR);
    const [b, v] = await Promise.all([
      build81589FromCsv(F81589, keys, { title: 'Bedrijven; bedrijfstak', modified: null }),
      build81575FromCsv(F81575, keys, { modified: null, periods: 'latest' }),
    ]);
    const bundled = await loadBundledSnapshot(['81589NED', '81575NED']);
    expect(bundled.find((t) => t.tableId === '81589NED')).toEqual(b.data);
    expect(bundled.find((t) => t.tableId === '81575NED')).toEqual(v.data);
    const manifest = await readSnapshotManifest();
    expect(manifest.tables.find((t) => t.tableId === '81575NED')).toMatchObject({ fixtureCommit: '3d73b731779dd2464dcf6131ccbf7d6fe74f99eb', rowCount: v.data.rows.length });
    // Titles no real CBS table gives a key for are left out, not given an invented one.
    expect(b.skipped).toEqual(['Totaal (ex. financieel of nutsbedrijven)']);
    expect(v.skipped).toEqual(['G+I Handel en horeca', 'H+J Vervoer, informatie en communicatie', 'K-L Financiële diensten; onroerend goed']);
  });

  it('81589NED: real keys from 83583NED/82807NED, CBS period keys, every cell as in the file', async () => {
    const keys = await readSbiKeyIndex(REPO_FIXTURES_DIR);
    const { data } = await build81589FromCsv(F81589, keys, { title: 'Bedrijven; bedrijfstak', modified: null });
    const lines = parseStatlineCsv(await readFile(F81589, 'utf8'));
    expect(lines).toHaveLength(29);
    const sbi = new Map(data.dimensions.BedrijfstakkenBranchesSBI2008.map((r) => [r.title, r.key]));
    expect(sbi.get('A-U Alle economische activiteiten')).toBe('T001081');
    expect(sbi.get('J Informatie en communicatie')).toBe('391600 ');
    // Only in the v4 fixture (82807NED), padded to the v3 width.
    expect(sbi.get('U Extraterritoriale organisaties')).toBe('440900 ');
    expect(data.dimensions.Perioden).toEqual([{ key: '2020KW01', keyTrimmed: '2020KW01', title: '2020 1e kwartaal', description: null, categoryGroupId: null, status: 'Voorlopig' }]);
    let checked = 0;
    for (const line of lines.slice(1)) {
      const row = data.rows.find((r) => r.BedrijfstakkenBranchesSBI2008 === sbi.get(line[0]));
      if (!row) continue;
      lines[0].slice(2).forEach((header, i) => {
        expect(row[header], `${line[0]} / ${header}`).toBe(Number(line[2 + i].trim()));
        checked++;
      });
    }
    expect(checked).toBe(27 * 10);
  });

  it('81575NED: the municipalities and Nederland for the latest year, symbols as null', async () => {
    const keys = await readSbiKeyIndex(REPO_FIXTURES_DIR);
    const { data } = await build81575FromCsv(F81575, keys, { modified: null, periods: 'latest' });
    expect(data.info.title).toBe('Vestigingen van bedrijven; naar bedrijfstak (SBI 2008) en gemeenten');
    expect(data.dimensions.Perioden.map((p) => [p.key, p.status])).toEqual([['2012JJ00', 'Voorlopig']]);
    const regions = data.dimensions.RegioS.map((r) => r.title);
    expect(regions).toHaveLength(454);
    expect(regions).toContain('Utrecht (gemeente)');
    expect(regions).not.toContain('Utrecht (PV)');
    const cell = (sbiTitle: string, region: string) => {
      const key = data.dimensions.BedrijfstakkenBranchesSBI2008.find((r) => r.title === sbiTitle)!.key;
      return data.rows.find((r) => r.BedrijfstakkenBranchesSBI2008 === key && r.RegioS === region)?.Vestigingen;
    };
    // From the README of the fixtures: G-I in Amsterdam, 2007–2012 = … 19735.
    expect(cell('G-I Handel, vervoer en horeca', 'Amsterdam')).toBe(19735);
    expect(cell('J Informatie en communicatie', 'Nederland')).toBe(65420);
    const all = await loadBundledSnapshot(['81575NED']);
    expect(all[0].rows.length).toBe(23 * 454);
    expect(all[0].rows.some((r) => r.Vestigingen === null)).toBe(true);
  });

  it('reads CBS periods and StatLine cells', () => {
    expect(periodRow('2020 4e kwartaal')).toMatchObject({ key: '2020KW04', status: 'Definitief' });
    expect(periodRow('2012*')).toMatchObject({ key: '2012JJ00', title: '2012', status: 'Voorlopig' });
    expect(periodRow('2020 januari')).toBeUndefined();
    expect(cellValue('   1685')).toBe(1685);
    expect(cellValue('.')).toBeNull();
    expect(cellValue('-')).toBeNull();
    expect(parseStatlineCsv('"K-L Financiële diensten; onroerend goed";"5"\n')).toEqual([['K-L Financiële diensten; onroerend goed', '5']]);
  });
});
