import type { CbsTableVersion } from '../cbs/model.js';
import type { SnapshotNote } from '../cbs/snapshot.js';
import type { SbiCategory } from '../cbs/sbi-dimension.js';
import type { SizeClass } from '../cbs/size-dimension.js';
import type { CoropRegion } from './corop.js';
import { FIGURE_LABELS, type FigureSpec } from './figure-spec.js';
import type { PlaceResolution } from './postcode.js';
import type { ConfiguredFigure, Figure, SizeClassResult } from './result.js';
import type { SectorResolution } from './sector.js';
import type { SbiEntry } from './sbi-list.js';
import { matchSizeClass, type EmployeeRange, type SizeClassMatch } from './size-class.js';
import { buildTableIndex, type IndexLists, type RegionRow, type TableIndex } from './table-index.js';
import { trendOf } from './trend.js';

/**
 * The configured card figures (figure-spec.ts): per figure, its table's index
 * (with the configured topic, regional when the figure is per municipality),
 * and the answer for a lead: the cell of its SBI category (walking up the SBI
 * hierarchy to the level the table has), its size class in THIS table's own
 * classes, and its municipality; or the reason there is no figure.
 */

export interface FigureIndex {
  spec: FigureSpec;
  index: TableIndex | undefined;
  /** What the bundled snapshot's manifest says about the table: no copy (why), or an excerpt (what it covers). */
  note?: SnapshotNote;
}

/** One index per figure; a national figure on the table's default topic shares the index already built for its market. */
export function buildFigureIndexes(
  specs: FigureSpec[],
  tables: CbsTableVersion[],
  list: IndexLists,
  built: TableIndex[] = [],
  notes: ReadonlyMap<string, SnapshotNote> = new Map(),
): FigureIndex[] {
  return specs.map((spec) => {
    const same = (id: string) => id.toUpperCase() === spec.tableId.toUpperCase();
    const note = notes.get(spec.tableId.toUpperCase());
    const shared = !spec.topic && spec.scope === 'national' ? built.find((ix) => same(ix.tableId)) : undefined;
    if (shared) return note ? { spec, index: shared, note } : { spec, index: shared };
    const version = tables.find((t) => same(t.tableId));
    const index = version ? buildTableIndex(version, list, { topic: spec.topic, regional: spec.scope !== 'national' }) : undefined;
    return note ? { spec, index, note } : { spec, index };
  });
}

/** The lead's code in the list a table is classified by: an SBI 2025 table by the answer, an SBI 2008 table by its SBI 2008 code. */
export function codeFor(index: TableIndex, sector: SectorResolution | undefined): SbiEntry | null {
  if (!sector) return null;
  return index.system === 'SBI2025' ? sector.sbi2025 : sector.sbi2008;
}

const rounded = (n: number) => Math.round(n * 1000) / 1000;

/** The cell of one category × size class (× region) as a Figure; null when the table has no such cell at all. */
export function tableFigure(index: TableIndex, category: SbiCategory, size: SizeClass | undefined, region?: RegionRow): Figure | null {
  if (!index.measure) return null;
  const { latest, lastKnown } = index.cell(category, size, region);
  if (!latest && !lastKnown) return null;
  const m = index.measure.multiplier;
  const value = latest?.value ?? null;
  // A regional figure also gives the country's cell, for scale, when the table has a country row.
  const country = region && index.country ? index.cell(category, size, index.country).latest : undefined;
  return {
    tableId: index.tableId,
    noun: index.noun,
    measure: index.measure.title,
    unit: index.measure.unit,
    value,
    count: value === null ? null : rounded(value * m),
    status: value === null ? 'unavailable' : 'available',
    sbi: { key: category.keyTrimmed, code: category.code, title: category.title },
    size: size ? { key: size.keyTrimmed, title: size.title } : null,
    period: latest?.period ?? index.latest ?? null,
    ...(region ? { region: { key: region.key, code: region.code, title: region.title } } : {}),
    ...(country ? { national: { value: country.value, count: country.value === null ? null : rounded(country.value * m), period: country.period } } : {}),
    lastKnown:
      value === null && lastKnown && lastKnown.value !== null
        ? { value: lastKnown.value, count: rounded(lastKnown.value * m), period: lastKnown.period }
        : null,
  };
}

/** The lead's size in one table's own classes (null when the table has no size classes). */
export function tableSizeClass(index: TableIndex, size: EmployeeRange | undefined): { match: SizeClassMatch | undefined; result: SizeClassResult | null } {
  const match = index.sizes && size ? matchSizeClass(size, index.sizes.classes) : undefined;
  const result = index.sizes
    ? {
        tableId: index.tableId,
        status: match?.status ?? ('unknown' as const),
        classes: (match?.classes ?? []).map((c) => ({ key: c.keyTrimmed, title: c.title, min: c.min, max: c.max })),
      }
    : null;
  return { match, result };
}

export interface LeadContext {
  sector: SectorResolution | undefined;
  size: EmployeeRange | undefined;
  place: PlaceResolution | undefined;
  /** Why there is no place, when a postcode was given but not resolved. */
  placeProblem: string | undefined;
  /** The municipality's COROP region (data/corop/), for figures per COROP region. */
  corop?: CoropRegion;
}

export function configuredFigure({ spec, index, note }: FigureIndex, lead: LeadContext): ConfiguredFigure {
  // An excerpt in the bundled snapshot says what it covers until a refresh replaces it with the whole table.
  const covers = index?.version.source === 'snapshot' ? (note?.covers ?? null) : null;
  // With size classes as topic columns the topic is the lead's class column, known only once the class is.
  const topicProp = index?.sizes?.kind === 'topic' ? undefined : index?.measure;
  const base = {
    id: spec.id,
    label: FIGURE_LABELS[spec.id],
    scope: spec.scope,
    tableId: spec.tableId,
    sizeClass: null,
    figure: null,
    trend: null,
    provenance: {
      tableId: index?.tableId ?? spec.tableId,
      title: index?.title ?? null,
      topic: topicProp ? { key: topicProp.key, title: topicProp.title } : null,
      unit: index?.measure?.unit ?? null,
      period: index?.latest?.title ?? null,
      modified: index?.version.modified ?? null,
      source: index?.version.source ?? null,
      sbiSystem: index?.system ?? null,
      covers,
    },
  } satisfies Omit<ConfiguredFigure, 'status' | 'reason'>;
  const none = (status: ConfiguredFigure['status'], reason: string, extra: Partial<ConfiguredFigure> = {}): ConfiguredFigure => ({
    ...base,
    status,
    reason,
    ...extra,
  });
  if (!index && note?.absent) return none('after_refresh', `after the first refresh from CBS: ${note.absent}`);
  if (!index) return none('no_table', `table ${spec.tableId} is not loaded (CBS_TABLES, snapshot or refresh)`);
  if (!index.measure) return none('no_table', `table ${spec.tableId} has no numeric topic${spec.topic ? ` ${spec.topic}` : ''}`);

  const { match, result: sizeClass } = tableSizeClass(index, lead.size);
  if (!lead.sector) return none('no_sector', 'the lead has no SBI sector', { sizeClass });
  const code = codeFor(index, lead.sector);
  const system = index.system === 'SBI2025' ? 'SBI 2025' : 'SBI 2008';
  if (!code) return none('no_sector', `the lead's sector has no single ${system} code, which ${index.tableId} is classified by`, { sizeClass });
  const category = index.bestCategory.get(code.code);
  if (!category && covers) {
    return none('after_refresh', `after the first refresh from CBS: the bundled copy of ${index.tableId} covers ${covers}, not ${system} ${code.code}`, { sizeClass });
  }
  if (!category) return none('no_sector', `${index.tableId} has no row for ${system} ${code.code} or a level above it`, { sizeClass });

  let region: RegionRow | undefined;
  if (spec.scope === 'municipality') {
    if (!lead.place) return none('no_region', lead.placeProblem ?? 'the lead has no postcode', { sizeClass });
    region = index.region?.(lead.place);
    if (!region) {
      return none('no_region', `${index.tableId} has no municipality ${lead.place.name} (${lead.place.code}) in its regions`, { sizeClass });
    }
  } else if (spec.scope === 'corop') {
    if (!lead.place) return none('no_region', lead.placeProblem ?? 'the lead has no postcode', { sizeClass });
    if (!lead.corop) {
      // The PC4 list has the municipalities of 2020, the COROP list those of 2024: a municipality merged since is in neither's successor.
      return none('no_region', `municipality ${lead.place.name} (${lead.place.code}) is not in the COROP list of 2024, nor is a successor known`, { sizeClass });
    }
    region = index.region?.({ code: lead.corop.code, name: lead.corop.name });
    if (!region) return none('no_region', `${index.tableId} has no COROP region ${lead.corop.name} (${lead.corop.code}) in its regions`, { sizeClass });
  }

  // The lead's own class when it falls in one; otherwise all sizes (when the table has that column).
  const own = match?.status === 'matched' ? match.classes[0] : undefined;
  const size = index.sizes ? (own ?? index.totalSize) : undefined;
  if (index.sizes && !size) {
    const why = !lead.size ? 'the lead has no employee count' : `the lead's size falls in ${match?.classes.length ?? 0} of ${index.tableId}'s classes`;
    return none('no_size', `${why}, and ${index.tableId} has no all-sizes column`, { sizeClass });
  }
  const figure = tableFigure(index, category, size, region);
  if (!figure) return none('unavailable', `${index.tableId} has no cell for ${category.code}`, { sizeClass });
  return {
    ...base,
    status: figure.status,
    reason: figure.status === 'available' ? null : `${index.tableId} publishes no value for ${category.code} in ${figure.period?.title ?? 'the latest period'}`,
    sizeClass,
    figure,
    trend: trendOf(index.history(category, size, region)),
    provenance: {
      ...base.provenance,
      // Size classes as topic columns (81589NED): the number comes from the class's own column.
      topic: index.sizes?.kind === 'topic' && size ? { key: size.key, title: size.title } : base.provenance.topic,
      period: figure.period?.title ?? base.provenance.period,
    },
  };
}
