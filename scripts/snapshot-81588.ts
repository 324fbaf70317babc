/**
 * 81588NED "Bedrijven; bedrijfsgrootte en rechtsvorm" for the bundled snapshot, from the
 * real 2026 Q3 landing file in test/fixtures/cbs/81588NED/ (its README names the source).
 * Beside scripts/snapshot-csv.ts because it derives keys the same way (titles → real keys).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CbsDataProperty, CbsDimensionRow, CbsTableData } from '../src/cbs/model.js';
import { parseTableData } from '../src/cbs/validate.js';
import { REPO_FIXTURES_DIR } from '../test/support/cbs-fixtures.js';
import { periodRow, type SbiKeyIndex } from './snapshot-csv.js';

type Raw = Record<string, unknown>;

const readJson = async (file: string): Promise<unknown> => JSON.parse(await readFile(file, 'utf8'));

function property(id: number, type: string, key: string, title: string, extra: Partial<CbsDataProperty> = {}): CbsDataProperty {
  return { id, position: id, parentId: null, type, key, title, description: null, ...extra };
}

export const FILE_81588 = path.join(REPO_FIXTURES_DIR, '81588NED/81588NED_20260908T093025Z.sections.json');

/**
 * A topic title read from a CBS topic key, for the size classes and the total only
 * (`k_10Tot20WerkzamePersonen_6` → "10 tot 20 werkzame personen", `TotaalBedrijven_1` →
 * "Totaal bedrijven"). CBS makes these keys from the titles (the same wording is 81589NED's
 * titles: test/fixtures/cbs/81589NED/), so reading them back is exact for these words. Any
 * other key (the legal forms: `VennootschapOnderFirmaVOF_24`) keeps its key as title rather
 * than a guessed spelling; the card never shows those topics.
 */
export function topicTitleFromKey(key: string): string {
  const m = /^(?:k_)?(.+?)_\d+$/.exec(key);
  const text = (m?.[1] ?? '').replace(/(?<=[a-z])(?=[A-Z0-9])|(?<=[0-9])(?=[A-Z])/g, ' ').toLowerCase();
  const sized = /^\d+( tot \d+)? werkza(am persoon|me personen)( of meer)?$/.test(text);
  if (sized) return text;
  if (key === 'TotaalBedrijven_1') return 'Totaal bedrijven';
  return key;
}

/**
 * 81588NED "Bedrijven; bedrijfsgrootte en rechtsvorm", 2026 Q3, from the trimmed cbsodata
 * landing file (test/fixtures/cbs/81588NED/README.md). Its rows carry titles, not keys, so:
 * SBI keys are the keys CBS gives the same titles in real tables (scripts/snapshot-csv.ts's
 * index, as for 81589NED); a title no real table names ("Totaal (ex. financieel en
 * nutsbedrijven)", "Business Economy, B-N, excl. K, incl. 95") is left out and returned in
 * `skipped`. The period key is CBS's form of the title (`2026 3e kwartaal` → `2026KW03`); its status
 * is unknown (null): an OData Title has no `*`, and the file keeps no Status. Topic keys are CBS's own; their titles are read from the keys
 * (topicTitleFromKey). `modified` is the envelope's `source_modified`. Cells are copied as they are.
 */
export async function build81588NED(keys: SbiKeyIndex): Promise<{ data: CbsTableData; skipped: string[] }> {
  const landing = (await readJson(FILE_81588)) as { source_table: string; description: string; source_modified: string; rows: Raw[] };
  if (landing.source_table !== '81588NED') throw new Error(`${FILE_81588}: not 81588NED`);
  const topicKeys = Object.keys(landing.rows[0]).filter((k) => !['ID', 'BedrijfstakkenBranchesSBI2008', 'Perioden'].includes(k));
  const skipped: string[] = [];
  const sbi = new Map<string, CbsDimensionRow>();
  const periods = new Map<string, CbsDimensionRow>();
  const rows: CbsTableData['rows'] = [];
  for (const r of landing.rows) {
    const title = String(r.BedrijfstakkenBranchesSBI2008);
    const key = keys.get(title.replace(/\s+/g, ' ').trim());
    if (!key) {
      skipped.push(title);
      continue;
    }
    const titled = periodRow(String(r.Perioden));
    if (!titled) throw new Error(`${FILE_81588}: period "${String(r.Perioden)}" is not a CBS quarter`);
    // cbsodata writes the OData Title, which never carries StatLine's `*`: the status is not in the file.
    const period = { ...titled, status: null };
    sbi.set(key, { key, keyTrimmed: key.trim(), title, description: null, categoryGroupId: null });
    periods.set(period.key, period);
    const row: CbsTableData['rows'][number] = { ID: Number(r.ID), BedrijfstakkenBranchesSBI2008: key, Perioden: period.key };
    for (const t of topicKeys) row[t] = r[t] === null ? null : Number(r[t]);
    rows.push(row);
  }
  const title = 'Bedrijven; bedrijfsgrootte en rechtsvorm';
  const data: CbsTableData = {
    tableId: '81588NED',
    info: { identifier: '81588NED', title, shortTitle: title, modified: landing.source_modified, frequency: 'Perkwartaal', recordCount: rows.length },
    dataProperties: [
      property(1, 'Dimension', 'BedrijfstakkenBranchesSBI2008', 'Bedrijfstakken/branches SBI 2008'),
      property(2, 'TimeDimension', 'Perioden', 'Perioden'),
      ...topicKeys.map((k, i) => property(3 + i, 'Topic', k, topicTitleFromKey(k), { unit: 'aantal', decimals: 0, datatype: 'Long' })),
    ],
    categoryGroups: [],
    dimensions: { BedrijfstakkenBranchesSBI2008: [...sbi.values()], Perioden: [...periods.values()] },
    rows,
  };
  return { data: parseTableData(data, FILE_81588), skipped };
}
