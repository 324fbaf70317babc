import { LRUCache } from 'lru-cache';
import { CBS_SOURCE_LINE, type CbsTableVersion } from '../cbs/model.js';
import type { SbiCategory } from '../cbs/sbi-dimension.js';
import type { SizeClass } from '../cbs/size-dimension.js';
import { enrichmentCard } from './card.js';
import { type Calibrate, calibrator, loadCalibration } from './calibration.js';
import { createIndustryMatcher } from './industry-text.js';
import type { IndustryTables } from './industry-tables.js';
import { MAX_TEXT } from './text-words.js';
import { type Enrichment, enrichmentVersion, type Figure, type Market } from './result.js';
import { type Problem, resolveSector, type SectorGuess, type SectorResolution } from './sector.js';
import { sbiChain, type SbiList } from './sbi-list.js';
import { euSizeCategory, matchSizeClass, parseEmployees, type EmployeeRange } from './size-class.js';
import { buildTableIndex, type TableIndex } from './table-index.js';
import type { Enricher, LeadInput } from './types.js';

/**
 * The enrichment engine: built once per set of CBS table versions (indexes per
 * table, the free-text matcher), then `resolve()` answers from an LRU cache of
 * finished, frozen results keyed by the input, so warm resolution costs one
 * string concatenation and a map lookup.
 */

export interface EnricherOptions {
  sbiList: SbiList;
  tables: CbsTableVersion[];
  minConfidence: number;
  /** The classification tables of data/vocabulary/ (default: the bundled ones). */
  industryTables?: IndustryTables;
  /** Raw match score → confidence (default: the bundled calibration; scripts/calibrate.ts fits it on raw scores). */
  calibrate?: Calibrate;
  /** Results kept in memory (default 50,000). */
  cacheSize?: number;
}

export interface VerrijkEnricher extends Enricher<Enrichment> {
  /** The tables this enricher answers from (id, version, source). */
  readonly tables: ReadonlyArray<{ tableId: string; versionId: number; source: 'snapshot' | 'odata' }>;
  /** Cache counters, for the benchmark and /metrics. */
  cacheStats(): { size: number; hits: number; misses: number };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/** Cheap, collision-free cache key of the fields that decide the answer (company and domain do not). */
function cacheKey(input: LeadInput): string {
  let kvk = '';
  if (input.kvkSbi !== undefined && input.kvkSbi !== null) {
    if (typeof input.kvkSbi === 'string') kvk = input.kvkSbi;
    else {
      try {
        kvk = JSON.stringify(input.kvkSbi) ?? '';
      } catch {
        kvk = '[unserialisable]';
      }
    }
  }
  const e = input.employees;
  return `${input.sbi ?? ''}\u0001${kvk}\u0001${input.industry ?? ''}\u0001${typeof e}:${e ?? ''}`;
}

function figure(index: TableIndex, category: SbiCategory, size: SizeClass | undefined): Figure | null {
  if (!index.measure) return null;
  const { latest, lastKnown } = index.cell(category, size);
  if (!latest && !lastKnown) return null;
  const m = index.measure.multiplier;
  const value = latest?.value ?? null;
  return {
    tableId: index.tableId,
    noun: index.noun,
    measure: index.measure.title,
    unit: index.measure.unit,
    value,
    count: value === null ? null : Math.round(value * m * 1000) / 1000,
    status: value === null ? 'unavailable' : 'available',
    sbi: { key: category.keyTrimmed, code: category.code, title: category.title },
    size: size ? { key: size.keyTrimmed, title: size.title } : null,
    period: latest?.period ?? index.latest ?? null,
    lastKnown:
      value === null && lastKnown && lastKnown.value !== null
        ? { value: lastKnown.value, count: Math.round(lastKnown.value * m * 1000) / 1000, period: lastKnown.period }
        : null,
  };
}

function market(index: TableIndex, sector: SectorResolution | undefined, size: EmployeeRange | undefined): Market {
  const category = sector ? index.bestCategory.get(sector.entry.code) : undefined;
  const sizeMatch = index.sizes && size ? matchSizeClass(size, index.sizes.classes) : undefined;
  const sizeClass = index.sizes
    ? {
        tableId: index.tableId,
        status: sizeMatch?.status ?? ('unknown' as const),
        classes: (sizeMatch?.classes ?? []).map((c) => ({ key: c.keyTrimmed, title: c.title, min: c.min, max: c.max })),
      }
    : null;
  const matched = sizeMatch?.status === 'matched' ? sizeMatch.classes[0] : undefined;
  return {
    tableId: index.tableId,
    title: index.title,
    source: index.version.source,
    versionId: index.version.versionId,
    loadedAt: index.version.loadedAt,
    modified: index.version.modified,
    sbiCategory: category
      ? { key: category.keyTrimmed, code: category.code, title: category.title, level: category.level, aggregate: category.aggregate }
      : null,
    sizeClass,
    period: index.latest ?? null,
    segment: category && (matched || !index.sizes) ? figure(index, category, matched) : null,
    sector: category && (index.totalSize || !index.sizes) ? figure(index, category, index.totalSize) : null,
    national: index.total && (index.totalSize || !index.sizes) ? figure(index, index.total, index.totalSize) : null,
  };
}

/** Industry characters kept: more than the matcher reads (MAX_TEXT), so cutting changes no answer. */
const INDUSTRY_KEPT = MAX_TEXT * 2;

// Read once per process, like the SBI list: every enricher (one per set of CBS table versions) shares them.
const calibrate = calibrator(loadCalibration());

export function createEnricher(options: EnricherOptions): VerrijkEnricher {
  const { sbiList } = options;
  const indexes = options.tables.map((t) => buildTableIndex(t, sbiList)).filter((x): x is TableIndex => x !== undefined);
  // Table rows that name a real SBI code ("62 IT-dienstverlening") are extra wording for the free-text matcher.
  const extraTitles = indexes.flatMap((ix) =>
    ix.categories.filter((c) => !c.aggregate && c.level !== 'total' && sbiList.byCode.has(c.code)).map((c) => ({ code: c.code, title: c.label })),
  );
  const industry = createIndustryMatcher(sbiList, options.minConfidence, { extraTitles, tables: options.industryTables, calibrate: options.calibrate ?? calibrate });
  const cache = new LRUCache<string, Enrichment>({ max: options.cacheSize ?? 50_000 });
  let hits = 0;
  let misses = 0;
  // The hot index in front of the LRU; emptied wholesale when it grows past its bound (the LRU still holds the results).
  const HOT_MAX = 20_000;
  let hot = new Map<unknown, Map<unknown, Map<unknown, Enrichment>>>();
  let hotSize = 0;
  function remember(lead: LeadInput, result: Enrichment): void {
    if (hotSize >= HOT_MAX) {
      hot = new Map();
      hotSize = 0;
    }
    let bySbi = hot.get(lead.sbi);
    if (!bySbi) hot.set(lead.sbi, (bySbi = new Map()));
    let byIndustry = bySbi.get(lead.industry);
    if (!byIndustry) bySbi.set(lead.industry, (byIndustry = new Map()));
    if (!byIndustry.has(lead.employees)) hotSize++;
    byIndustry.set(lead.employees, result);
  }

  function compute(input: LeadInput): Enrichment {
    const problems: Problem[] = [];
    const guess = { value: null as SectorGuess | null };
    const sector = resolveSector(input, sbiList, industry, problems, guess);
    let size: EmployeeRange | undefined;
    const e = input.employees;
    // A blank value is a field the CRM has but left empty: no size, and said so (the sector still answers).
    if (e !== undefined && e !== null) {
      const parsed = parseEmployees(e);
      if (parsed.ok) size = parsed;
      else problems.push({ field: 'employees', reason: parsed.reason });
    }
    const markets = indexes.map((ix) => market(ix, sector, size));
    const primary = markets.find((m) => m.sbiCategory) ?? markets[0];
    const chain = sector ? sbiChain(sbiList, sector.entry) : [];
    const section = chain[0];
    const division = chain.find((c) => c.level === 'division');
    const eu = size ? euSizeCategory(size) : undefined;
    const base: Omit<Enrichment, 'version'> = {
      status: sector && size ? 'enriched' : sector || size ? 'partial' : 'unresolved',
      cbs_sbi_code: sector?.entry.code ?? null,
      cbs_sbi_title: sector?.entry.title ?? null,
      cbs_sbi_level: sector?.entry.level ?? null,
      cbs_division: division ? { code: division.code, title: division.title } : null,
      cbs_sector: section ? { letter: section.code, title: section.title } : null,
      cbs_size_class: size && primary?.sizeClass ? primary.sizeClass : null,
      cbs_size_category: size && eu ? { ...eu, employees: { min: size.min, max: size.max, text: size.text, source: size.source } } : null,
      cbs_market_figure: primary?.segment ?? primary?.sector ?? null,
      cbs_period: primary?.period ?? null,
      cbs_match: {
        sector: sector
          ? {
              method: sector.method,
              normalised: sector.normalised,
              confidence: sector.confidence,
              exact: sector.exact,
              detail: sector.detail,
              runnerUp: sector.runnerUp,
            }
          : null,
        sectorGuess: guess.value,
        size: size ? { normalised: size.note ? `${size.text} (${size.note})` : size.text, source: size.source } : null,
      },
      markets,
      provenance: {
        source: CBS_SOURCE_LINE,
        tables: markets.map((m) => ({ tableId: m.tableId, modified: m.modified, period: m.period?.title ?? null, source: m.source })),
      },
      problems,
    };
    return deepFreeze({ ...base, version: enrichmentVersion(base) });
  }

  return {
    tables: indexes.map((ix) => ({ tableId: ix.tableId, versionId: ix.version.versionId, source: ix.version.source })),
    resolve(input: LeadInput): Enrichment {
      let lead = input ?? {};
      // The matcher reads the first MAX_TEXT characters of an industry: a longer value is cut before it
      // becomes a cache key, so a megabyte of text costs what its first kilobyte does.
      if (typeof lead.industry === 'string' && lead.industry.length > INDUSTRY_KEPT) lead = { ...lead, industry: lead.industry.slice(0, INDUSTRY_KEPT) };
      // Fast path: nested maps keyed by the field values themselves. A string's hash is cached
      // inside the string, so a repeated lead costs three map lookups and no string building.
      const simple = lead.kvkSbi === undefined || lead.kvkSbi === null;
      if (simple) {
        const found = hot.get(lead.sbi)?.get(lead.industry)?.get(lead.employees);
        if (found) {
          hits++;
          return found;
        }
      }
      const key = cacheKey(lead);
      let result = cache.get(key);
      if (result) hits++;
      else {
        misses++;
        result = compute(lead);
        cache.set(key, result);
      }
      if (simple) remember(lead, result);
      return result;
    },
    toCard: enrichmentCard,
    cacheStats: () => ({ size: cache.size, hits, misses }),
  };
}
