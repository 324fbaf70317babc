import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readSbiKeyIndex } from '../../../scripts/snapshot-csv.js';
import { deriveSizeClasses } from '../../../src/cbs/size-dimension.js';
import { loadBundledSnapshot, readSnapshotManifest } from '../../../src/cbs/snapshot.js';
import { build81588NED, FILE_81588, topicTitleFromKey } from '../../../scripts/snapshot-81588.js';
import { REPO_FIXTURES_DIR } from '../../support/cbs-fixtures.js';

/**
 * The bundled 81588NED (the default `businesses` table) is exactly what the builder makes
 * from the in-repo copy of the real 2026 Q3 landing file, every cell as in the file, with
 * keys only where a real CBS table gives them and the manifest saying it holds sections only.
 */

type Landing = { rows: Array<Record<string, string | number | null>> };

describe('81588NED in the bundled snapshot', () => {
  it('bundles exactly what the builder makes, with provenance and what the copy covers', async () => {
    const built = await build81588NED(await readSbiKeyIndex(REPO_FIXTURES_DIR));
    const [bundled] = await loadBundledSnapshot(['81588NED']);
    expect(bundled).toEqual(built.data);
    const manifest = await readSnapshotManifest();
    expect(manifest.tables.find((t) => t.tableId === '81588NED')).toEqual({
      tableId: '81588NED',
      file: '81588NED.json',
      source: 'test/fixtures/cbs/81588NED/81588NED_20260908T093025Z.sections.json',
      fixtureRepo: 'github.com/ankitasondhiya/cbs-knowledge-graph-pipeline (transform/sample_landing/81588NED_20260908T093025Z.json)',
      fixtureCommit: '3e3c7dc16b2b9a52bf6d556fe41341dbdb339466',
      modified: '2026-07-15T02:00:00',
      rowCount: 27,
      covers: 'alleen SBI-secties (A–U) en hun aggregaten, 2026 3e kwartaal',
    });
    // Titles no real CBS table gives a key for are left out, not given an invented key.
    expect(built.skipped).toEqual(['Totaal (ex. financieel en nutsbedrijven)', 'Business Economy, B-N, excl. K, incl. 95']);
  });

  it('keeps every cell of the landing file, under real SBI keys and the CBS period key, status unknown', async () => {
    const { data } = await build81588NED(await readSbiKeyIndex(REPO_FIXTURES_DIR));
    const landing = JSON.parse(await readFile(FILE_81588, 'utf8')) as Landing;
    const sbi = new Map(data.dimensions.BedrijfstakkenBranchesSBI2008.map((r) => [r.title, r.key]));
    expect(sbi.get('A-U Alle economische activiteiten')).toBe('T001081');
    expect(sbi.get('J Informatie en communicatie')).toBe('391600 ');
    expect(sbi.get('U Extraterritoriale organisaties')).toBe('440900 ');
    expect(data.dimensions.Perioden).toEqual([{ key: '2026KW03', keyTrimmed: '2026KW03', title: '2026 3e kwartaal', description: null, categoryGroupId: null, status: null }]);
    let checked = 0;
    for (const source of landing.rows) {
      const row = data.rows.find((r) => r.BedrijfstakkenBranchesSBI2008 === sbi.get(String(source.BedrijfstakkenBranchesSBI2008)));
      if (!row) continue;
      for (const [key, value] of Object.entries(source)) {
        if (key === 'BedrijfstakkenBranchesSBI2008' || key === 'Perioden') continue;
        expect(row[key], `${String(source.BedrijfstakkenBranchesSBI2008)} / ${key}`).toBe(value);
        checked++;
      }
    }
    expect(checked).toBe(27 * 33);
    // README check: the 14 size classes of A-U add up to its total, 2,433,985.
    const total = data.rows.find((r) => r.BedrijfstakkenBranchesSBI2008 === 'T001081')!;
    const classes = deriveSizeClasses(data)!.classes.filter((c) => !c.total && !c.cumulative);
    expect(classes).toHaveLength(14);
    expect(classes.reduce((sum, c) => sum + Number(total[c.key]), 0)).toBe(total.TotaalBedrijven_1);
  });

  it('reads size-class titles back from CBS topic keys, and leaves any other key as it is', () => {
    expect(topicTitleFromKey('k_1WerkzaamPersoon_2')).toBe('1 werkzaam persoon');
    expect(topicTitleFromKey('k_3Tot5WerkzamePersonen_4')).toBe('3 tot 5 werkzame personen');
    expect(topicTitleFromKey('k_1000Tot2000WerkzamePersonen_14')).toBe('1000 tot 2000 werkzame personen');
    expect(topicTitleFromKey('k_2000WerkzamePersonenOfMeer_15')).toBe('2000 werkzame personen of meer');
    expect(topicTitleFromKey('TotaalBedrijven_1')).toBe('Totaal bedrijven');
    expect(topicTitleFromKey('VennootschapOnderFirmaVOF_24')).toBe('VennootschapOnderFirmaVOF_24');
  });
});
