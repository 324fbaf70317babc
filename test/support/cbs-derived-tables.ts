import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CbsDataProperty, CbsDimensionRow, CbsTableData } from '../../src/cbs/model.js';
import { parseTableData } from '../../src/cbs/validate.js';
import { COROP_FILE } from '../../src/enrich/corop.js';
import { csvFields } from '../../src/enrich/postcode.js';
import { periodRow, type SbiKeyIndex } from '../../scripts/snapshot-csv.js';
import { REPO_FIXTURES_DIR } from './cbs-fixtures.js';

/**
 * Two tables built from real CBS data that did not come as a whole OData table
 * (test/fixtures/cbs/README.md names each source; nothing here is made up):
 *
 * - 83631NED "Vestigingen van bedrijven; oprichtingen, bedrijfstak, regio": the
 *   TypedDataSet rows of the fixture are CBS's own (keys `T001081`, `CR01  `,
 *   `2007JJ00`, topic `OprichtingenVanVestigingen_1`). The dimension rows are
 *   not in the fixture, so: the SBI row `T001081` is the one 83583NED gives for
 *   that key; COROP titles are the names of data/corop/ (CBS Gebieden in
 *   Nederland 2024) with StatLine's " (CR)" suffix; `CR99` is "Niet in te delen"
 *   (the fixture README); `CR98`, empty in every year and without a known title,
 *   is left out. Period titles are the years; 2025 is provisional (CBS shows
 *   `2025*`), the status of the other years is not in the source (null).
 * - 82244NED "Faillissementen; bedrijven en instellingen, bedrijfstak (SBI 2008)":
 *   the monthly totals of SBI 49 "Vervoer over land" from the excerpt (2024-01 …
 *   2026-08). The excerpt has no `TypeGefailleerde` codes, so the table has no such
 *   dimension: the one topic is all declared bankruptcies (`total`). The SBI row is
 *   83583NED's for "49 Vervoer over land"; period keys are CBS's monthly form
 *   (`2026MM08`); the last two months are provisional (CBS revises them, README).
 *
 * Both are excerpts: the snapshot manifest says what they cover, and so does the card.
 */

type Raw = Record<string, unknown>;

const readJson = async (file: string): Promise<unknown> => JSON.parse(await readFile(file, 'utf8'));

async function sbiRow83583(title: RegExp): Promise<CbsDimensionRow> {
  const rows = (await readJson(path.join(REPO_FIXTURES_DIR, 'statline-bq/83583NED/BedrijfstakkenBranchesSBI2008.value.json'))) as Raw[];
  const r = rows.find((x) => title.test(String(x.Title)));
  if (!r) throw new Error(`83583NED has no SBI row ${title}`);
  const key = String(r.Key);
  return { key, keyTrimmed: key.trim(), title: String(r.Title).trim(), description: null, categoryGroupId: null };
}

function property(id: number, type: string, key: string, title: string, extra: Partial<CbsDataProperty> = {}): CbsDataProperty {
  return { id, position: id, parentId: null, type, key, title, description: null, ...extra };
}

async function coropTitles(): Promise<Map<string, string>> {
  const lines = (await readFile(COROP_FILE, 'utf8')).split('\n').slice(1).filter(Boolean);
  return new Map(lines.map((l) => csvFields(l)).map(([, , code, name]) => [code, `${name} (CR)`]));
}

export const FILE_83631 = path.join(REPO_FIXTURES_DIR, '83631NED/83631NED_corop.T001081.csv');

/** 83631NED from the fixture CSV; `modified` is the catalog date of that release (research: 2026-04-20). */
export async function build83631NED(modified = '2026-04-20T02:00:00'): Promise<CbsTableData> {
  const [header, ...lines] = (await readFile(FILE_83631, 'utf8')).split('\n').filter(Boolean);
  if (header !== 'ID,BedrijfstakkenBranchesSBI2008,RegioS,Perioden,OprichtingenVanVestigingen_1') throw new Error(`${FILE_83631}: unexpected header`);
  const names = await coropTitles();
  const sbi = await sbiRow83583(/^T001081$|^A-U Alle economische activiteiten/);
  const regions = new Map<string, CbsDimensionRow>();
  const periods = new Map<string, CbsDimensionRow>();
  const rows: CbsTableData['rows'] = [];
  for (const line of lines) {
    const [id, sbiKey, region, period, value] = line.split(',');
    const code = region.trim();
    if (code === 'CR98') continue;
    const title = code === 'CR99' ? 'Niet in te delen' : names.get(code);
    if (!title || sbiKey !== sbi.keyTrimmed) throw new Error(`${FILE_83631}: unknown region or SBI key in "${line}"`);
    regions.set(region, { key: region, keyTrimmed: code, title, description: null, categoryGroupId: null });
    const year = period.slice(0, 4);
    periods.set(period, { key: period, keyTrimmed: period, title: year, description: null, categoryGroupId: null, status: year === '2025' ? 'Voorlopig' : null });
    rows.push({ ID: Number(id), BedrijfstakkenBranchesSBI2008: sbi.key, RegioS: region, Perioden: period, OprichtingenVanVestigingen_1: value === '' ? null : Number(value) });
  }
  const title = 'Vestigingen van bedrijven; oprichtingen, bedrijfstak, regio';
  const data: CbsTableData = {
    tableId: '83631NED',
    info: { identifier: '83631NED', title, shortTitle: 'Oprichtingen van vestigingen; bedrijfstak, regio', modified, frequency: 'Perjaar', recordCount: rows.length },
    dataProperties: [
      property(1, 'Dimension', 'BedrijfstakkenBranchesSBI2008', 'Bedrijfstakken/branches (SBI 2008)'),
      property(2, 'GeoDimension', 'RegioS', "Regio's"),
      property(3, 'TimeDimension', 'Perioden', 'Perioden'),
      property(4, 'Topic', 'OprichtingenVanVestigingen_1', 'Oprichtingen van vestigingen', { unit: 'aantal', decimals: 0, datatype: 'Long' }),
    ],
    categoryGroups: [],
    dimensions: { BedrijfstakkenBranchesSBI2008: [sbi], RegioS: [...regions.values()], Perioden: [...periods.values()] },
    rows,
  };
  return parseTableData(data, FILE_83631);
}

export const FILE_82244 = path.join(REPO_FIXTURES_DIR, '82244NED/82244NED_sbi49.dashboard_data.excerpt.json');

const MONTHS = ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'];

/** 82244NED: SBI 49's monthly bankruptcies from the excerpt; `modified` per the research note (2026-09-11). */
export async function build82244NED(modified = '2026-09-11T02:00:00'): Promise<CbsTableData> {
  const excerpt = (await readJson(FILE_82244)) as { cbs_monthly: Record<string, { total: number }> };
  const sbi = await sbiRow83583(/^49 Vervoer over land/);
  const months = Object.keys(excerpt.cbs_monthly).sort();
  const provisional = new Set(months.slice(-2));
  const periods: CbsDimensionRow[] = months.map((ym) => {
    const [y, m] = ym.split('-');
    const key = `${y}MM${m}`;
    return { key, keyTrimmed: key, title: `${y} ${MONTHS[Number(m) - 1]}`, description: null, categoryGroupId: null, status: provisional.has(ym) ? 'Voorlopig' : null };
  });
  const rows = months.map((ym, i) => ({
    ID: i,
    BedrijfstakkenBranchesSBI2008: sbi.key,
    Perioden: periods[i].key,
    UitgesprokenFaillissementen_1: excerpt.cbs_monthly[ym].total,
  }));
  const title = 'Faillissementen; bedrijven en instellingen, bedrijfstak (SBI 2008)';
  const data: CbsTableData = {
    tableId: '82244NED',
    info: { identifier: '82244NED', title, shortTitle: 'Faillissementen; bedrijfstak', modified, frequency: 'Permaand', recordCount: rows.length },
    dataProperties: [
      property(1, 'Dimension', 'BedrijfstakkenBranchesSBI2008', 'Bedrijfstakken/branches (SBI 2008)'),
      property(2, 'TimeDimension', 'Perioden', 'Perioden'),
      property(3, 'Topic', 'UitgesprokenFaillissementen_1', 'Uitgesproken faillissementen', { unit: 'aantal', decimals: 0, datatype: 'Long' }),
    ],
    categoryGroups: [],
    dimensions: { BedrijfstakkenBranchesSBI2008: [sbi], Perioden: periods },
    rows,
  };
  return parseTableData(data, FILE_82244);
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
