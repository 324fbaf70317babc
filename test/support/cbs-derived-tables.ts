import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CbsDataProperty, CbsDimensionRow, CbsTableData } from '../../src/cbs/model.js';
import { parseTableData } from '../../src/cbs/validate.js';
import { COROP_FILE } from '../../src/enrich/corop.js';
import { csvFields } from '../../src/enrich/postcode.js';
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
