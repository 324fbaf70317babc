import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CBS_SOURCE_LINE } from '../cbs/model.js';

/**
 * The enrichment result: the lead-card fields of DESIGN.md (structured, named
 * as on the card) plus every table's market context and the provenance. It is
 * stored as JSON by the job pipeline and shown by /v1/lookup, so everything in
 * it is plain data (no Infinity, no Dates).
 */

const Period = z.object({ key: z.string(), title: z.string(), status: z.string().nullable() });

const SbiLevel = z.enum(['section', 'division', 'group', 'class', 'subclass']);
const CategoryLevel = z.enum(['total', 'section', 'division', 'group', 'class', 'subclass']);

/** Which list a code is in. Results stored before SBI 2025 have no system: their codes are SBI 2008. */
const SbiSystemSchema = z.enum(['SBI2008', 'SBI2025']);
const CodeRef = z.object({ code: z.string(), title: z.string() });

const SizeClassRef = z.object({ key: z.string(), title: z.string(), min: z.number(), max: z.number().nullable() });

export const FigureSchema = z.object({
  tableId: z.string(),
  /** First word of the table's short title: "banen", "bedrijven". */
  noun: z.string(),
  measure: z.string(),
  unit: z.string().nullable(),
  /** The cell as CBS gives it (in `unit`); null = empty or suppressed. */
  value: z.number().nullable(),
  /** value × the unit's multiplier (`x 1 000`): the count itself. */
  count: z.number().nullable(),
  status: z.enum(['available', 'unavailable']),
  sbi: z.object({ key: z.string(), code: z.string(), title: z.string() }),
  size: z.object({ key: z.string(), title: z.string() }).nullable(),
  period: Period.nullable(),
  /** The municipality the figure is for (regional figures); null = national. */
  region: z.object({ key: z.string(), code: z.string().nullable(), title: z.string() }).nullable().optional(),
  /** Regional figures: the same cell for the whole country, when the table has a country row. */
  national: z.object({ value: z.number().nullable(), count: z.number().nullable(), period: Period.nullable() }).nullable().optional(),
  /** The most recent period with a value, when the latest one has none. */
  lastKnown: z.object({ value: z.number(), count: z.number(), period: Period }).nullable(),
});
export type Figure = z.infer<typeof FigureSchema>;

export const SizeClassResultSchema = z.object({
  tableId: z.string(),
  status: z.enum(['matched', 'straddles', 'none', 'unknown']),
  classes: z.array(SizeClassRef),
});

export type SizeClassResult = z.infer<typeof SizeClassResultSchema>;

export const MarketSchema = z.object({
  tableId: z.string(),
  title: z.string(),
  /** The list the table is classified by, so the code its row was found with (absent before SBI 2025: SBI 2008). */
  sbiSystem: SbiSystemSchema.optional(),
  source: z.enum(['snapshot', 'odata']),
  versionId: z.number(),
  loadedAt: z.string(),
  modified: z.string().nullable(),
  /** The most specific category of this table containing the lead's code; `level` says which level matched. */
  sbiCategory: z
    .object({ key: z.string(), code: z.string(), title: z.string(), level: CategoryLevel, aggregate: z.boolean() })
    .nullable(),
  /** null when the table has no size classes. */
  sizeClass: SizeClassResultSchema.nullable(),
  period: Period.nullable(),
  /** sector × size class; null when either is unknown or the size straddles classes. */
  segment: FigureSchema.nullable(),
  /** sector × all sizes. */
  sector: FigureSchema.nullable(),
  /** all sectors (A-U) × all sizes, for scale. */
  national: FigureSchema.nullable(),
});
export type Market = z.infer<typeof MarketSchema>;

/** Where a configured figure comes from: table, topic, unit, period and CBS's `Modified` of the version served. */
export const FigureProvenanceSchema = z.object({
  tableId: z.string(),
  title: z.string().nullable(),
  topic: z.object({ key: z.string(), title: z.string() }).nullable(),
  unit: z.string().nullable(),
  period: z.string().nullable(),
  modified: z.string().nullable(),
  source: z.enum(['snapshot', 'odata']).nullable(),
  /** The list the table is classified by, so the code the figure was looked up with. */
  sbiSystem: SbiSystemSchema.nullable().optional(),
  /** The bundled copy is an excerpt: what it covers (e.g. "alle sectoren (A-U) per COROP-regio"); null for a whole table. */
  covers: z.string().nullable().default(null),
});

/** One period of a trend series: its value as CBS gives it (in the figure's unit), and whether CBS still calls it provisional. */
export const TrendPointSchema = z.object({ period: Period, value: z.number().nullable(), provisional: z.boolean() });
export type TrendPoint = z.infer<typeof TrendPointSchema>;

/** A value over one period (yearly, quarterly) or a run of months (rolling 12 months: from … to). */
const TrendValue = z.object({ label: z.string(), from: Period, to: Period, value: z.number() });

/** Is the sector growing: the latest value against a year earlier (or 12 months against the 12 before), and the last five periods (src/enrich/trend.ts). */
export const TrendSchema = z.object({
  kind: z.enum(['year_on_year', 'rolling_12_months']),
  current: TrendValue,
  /** Same quarter or month a year earlier, or the 12 months before; null when the table has no value there. */
  previous: TrendValue.nullable(),
  change: z.number().nullable(),
  /** One decimal; null without a previous value or when it is 0. */
  changePercent: z.number().nullable(),
  /** True when a period the change reads is provisional (voorlopig / nader voorlopig). */
  provisional: z.boolean(),
  /** Which periods are provisional, or why there is no change (Dutch, for the card). */
  note: z.string().nullable(),
  /** The last five periods of the table's frequency, oldest first, ending at `current`. */
  series: z.array(TrendPointSchema),
});
export type Trend = z.infer<typeof TrendSchema>;

/** One configured card figure (CBS_FIGURES): the value when there is one, otherwise why not. */
export const ConfiguredFigureSchema = z.object({
  id: z.enum(['jobs', 'businesses', 'establishments', 'starts', 'closures', 'bankruptcies']),
  label: z.string(),
  scope: z.enum(['national', 'municipality', 'corop']),
  tableId: z.string(),
  /** `after_refresh`: the bundled snapshot has no copy of the table (the reason says why); the first refresh from CBS fills it. */
  status: z.enum(['available', 'unavailable', 'no_table', 'after_refresh', 'no_sector', 'no_size', 'no_region']),
  reason: z.string().nullable(),
  /** The lead's size mapped to THIS table's own classes. */
  sizeClass: SizeClassResultSchema.nullable(),
  figure: FigureSchema.nullable(),
  provenance: FigureProvenanceSchema,
  /** The figure's trend where its table has history; null otherwise (and in results stored before trends existed). */
  trend: TrendSchema.nullable().default(null),
});
export type ConfiguredFigure = z.infer<typeof ConfiguredFigureSchema>;

export const MunicipalitySchema = z.object({
  pc4: z.string(),
  postcode: z.string(),
  code: z.string(),
  name: z.string(),
  alsoIn: z.array(z.object({ code: z.string(), name: z.string() })),
  source: z.string(),
});

export const SectorMatchSchema = z.object({
  method: z.enum(['sbi', 'kvk', 'industry']),
  /** What was read, normalised (`62.01`, `bakkerij`). */
  normalised: z.string(),
  confidence: z.number().min(0).max(1),
  /** False when the code is not in the SBI list and an ancestor stood in for it. */
  exact: z.boolean(),
  detail: z.string().nullable(),
  runnerUp: z.object({ code: z.string(), title: z.string(), confidence: z.number() }).nullable(),
  /** The code as read, in its own list, and which rule chose the list (docs/sbi-2025.md); `other`: the other list's different meaning. */
  read: z
    .object({
      system: SbiSystemSchema,
      code: z.string(),
      title: z.string(),
      rule: z.enum(['five-digits-zero', 'only-in-list', 'configured', 'leading-zero', 'nearest', 'matcher']),
      other: z.object({ system: SbiSystemSchema, code: z.string(), title: z.string() }).nullable(),
    })
    .optional(),
  /** How the code read was converted to the other list (null: no counterpart). */
  conversion: z
    .object({
      from: SbiSystemSchema,
      to: SbiSystemSchema,
      method: z.enum(['one', 'title', 'evidence', 'common']),
      via: z.string(),
      candidates: z.array(CodeRef),
      count: z.number(),
      words: z.array(z.string()).optional(),
      factor: z.number(),
    })
    .nullable()
    .optional(),
});

export const EnrichmentSchema = z.object({
  status: z.enum(['enriched', 'partial', 'unresolved']),
  version: z.string(),
  /** The list of cbs_sbi_code, cbs_division and cbs_sector (absent on results stored before SBI 2025: SBI 2008). */
  cbs_sbi_system: SbiSystemSchema.optional(),
  cbs_sbi_code: z.string().nullable(),
  cbs_sbi_title: z.string().nullable(),
  cbs_sbi_level: SbiLevel.nullable(),
  cbs_division: z.object({ code: z.string(), title: z.string() }).nullable(),
  cbs_sector: z.object({ letter: z.string(), title: z.string() }).nullable(),
  /** The SBI 2008 side: the code the SBI 2008 tables were read with (null: no common one) and every SBI 2008 equivalent. */
  cbs_sbi2008: z
    .object({ code: z.string().nullable(), title: z.string().nullable(), equivalents: z.array(CodeRef) })
    .nullable()
    .optional(),
  cbs_size_class: SizeClassResultSchema.nullable(),
  cbs_size_category: z
    .object({
      category: z.enum(['micro', 'small', 'medium', 'large']).nullable(),
      straddles: z.boolean(),
      categories: z.array(z.enum(['micro', 'small', 'medium', 'large'])),
      employees: z.object({ min: z.number(), max: z.number().nullable(), text: z.string(), source: z.string() }),
    })
    .nullable(),
  cbs_market_figure: FigureSchema.nullable(),
  cbs_period: Period.nullable(),
  cbs_match: z.object({
    sector: SectorMatchSchema.nullable(),
    /** When the industry text was refused: the best code read from it, below the threshold (null: nothing to guess). */
    sectorGuess: z.object({ code: z.string(), title: z.string(), confidence: z.number().min(0).max(1) }).nullable(),
    size: z.object({ normalised: z.string(), source: z.string() }).nullable(),
  }),
  cbs_municipality: MunicipalitySchema.nullable(),
  /** The configured card figures (jobs, businesses, establishments, starts, closures, bankruptcies), each with its provenance and trend. */
  figures: z.array(ConfiguredFigureSchema),
  markets: z.array(MarketSchema),
  provenance: z.object({
    source: z.literal(CBS_SOURCE_LINE),
    tables: z.array(
      z.object({ tableId: z.string(), modified: z.string().nullable(), period: z.string().nullable(), source: z.enum(['snapshot', 'odata']) }),
    ),
  }),
  problems: z.array(z.object({ field: z.enum(['sbi', 'kvk_sbi', 'industry', 'employees', 'postcode']), reason: z.string() })),
});
export type Enrichment = z.infer<typeof EnrichmentSchema>;

/** Keys left out of the version hash: they change on every reload without the answer changing. */
const VOLATILE = new Set(['version', 'loadedAt', 'versionId']);

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([k, v]) => !VOLATILE.has(k) && v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Deterministic hash of an enrichment without its timestamps and storage ids: equal version = nothing new to write. */
export function enrichmentVersion(enrichment: Omit<Enrichment, 'version'> | Enrichment): string {
  return versionOfText(stable(enrichment));
}

/** The version and the length of the canonical text it hashes, from one serialisation (the engine sizes its cache by it). */
export function enrichmentVersionAndLength(enrichment: Omit<Enrichment, 'version'>): { version: string; length: number } {
  const text = stable(enrichment);
  return { version: versionOfText(text), length: text.length };
}

const versionOfText = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
