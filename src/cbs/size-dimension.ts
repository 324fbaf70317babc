import type { CbsTableData } from './model.js';

/**
 * The size classes ("werkzame personen") a table carries, as numeric ranges
 * parsed from the titles, because keys differ per table and titles are untidy
 * (`"0  tot 10 werkzame personen"`, `"50  tot 100 werkzame personens"`).
 * Two layouts exist: a `Bedrijfsgrootte` dimension (83583NED) or one topic
 * column per class (81589NED: `"1 werkzaam persoon"`, …, cumulative `"0 tot 50"`).
 */

export interface SizeClass {
  /** Dimension key (raw, padded) or topic key. */
  key: string;
  keyTrimmed: string;
  /** Whitespace-normalised title with CBS's one known typo ("personens") corrected. */
  title: string;
  /** Inclusive lower bound of persons employed. */
  min: number;
  /** Inclusive upper bound; null = no upper bound. */
  max: number | null;
  /** "Totaal": all sizes. */
  total: boolean;
  /** Overlaps finer classes of the same table (`0 tot 50` next to `20 tot 50`): never add it to them. */
  cumulative: boolean;
}

export interface SizeClassSet {
  kind: 'dimension' | 'topic';
  /** The dimension key (`Bedrijfsgrootte`) for kind 'dimension'. */
  dimensionKey?: string;
  classes: SizeClass[];
}

export function sizeTitle(raw: string): string {
  return raw
    .replace(/[\s\u00a0]+/g, ' ')
    .trim()
    .replace(/\bpersonens\b/g, 'personen');
}

const PERSONS = '(?:werkza(?:am|me)\\s+perso(?:on|nen|nens)|werknemers?|wp)';

/** `{min, max}` for a size title, `'total'` for "Totaal…", undefined when it is not a size class. */
export function parseSizeTitle(raw: string): { min: number; max: number | null } | 'total' | undefined {
  const t = sizeTitle(raw)
    .toLowerCase()
    .replace(/^.*\//, '')
    .replace(/\s*\((?:aantal|x 1 000)\)\s*$/, '');
  if (/^totaal\b/.test(t)) return 'total';
  let m = new RegExp(`^(\\d+)\\s*tot\\s*(\\d+)(?:\\s+${PERSONS})?$`).exec(t);
  if (m) {
    const min = Number(m[1]);
    const max = Number(m[2]) - 1;
    return max >= min ? { min, max } : undefined;
  }
  m = new RegExp(`^(\\d+)\\s+(?:${PERSONS}\\s+)?of\\s+meer(?:\\s+${PERSONS})?$`).exec(t);
  if (m) return { min: Number(m[1]), max: null };
  m = new RegExp(`^(\\d+)\\s+${PERSONS}$`).exec(t);
  if (m) return { min: Number(m[1]), max: Number(m[1]) };
  return undefined;
}

function markCumulative(classes: SizeClass[]): SizeClass[] {
  const finite = (c: SizeClass) => c.max ?? Number.POSITIVE_INFINITY;
  return classes.map((c) => {
    if (c.total) return c;
    const inside = classes.filter(
      (o) => o !== c && !o.total && o.min >= c.min && finite(o) <= finite(c) && (o.min !== c.min || finite(o) !== finite(c)),
    );
    return inside.length >= 2 ? { ...c, cumulative: true } : c;
  });
}

/** The table's size classes, or undefined when it has none. */
export function deriveSizeClasses(table: CbsTableData): SizeClassSet | undefined {
  for (const p of table.dataProperties) {
    if (p.type !== 'Dimension' || !/grootte/i.test(p.key)) continue;
    const classes: SizeClass[] = [];
    for (const row of table.dimensions[p.key] ?? []) {
      const parsed = parseSizeTitle(row.title);
      if (!parsed) continue;
      classes.push({
        key: row.key,
        keyTrimmed: row.keyTrimmed,
        title: sizeTitle(row.title),
        ...(parsed === 'total' ? { min: 0, max: null, total: true } : { ...parsed, total: false }),
        cumulative: false,
      });
    }
    if (classes.some((c) => !c.total)) return { kind: 'dimension', dimensionKey: p.key, classes: markCumulative(classes) };
  }
  const topics: SizeClass[] = [];
  for (const p of table.dataProperties) {
    if (p.type !== 'Topic') continue;
    const parsed = parseSizeTitle(p.title);
    if (!parsed) continue;
    const range = parsed === 'total' ? { min: 0, max: null, total: true } : { ...parsed, total: false };
    topics.push({ key: p.key, keyTrimmed: p.key.trim(), title: sizeTitle(p.title), ...range, cumulative: false });
  }
  // A lone "Totaal …" topic is just a measure; size columns make it the all-sizes column.
  if (topics.filter((c) => !c.total).length >= 2) return { kind: 'topic', classes: markCumulative(topics) };
  return undefined;
}
