import type { CbsTableVersion } from '../cbs/model.js';
import { categoryContains, deriveSbiCategories, type SbiCategory } from '../cbs/sbi-dimension.js';
import { deriveSizeClasses, type SizeClass, type SizeClassSet } from '../cbs/size-dimension.js';
import type { SbiEntry, SbiList, SbiSystem } from './sbi-list.js';
import { loadSbi2025List } from './sbi2025-list.js';

/**
 * Everything the engine needs from one stored CBS table, computed once per
 * table version: the best SBI category for every code of the SBI list, the
 * size classes, the measure, the latest period and a cell lookup.
 */

export interface PeriodInfo {
  key: string;
  title: string;
  status: string | null;
}

export interface Measure {
  key: string;
  title: string;
  unit: string | null;
  /** `x 1 000` → 1000: value × multiplier = the count. */
  multiplier: number;
}

export interface CellValue {
  value: number | null;
  period: PeriodInfo;
}

/** A region row of the table (a municipality or the country), for figures scoped to the lead's municipality. */
export interface RegionRow {
  key: string;
  /** The municipality code when the key is one (`GM0363`); null when the table keys regions otherwise. */
  code: string | null;
  title: string;
}

export interface IndexOptions {
  /** The topic (measure) to read; default: the table's first numeric topic. */
  topic?: string;
  /** Keep the region dimension open (cells per municipality) instead of pinning it at the country. */
  regional?: boolean;
}

export interface TableIndex {
  tableId: string;
  title: string;
  /** What the figures count, from the short title: "Banen van werknemers; …" → "banen". */
  noun: string;
  version: { versionId: number; source: 'snapshot' | 'odata'; loadedAt: string; modified: string | null };
  /** The list the table's SBI dimension is in (`BedrijfstakkenBranchesSBI2008` / `…SBI2025`). */
  system: SbiSystem;
  categories: SbiCategory[];
  /** SBI code (canonical) → the most specific category of this table that contains it. */
  bestCategory: Map<string, SbiCategory>;
  total: SbiCategory | undefined;
  sizes: SizeClassSet | undefined;
  totalSize: SizeClass | undefined;
  measure: Measure | undefined;
  latest: PeriodInfo | undefined;
  /** Regional indexes only: the table's municipality (or COROP region, `CR17`) for a code or name. */
  region?: (place: { code: string; name: string }) => RegionRow | undefined;
  /** Regional indexes only: the country row (`NL01`, "Nederland"), when the table has one. */
  country?: RegionRow;
  /** Latest-period value and the most recent non-empty one, for a category × size class (undefined size = the table has none) × region (regional indexes). */
  cell(
    category: SbiCategory,
    size: SizeClass | undefined,
    region?: RegionRow,
  ): { latest: CellValue | undefined; lastKnown: CellValue | undefined };
  /** Every period's value of that cell, oldest first (periods without a row left out): the trend's input. */
  history(category: SbiCategory, size: SizeClass | undefined, region?: RegionRow): CellValue[];
}

/** Municipality names compared without case, accents or spacing ("Súdwest-Fryslân" = "sudwest-fryslan"). */
export function placeName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\s\u00a0]+/g, ' ')
    .trim()
    .toLowerCase();
}

/** Region rows that are provinces, COROP areas and the like carry a level suffix (`Utrecht (PV)`) or a non-GM key. */
const NOT_MUNICIPALITY = /\((LD|PV|CR|GA|SG|LG|RE|GR)\)$/;

function regionLookup(rows: Array<{ key: string; keyTrimmed: string; title: string }>): (place: { code: string; name: string }) => RegionRow | undefined {
  const byCode = new Map<string, RegionRow>();
  const byName = new Map<string, RegionRow>();
  // StatLine tells equal names apart with a suffix ("Utrecht (gemeente)", "Hengelo (O.)"); without it, if unique.
  const byBase = new Map<string, RegionRow | null>();
  for (const r of rows) {
    // Municipalities (GM0344) and COROP regions (CR17) are found by their code.
    const gm = /^(GM\d{4}|CR\d{2})$/.test(r.keyTrimmed);
    const row: RegionRow = { key: r.key, code: gm ? r.keyTrimmed : null, title: r.title.trim() };
    if (gm) byCode.set(r.keyTrimmed, row);
    const other = /^[A-Z]{2}\d/.test(r.keyTrimmed) && !gm;
    if (other || NOT_MUNICIPALITY.test(row.title)) continue;
    byName.set(placeName(row.title), row);
    const base = placeName(row.title.replace(/\s*\([^)]*\)$/, ''));
    byBase.set(base, byBase.has(base) ? null : row);
  }
  return (place) => byCode.get(place.code) ?? byName.get(placeName(place.name)) ?? byBase.get(placeName(place.name)) ?? undefined;
}

function countryRow(rows: Array<{ key: string; keyTrimmed: string; title: string }>): RegionRow | undefined {
  const r = rows.find((x) => /^NL\d{2}$/.test(x.keyTrimmed) || /^nederland$/i.test(x.title.trim()));
  return r ? { key: r.key, code: null, title: r.title.trim() } : undefined;
}

const LEVEL_RANK: Record<SbiCategory['level'], number> = { total: 0, section: 1, division: 2, group: 3, class: 4, subclass: 5 };

/** Deeper level first; at the same level a real code beats an aggregate, then the narrower range wins. */
function moreSpecific(a: SbiCategory, b: SbiCategory): boolean {
  if (LEVEL_RANK[a.level] !== LEVEL_RANK[b.level]) return LEVEL_RANK[a.level] > LEVEL_RANK[b.level];
  if (a.aggregate !== b.aggregate) return !a.aggregate;
  return a.width < b.width;
}

export function bestCategoryFor(categories: SbiCategory[], entry: SbiEntry): SbiCategory | undefined {
  let best: SbiCategory | undefined;
  for (const c of categories) {
    if (!categoryContains(c, entry.digits, entry.section)) continue;
    if (!best || moreSpecific(c, best)) best = c;
  }
  return best;
}

function unitMultiplier(unit: string | null | undefined): number {
  const m = /^x\s*([\d\s.]+)$/i.exec((unit ?? '').trim());
  if (!m) return 1;
  const n = Number(m[1].replace(/[\s.]/g, ''));
  return Number.isFinite(n) && n > 0 ? n : 1;
}

const NUMERIC = /^(double|float|long|integer|decimal|int)/i;

/** Other dimensions (regions, …) are held at their total so the figure stays national. */
function totalKeyOf(rows: Array<{ key: string; keyTrimmed: string; title: string }>): string | undefined {
  return (rows.find((r) => /^T0/.test(r.keyTrimmed)) ?? rows.find((r) => /^(totaal|nederland)\b/i.test(r.title.trim())))?.key;
}

/** The SBI list per system: a table is indexed by the list its dimension is in. A lone list is SBI 2008 (SBI 2025 then the bundled one). */
export type IndexLists = SbiList | { SBI2008: SbiList; SBI2025: SbiList };

export function buildTableIndex(version: CbsTableVersion, lists: IndexLists, options: IndexOptions = {}): TableIndex | undefined {
  const table = version.data;
  const sbi = deriveSbiCategories(table);
  if (!sbi) return undefined;
  const list = 'entries' in lists ? (sbi.system === 'SBI2008' ? lists : loadSbi2025List()) : lists[sbi.system];
  const sizes = deriveSizeClasses(table);
  const timeKey = table.dataProperties.find((p) => p.type === 'TimeDimension')?.key;
  const periods = (timeKey ? table.dimensions[timeKey] ?? [] : []).map((p) => ({ key: p.key, title: p.title.trim(), status: p.status ?? null }));
  periods.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const latest = periods.at(-1);

  const isTopic = (p: { type: string; key: string; datatype?: string | null }) =>
    p.type === 'Topic' && (options.topic ? p.key.trim() === options.topic.trim() : NUMERIC.test(p.datatype ?? 'Double'));
  const topic = sizes?.kind === 'topic' ? undefined : table.dataProperties.find(isTopic);
  const measureProp = topic ?? (sizes?.kind === 'topic' ? table.dataProperties.find((p) => p.key === sizes.classes[0].key) : undefined);
  const shortTitle = (table.info.shortTitle ?? table.info.title).trim();
  const measure: Measure | undefined = measureProp
    ? {
        key: measureProp.key,
        // Size classes as topic columns (81589NED): the measure is what the table counts, per class.
        title: sizes?.kind === 'topic' ? shortTitle.split(';')[0].trim() : measureProp.title.trim(),
        unit: measureProp.unit?.trim() || null,
        multiplier: unitMultiplier(measureProp.unit),
      }
    : undefined;

  // Every other dimension pinned at its total; a table we cannot pin is not used for figures.
  const geoKey = options.regional ? table.dataProperties.find((p) => p.type === 'GeoDimension' || /^Regio/i.test(p.key))?.key : undefined;
  const otherDims = table.dataProperties.filter(
    (p) => /Dimension$/.test(p.type) && p.key !== sbi.dimensionKey && p.key !== timeKey && p.key !== sizes?.dimensionKey && p.key !== geoKey,
  );
  const pinned: Array<[string, string]> = [];
  let pinnable = true;
  for (const d of otherDims) {
    const key = totalKeyOf(table.dimensions[d.key] ?? []);
    if (key === undefined) pinnable = false;
    else pinned.push([d.key, key]);
  }

  // (category key, size key, region key, period key) → value
  const cells = new Map<string, number | null>();
  if (pinnable && timeKey && (!options.regional || geoKey)) {
    for (const row of table.rows) {
      if (!pinned.every(([dim, key]) => row[dim] === key)) continue;
      const cat = String(row[sbi.dimensionKey]);
      const period = String(row[timeKey]);
      const region = geoKey ? String(row[geoKey]) : '';
      if (sizes?.kind === 'topic') {
        for (const c of sizes.classes) {
          cells.set(`${cat}\u0000${c.key}\u0000${region}\u0000${period}`, typeof row[c.key] === 'number' ? (row[c.key] as number) : null);
        }
      } else if (measure) {
        const size = sizes ? String(row[sizes.dimensionKey!]) : '';
        const v = row[measure.key];
        cells.set(`${cat}\u0000${size}\u0000${region}\u0000${period}`, typeof v === 'number' ? v : null);
      }
    }
  }

  const bestCategory = new Map<string, SbiCategory>();
  for (const entry of list.entries) {
    const c = bestCategoryFor(sbi.categories, entry);
    if (c) bestCategory.set(entry.code, c);
  }

  return {
    tableId: table.tableId,
    title: table.info.title.trim(),
    noun: (shortTitle.split(/[\s;,]+/)[0] ?? '').toLowerCase(),
    version: { versionId: version.versionId, source: version.source, loadedAt: version.loadedAt, modified: table.info.modified },
    system: sbi.system,
    categories: sbi.categories,
    bestCategory,
    total: sbi.categories.find((c) => c.level === 'total'),
    sizes,
    totalSize: sizes?.classes.find((c) => c.total),
    measure,
    latest,
    region: geoKey ? regionLookup(table.dimensions[geoKey] ?? []) : undefined,
    country: geoKey ? countryRow(table.dimensions[geoKey] ?? []) : undefined,
    cell(category, size, region) {
      const prefix = `${category.key}\u0000${size?.key ?? ''}\u0000${region?.key ?? ''}\u0000`;
      const at = (p: PeriodInfo): CellValue | undefined => {
        const v = cells.get(prefix + p.key);
        return v === undefined ? undefined : { value: v, period: p };
      };
      const latestCell = latest ? at(latest) : undefined;
      let lastKnown: CellValue | undefined;
      for (let i = periods.length - 1; i >= 0 && !lastKnown; i--) {
        const c = at(periods[i]);
        if (c && c.value !== null) lastKnown = c;
      }
      return { latest: latestCell, lastKnown };
    },
    history(category, size, region) {
      const prefix = `${category.key}\u0000${size?.key ?? ''}\u0000${region?.key ?? ''}\u0000`;
      const out: CellValue[] = [];
      for (const p of periods) {
        const v = cells.get(prefix + p.key);
        if (v !== undefined) out.push({ value: v, period: p });
      }
      return out;
    },
  };
}
