/**
 * Builds snapshot tables from StatLine CSV exports (81589NED, 81575NED), which
 * carry titles, not the keys an OData response carries. What the model needs
 * beyond the titles is derived, never invented (test/fixtures/cbs/README.md):
 * - SBI keys: the key CBS gives the row with the same title in a real OData
 *   table (83583NED v3, padded; 82807NED v4, padded to the v3 width of 7). A row
 *   whose title no real table names is left out, and listed by the builder.
 * - Period keys: the CBS period key of the title (`2020 1e kwartaal*` → `2020KW01`,
 *   `2012*` → `2012JJ00`); a `*` is CBS's mark for provisional ("Voorlopig").
 * - Topic and region keys: the CSV's own column header or region title, because
 *   the export has no keys for them. A refresh replaces them with CBS's keys.
 * - DataProperties: one per CSV column or dimension, typed from the layout.
 * Cells are copied as they are; `.` (unknown or secret) and `-` (nil) become null.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CbsCell, CbsDataProperty, CbsDimensionRow, CbsTableData } from '../src/cbs/model.js';
import { parseTableData } from '../src/cbs/validate.js';

const clean = (s: string) => s.replace(/[\s\u00a0]+/g, ' ').trim();

/** One line of a `;`-separated file whose fields are quoted (a `;` inside quotes, as in "K-L Financiële diensten; onroerend goed", is text). */
function splitLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') {
      if (quoted && line[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = !quoted;
    } else if (ch === ';' && !quoted) {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

/** StatLine's CSV download: `;`-separated, every field quoted; a BOM is dropped. */
export function parseStatlineCsv(text: string): string[][] {
  return text
    .replace(/^\ufeff/, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map(splitLine);
}

/** Title → raw v3 key, from real CBS SBI dimensions (see the module comment). */
export type SbiKeyIndex = Map<string, string>;

export async function readSbiKeyIndex(fixturesDir: string): Promise<SbiKeyIndex> {
  const index: SbiKeyIndex = new Map();
  const v3 = JSON.parse(await readFile(path.join(fixturesDir, 'statline-bq/83583NED/BedrijfstakkenBranchesSBI2008.value.json'), 'utf8')) as Array<{
    Key: string;
    Title: string;
  }>;
  for (const row of v3) index.set(clean(row.Title), row.Key);
  const v4 = JSON.parse(await readFile(path.join(fixturesDir, 'statline-bq/82807NED_v4/BedrijfstakkenBranchesSBI2008Codes.value.json'), 'utf8')) as Array<{
    Identifier: string;
    Title: string;
  }>;
  for (const row of v4) {
    const title = clean(row.Title);
    // v3 pads the 6-digit keys to 7 characters; T00… totals are already 7.
    if (!index.has(title)) index.set(title, row.Identifier.padEnd(7, ' '));
  }
  return index;
}

/** `2020 1e kwartaal*` → 2020KW01, `2012*` → 2012JJ00 (CBS period keys); undefined for anything else. */
export function periodRow(title: string): CbsDimensionRow | undefined {
  const t = clean(title);
  const provisional = t.endsWith('*');
  const bare = t.replace(/\*$/, '');
  let key: string | undefined;
  let m = /^(\d{4}) ([1-4])e kwartaal$/.exec(bare);
  if (m) key = `${m[1]}KW0${m[2]}`;
  m = /^(\d{4})$/.exec(bare);
  if (m) key = `${m[1]}JJ00`;
  if (!key) return undefined;
  return { key, keyTrimmed: key, title: bare, description: null, categoryGroupId: null, status: provisional ? 'Voorlopig' : 'Definitief' };
}

/** A StatLine cell: digits (with padding) or a symbol (`.`, `-`, `x`) that means no number. */
export function cellValue(raw: string): CbsCell {
  const t = raw.trim();
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : null;
}

function sbiRows(titles: string[], keys: SbiKeyIndex, skipped: string[]): Map<string, CbsDimensionRow> {
  const out = new Map<string, CbsDimensionRow>();
  for (const title of titles) {
    const key = keys.get(clean(title));
    if (!key) {
      skipped.push(clean(title));
      continue;
    }
    out.set(title, { key, keyTrimmed: key.trim(), title: clean(title), description: null, categoryGroupId: null });
  }
  return out;
}

function property(id: number, type: string, key: string, title: string, extra: Partial<CbsDataProperty> = {}): CbsDataProperty {
  return { id, position: id, parentId: null, type, key, title, description: null, ...extra };
}

export interface CsvTable {
  data: CbsTableData;
  /** Titles left out because no real CBS table gives their key. */
  skipped: string[];
}

/**
 * 81589NED "Bedrijven; bedrijfstak" from a StatLine download: one row per SBI ×
 * period, one column per size class ("Bedrijfsgrootte/1 werkzaam persoon (aantal)").
 */
export async function build81589FromCsv(file: string, keys: SbiKeyIndex, meta: { title: string; modified: string | null }): Promise<CsvTable> {
  const [header, ...lines] = parseStatlineCsv(await readFile(file, 'utf8'));
  if (!/SBI 2008/.test(header[0]) || header[1] !== 'Perioden') throw new Error(`${file}: not a StatLine "SBI × Perioden" download`);
  const skipped: string[] = [];
  const sbi = sbiRows([...new Set(lines.map((l) => l[0]))], keys, skipped);
  const periods = new Map<string, CbsDimensionRow>();
  for (const l of lines) {
    const p = periodRow(l[1]);
    if (!p) throw new Error(`${file}: period "${l[1]}" is not a CBS quarter or year`);
    periods.set(l[1], p);
  }
  const topics = header.slice(2).map((h, i) => {
    const unit = /\(([^)]+)\)\s*$/.exec(h)?.[1] ?? null;
    const title = h.replace(/\s*\([^)]+\)\s*$/, '');
    return property(4 + i, 'Topic', h, title.replace(/^.*\//, ''), { parentId: 3, unit, decimals: 0, datatype: 'Long' });
  });
  const group = header[2].split('/')[0];
  const dataProperties = [
    property(1, 'Dimension', 'BedrijfstakkenBranchesSBI2008', clean(header[0])),
    property(2, 'TimeDimension', 'Perioden', 'Perioden'),
    { ...property(3, 'TopicGroup', '', group), position: null },
    ...topics,
  ];
  const rows: CbsTableData['rows'] = [];
  for (const l of lines) {
    const s = sbi.get(l[0]);
    if (!s) continue;
    const row: Record<string, CbsCell> = { ID: rows.length, BedrijfstakkenBranchesSBI2008: s.key, Perioden: periods.get(l[1])!.key };
    topics.forEach((t, i) => (row[t.key] = cellValue(l[2 + i])));
    rows.push(row);
  }
  const data: CbsTableData = {
    tableId: '81589NED',
    info: { identifier: '81589NED', title: meta.title, shortTitle: meta.title, modified: meta.modified, recordCount: rows.length },
    dataProperties,
    categoryGroups: [],
    dimensions: { BedrijfstakkenBranchesSBI2008: [...sbi.values()], Perioden: [...periods.values()] },
    rows,
  };
  return { data: parseTableData(data, file), skipped };
}

/** Regions of the 81575NED export that are not municipalities: landsdelen, provinces, COROP, GA, SG. */
const REGION_LEVEL = /\((LD|PV|CR|GA|SG)\)$/;

/**
 * 81575NED "Vestigingen van bedrijven; bedrijfstak, gemeente" from the
 * transposed StatLine export (Latin-1; lines: title, Onderwerpen, Regio's,
 * Perioden, unit, then one line per SBI row). Kept: Nederland and the
 * municipalities, for the latest period of the export (`periods: 'latest'`) or all.
 */
export async function build81575FromCsv(
  file: string,
  keys: SbiKeyIndex,
  meta: { modified: string | null; periods: 'latest' | 'all' },
): Promise<CsvTable> {
  const lines = parseStatlineCsv((await readFile(file)).toString('latin1'));
  const [titleLine, topicLine, regionLine, periodLine, unitLine, ...sbiLines] = lines;
  if (regionLine[0] !== "Regio's" || periodLine[0] !== 'Perioden') throw new Error(`${file}: not the transposed 81575NED export`);
  const width = regionLine.length;
  if ([topicLine, periodLine, unitLine, ...sbiLines].some((l) => l.length !== width)) throw new Error(`${file}: lines have different field counts`);
  const periodKeys = periodLine.slice(1).map((p) => {
    const row = periodRow(p);
    if (!row) throw new Error(`${file}: period "${p}" is not a CBS year`);
    return row;
  });
  const latestKey = periodKeys.map((p) => p.key).sort().at(-1)!;
  const keepPeriod = (p: CbsDimensionRow) => meta.periods === 'all' || p.key === latestKey;
  const keepRegion = (r: string) => r === 'Nederland' || (!REGION_LEVEL.test(r) && r !== 'Niet-gemeentelijk ingedeeld');
  const skipped: string[] = [];
  const sbi = sbiRows(
    sbiLines.map((l) => l[0]),
    keys,
    skipped,
  );
  const topic = clean(topicLine[1]);
  const unit = clean(unitLine[1]);
  const regions = new Map<string, CbsDimensionRow>();
  const periods = new Map<string, CbsDimensionRow>();
  const rows: CbsTableData['rows'] = [];
  for (const l of sbiLines) {
    const s = sbi.get(l[0]);
    if (!s) continue;
    for (let col = 1; col < width; col++) {
      const region = clean(regionLine[col]);
      const period = periodKeys[col - 1];
      if (!keepRegion(region) || !keepPeriod(period)) continue;
      if (!regions.has(region)) {
        regions.set(region, { key: region, keyTrimmed: region, title: region, description: null, categoryGroupId: null });
      }
      periods.set(period.key, period);
      rows.push({ ID: rows.length, BedrijfstakkenBranchesSBI2008: s.key, RegioS: region, Perioden: period.key, [topic]: cellValue(l[col]) });
    }
  }
  const data: CbsTableData = {
    tableId: '81575NED',
    info: { identifier: '81575NED', title: clean(titleLine[0]), shortTitle: clean(titleLine[0]), modified: meta.modified, recordCount: rows.length },
    dataProperties: [
      property(1, 'Dimension', 'BedrijfstakkenBranchesSBI2008', clean(unitLine[0])),
      property(2, 'GeoDimension', 'RegioS', "Regio's"),
      property(3, 'TimeDimension', 'Perioden', 'Perioden'),
      property(4, 'Topic', topic, topic, { unit, decimals: 0, datatype: 'Long' }),
    ],
    categoryGroups: [],
    dimensions: { BedrijfstakkenBranchesSBI2008: [...sbi.values()], RegioS: [...regions.values()], Perioden: [...periods.values()] },
    rows,
  };
  return { data: parseTableData(data, file), skipped };
}
