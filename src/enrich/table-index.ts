import type { CbsTableVersion } from '../cbs/model.js';
import { categoryContains, deriveSbiCategories, type SbiCategory } from '../cbs/sbi-dimension.js';
import { deriveSizeClasses, type SizeClass, type SizeClassSet } from '../cbs/size-dimension.js';
import type { SbiEntry, SbiList } from './sbi-list.js';

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

export interface TableIndex {
  tableId: string;
  title: string;
  /** What the figures count, from the short title: "Banen van werknemers; …" → "banen". */
  noun: string;
  version: { versionId: number; source: 'snapshot' | 'odata'; loadedAt: string; modified: string | null };
  categories: SbiCategory[];
  /** SBI code (canonical) → the most specific category of this table that contains it. */
  bestCategory: Map<string, SbiCategory>;
  total: SbiCategory | undefined;
  sizes: SizeClassSet | undefined;
  totalSize: SizeClass | undefined;
  measure: Measure | undefined;
  latest: PeriodInfo | undefined;
  /** Latest-period value and the most recent non-empty one, for a category × size class (undefined size = the table has none). */
  cell(category: SbiCategory, size: SizeClass | undefined): { latest: CellValue | undefined; lastKnown: CellValue | undefined };
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

export function buildTableIndex(version: CbsTableVersion, list: SbiList): TableIndex | undefined {
  const table = version.data;
  const sbi = deriveSbiCategories(table);
  if (!sbi) return undefined;
  const sizes = deriveSizeClasses(table);
  const timeKey = table.dataProperties.find((p) => p.type === 'TimeDimension')?.key;
  const periods = (timeKey ? table.dimensions[timeKey] ?? [] : []).map((p) => ({ key: p.key, title: p.title.trim(), status: p.status ?? null }));
  periods.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const latest = periods.at(-1);

  const topic = sizes?.kind === 'topic' ? undefined : table.dataProperties.find((p) => p.type === 'Topic' && NUMERIC.test(p.datatype ?? 'Double'));
  const measureProp = topic ?? (sizes?.kind === 'topic' ? table.dataProperties.find((p) => p.key === sizes.classes[0].key) : undefined);
  const measure: Measure | undefined = measureProp
    ? {
        key: measureProp.key,
        title: sizes?.kind === 'topic' ? measureProp.title.replace(/\/.*$/, '').trim() : measureProp.title.trim(),
        unit: measureProp.unit?.trim() || null,
        multiplier: unitMultiplier(measureProp.unit),
      }
    : undefined;

  // Every other dimension pinned at its total; a table we cannot pin is not used for figures.
  const otherDims = table.dataProperties.filter(
    (p) => /Dimension$/.test(p.type) && p.key !== sbi.dimensionKey && p.key !== timeKey && p.key !== sizes?.dimensionKey,
  );
  const pinned: Array<[string, string]> = [];
  let pinnable = true;
  for (const d of otherDims) {
    const key = totalKeyOf(table.dimensions[d.key] ?? []);
    if (key === undefined) pinnable = false;
    else pinned.push([d.key, key]);
  }

  // (category key, size key, period key) → value
  const cells = new Map<string, number | null>();
  if (pinnable && timeKey) {
    for (const row of table.rows) {
      if (!pinned.every(([dim, key]) => row[dim] === key)) continue;
      const cat = String(row[sbi.dimensionKey]);
      const period = String(row[timeKey]);
      if (sizes?.kind === 'topic') {
        for (const c of sizes.classes) cells.set(`${cat}\u0000${c.key}\u0000${period}`, typeof row[c.key] === 'number' ? (row[c.key] as number) : null);
      } else if (measure) {
        const size = sizes ? String(row[sizes.dimensionKey!]) : '';
        const v = row[measure.key];
        cells.set(`${cat}\u0000${size}\u0000${period}`, typeof v === 'number' ? v : null);
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
    noun: ((table.info.shortTitle ?? table.info.title).trim().split(/[\s;,]+/)[0] ?? '').toLowerCase(),
    version: { versionId: version.versionId, source: version.source, loadedAt: version.loadedAt, modified: table.info.modified },
    categories: sbi.categories,
    bestCategory,
    total: sbi.categories.find((c) => c.level === 'total'),
    sizes,
    totalSize: sizes?.classes.find((c) => c.total),
    measure,
    latest,
    cell(category, size) {
      const sizeKey = size?.key ?? '';
      const at = (p: PeriodInfo): CellValue | undefined => {
        const v = cells.get(`${category.key}\u0000${sizeKey}\u0000${p.key}`);
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
  };
}
