import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { CBS_SOURCE_LINE, type CbsTableVersion } from '../cbs/model.js';
import { type SnapshotNote, snapshotNotes } from '../cbs/snapshot.js';
import { enrichmentCard } from './card.js';
import { type Calibrate, calibrator, loadCalibration } from './calibration.js';
import { type CoropIndex, loadCoropIndex } from './corop.js';
import { industryMatcherSteps } from './industry-text.js';
import { DEFAULT_FIGURES, type FigureSpec } from './figure-spec.js';
import { buildFigureIndexes, codeFor, configuredFigure, tableFigure, tableSizeClass } from './figures.js';
import type { IndustryTables } from './industry-tables.js';
import { loadPc4Index, type Pc4Index, type PlaceResolution, resolvePlace } from './postcode.js';
import { MAX_TEXT } from './text-words.js';
import { type Enrichment, enrichmentVersionAndLength, type Market } from './result.js';
import { DEFAULT_INPUT_SYSTEMS, type InputSystems, type Problem, resolveSector, type SectorGuess, type SectorResolution } from './sector.js';
import { type Classifications, loadClassifications } from './sbi-correspondence.js';
import { sbiChain, type SbiList } from './sbi-list.js';
import { euSizeCategory, parseEmployees, type EmployeeRange } from './size-class.js';
import { runSteps, runStepsYielding, type Steps } from './steps.js';
import { buildTableIndex, type TableIndex } from './table-index.js';
import type { Enricher, LeadInput } from './types.js';

/**
 * The enrichment engine: built once per set of CBS table versions (indexes per
 * table, the free-text matcher), then `resolve()` answers from an LRU cache of
 * finished, frozen results keyed by the input, so warm resolution costs one
 * string concatenation and a map lookup. The cache is bounded in bytes (keys
 * included; a long key is hashed), since its input comes from anyone.
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
  /** Bytes the result cache may hold, keys included (default 160 MB): the real bound. */
  cacheBytes?: number;
  /** Which table feeds which card figure (CBS_FIGURES); default jobs, businesses, establishments. */
  figures?: FigureSpec[];
  /** PC4 → municipality; default the bundled list (data/pc4-gemeente/). */
  pc4?: Pc4Index;
  /** Both SBI lists and their correspondence; default the bundled ones (data/sbi2025/, data/nace2-nace21/). */
  classifications?: Classifications;
  /** Which list a code both lists have is read in, per field (SBI_INPUT_SYSTEM; default SBI 2025). */
  inputSystems?: InputSystems;
  /** Municipality → COROP region; default the bundled list (data/corop/). */
  corop?: CoropIndex;
  /** Tables the bundled snapshot has no copy of (why), or only an excerpt of (what it covers); default: its manifest. */
  snapshotNotes?: ReadonlyMap<string, SnapshotNote>;
}

export interface VerrijkEnricher extends Enricher<Enrichment> {
  /** The tables this enricher answers from (id, version, source). */
  readonly tables: ReadonlyArray<{ tableId: string; versionId: number; source: 'snapshot' | 'odata' }>;
  /** Cache counters, for the benchmark and /metrics; `bytes` is what the cache accounts for, keys included. */
  cacheStats(): { size: number; hits: number; misses: number; bytes: number };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/** Cache keys longer than this are replaced by their SHA-256: the input may be a 1 MB KvK profile. */
const MAX_KEY_LENGTH = 512;
// A result with the three market figures is about 8 KB of JSON (9 KB as counted): 160 MB holds
// some 17,000 distinct leads, more than the bench's 10,000-lead mix. With the six default figures and
// their trends a lead with a postcode is about 13.4 KB of JSON (62.01, 12, 3511 AB): some 11,000 fit,
// a thinner margin over that mix (issue 26; re-measure with `npm run bench`). At 64 MB that mix no longer
// fit, and an LRU walked in a cycle larger than itself misses every time (3k res/s, not millions).
const DEFAULT_CACHE_BYTES = 160 * 1024 * 1024;

/**
 * Cheap, collision-free cache key of the fields that decide the answer
 * (company and domain do not), bounded in length; undefined for an input that
 * cannot be serialised, which is then computed and not cached: one shared key
 * for all of them gave the second such lead the first one's card (L4).
 */
function cacheKey(input: LeadInput): string | undefined {
  const key = fullKey(input);
  if (key === undefined) return undefined;
  return key.length <= MAX_KEY_LENGTH ? key : `#${createHash('sha256').update(key).digest('base64')}`;
}

/**
 * What a result costs in memory, roughly: measured over the bench's 10,000
 * realistic inputs, the heap grows about one byte per character of a result's
 * JSON (3.0 KB against 3.1 KB: titles are shared with the CBS index, numbers
 * and object headers are not). Taken from the canonical text the version hashes,
 * so a miss serialises its result once, not twice.
 */
const resultBytes = (textLength: number) => textLength + 512;

function fullKey(input: LeadInput): string | undefined {
  let kvk = '';
  if (input.kvkSbi !== undefined && input.kvkSbi !== null) {
    if (typeof input.kvkSbi === 'string') kvk = input.kvkSbi;
    else {
      try {
        kvk = JSON.stringify(input.kvkSbi) ?? '';
      } catch {
        return undefined;
      }
    }
  }
  const e = input.employees;
  const p = input.postcode;
  return `${input.sbi ?? ''}\u0001${kvk}\u0001${input.industry ?? ''}\u0001${typeof e}:${e ?? ''}\u0001${typeof p}:${p ?? ''}\u0001${input.sbiSystem ?? ''}${input.kvkSbiSystem ?? ''}`;
}

function market(index: TableIndex, sector: SectorResolution | undefined, size: EmployeeRange | undefined): Market {
  const code = codeFor(index, sector);
  const category = code ? index.bestCategory.get(code.code) : undefined;
  const { match: sizeMatch, result: sizeClass } = tableSizeClass(index, size);
  const matched = sizeMatch?.status === 'matched' ? sizeMatch.classes[0] : undefined;
  return {
    tableId: index.tableId,
    title: index.title,
    sbiSystem: index.system,
    source: index.version.source,
    versionId: index.version.versionId,
    loadedAt: index.version.loadedAt,
    modified: index.version.modified,
    sbiCategory: category
      ? { key: category.keyTrimmed, code: category.code, title: category.title, level: category.level, aggregate: category.aggregate }
      : null,
    sizeClass,
    period: index.latest ?? null,
    segment: category && (matched || !index.sizes) ? tableFigure(index, category, matched) : null,
    sector: category && (index.totalSize || !index.sizes) ? tableFigure(index, category, index.totalSize) : null,
    national: index.total && (index.totalSize || !index.sizes) ? tableFigure(index, index.total, index.totalSize) : null,
  };
}

/** Industry characters kept: more than the matcher reads (MAX_TEXT), so cutting changes no answer. */
const INDUSTRY_KEPT = MAX_TEXT * 2;

// Read once per process, like the SBI list: every enricher (one per set of CBS table versions) shares them.
const calibrate = calibrator(loadCalibration());

export function createEnricher(options: EnricherOptions): VerrijkEnricher {
  return runSteps(enricherSteps(options));
}

/**
 * `createEnricher` without holding the event loop: the same build (steps.ts) with a turn for
 * the loop after every `sliceMs` of it, so that a service that builds it after listening keeps
 * answering meanwhile. About a second of CPU, most of it the industry matcher's index.
 */
export function buildEnricher(options: EnricherOptions, sliceMs?: number): Promise<VerrijkEnricher> {
  return runStepsYielding(enricherSteps(options), sliceMs);
}

function* enricherSteps(options: EnricherOptions): Steps<VerrijkEnricher> {
  const { sbiList } = options;
  const classifications = options.classifications ?? loadClassifications();
  const inputSystems = options.inputSystems ?? DEFAULT_INPUT_SYSTEMS;
  const lists = { SBI2008: sbiList, SBI2025: classifications.sbi2025 };
  yield;
  const indexes: TableIndex[] = [];
  for (const t of options.tables) {
    const ix = buildTableIndex(t, lists);
    if (ix !== undefined) indexes.push(ix);
    yield;
  }
  // Table rows that name a real SBI code ("62 IT-dienstverlening") are extra wording for the free-text matcher.
  const extraTitles = indexes.flatMap((ix) =>
    // (SBI 2008 tables only: the matcher answers in SBI 2008.)
    (ix.system === 'SBI2008' ? ix.categories : []).filter((c) => !c.aggregate && c.level !== 'total' && sbiList.byCode.has(c.code)).map((c) => ({ code: c.code, title: c.label })),
  );
  yield;
  const industry = yield* industryMatcherSteps(sbiList, options.minConfidence, { extraTitles, tables: options.industryTables, calibrate: options.calibrate ?? calibrate });
  yield;
  const figureIndexes = buildFigureIndexes(options.figures ?? DEFAULT_FIGURES, options.tables, lists, indexes, options.snapshotNotes ?? snapshotNotes());
  yield;
  const pc4 = options.pc4 ?? loadPc4Index();
  yield;
  const corops = options.corop ?? loadCoropIndex();
  const cacheBytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
  const sizes = new WeakMap<Enrichment, number>();
  const cache = new LRUCache<string, Enrichment>({
    max: options.cacheSize ?? 50_000,
    maxSize: cacheBytes,
    sizeCalculation: (result, key) => 2 * key.length + (sizes.get(result) ?? 4096),
  });
  let hits = 0;
  let misses = 0;
  // The hot index in front of the LRU: nested maps keyed by the field values themselves, emptied wholesale when
  // it grows past its bounds (entries, and bytes: it may keep results the LRU evicted, at most as many bytes
  // again as the LRU holds). Only short field values go in. A lead names an SBI code or an industry, rarely
  // both, so each has its own top map: the common lead costs three lookups (code or industry → employees →
  // postcode) and only a lead with both pays a fourth.
  type ByEmployees = Map<unknown, Map<unknown, Enrichment>>;
  const HOT_MAX = 20_000;
  const HOT_MAX_BYTES = cacheBytes;
  let hotSbi = new Map<unknown, ByEmployees>();
  let hotIndustry = new Map<unknown, ByEmployees>();
  let hotBoth = new Map<unknown, Map<unknown, ByEmployees>>();
  let hotSize = 0;
  let hotBytes = 0;
  const shortField = (v: unknown) => typeof v !== 'string' || v.length <= MAX_KEY_LENGTH;
  function hotTop(lead: LeadInput): ByEmployees | undefined {
    if (lead.industry === undefined) return hotSbi.get(lead.sbi);
    if (lead.sbi === undefined) return hotIndustry.get(lead.industry);
    return hotBoth.get(lead.sbi)?.get(lead.industry);
  }
  function remember(lead: LeadInput, result: Enrichment): void {
    if (!shortField(lead.sbi) || !shortField(lead.industry) || !shortField(lead.employees) || !shortField(lead.postcode)) return;
    if (hotSize >= HOT_MAX || hotBytes >= HOT_MAX_BYTES) {
      hotSbi = new Map();
      hotIndustry = new Map();
      hotBoth = new Map();
      hotSize = 0;
      hotBytes = 0;
    }
    hotBytes += sizes.get(result) ?? 4096;
    let top = hotTop(lead);
    if (!top) {
      top = new Map();
      if (lead.industry === undefined) hotSbi.set(lead.sbi, top);
      else if (lead.sbi === undefined) hotIndustry.set(lead.industry, top);
      else {
        let bySbi = hotBoth.get(lead.sbi);
        if (!bySbi) hotBoth.set(lead.sbi, (bySbi = new Map()));
        bySbi.set(lead.industry, top);
      }
    }
    let byPostcode = top.get(lead.employees);
    if (!byPostcode) top.set(lead.employees, (byPostcode = new Map()));
    if (!byPostcode.has(lead.postcode)) hotSize++;
    byPostcode.set(lead.postcode, result);
  }

  function compute(input: LeadInput): Enrichment {
    const problems: Problem[] = [];
    const guess = { value: null as SectorGuess | null };
    const sector = resolveSector(input, classifications, industry, problems, guess, inputSystems);
    let size: EmployeeRange | undefined;
    const e = input.employees;
    // A blank value is a field the CRM has but left empty: no size, and said so (the sector still answers).
    if (e !== undefined && e !== null) {
      const parsed = parseEmployees(e);
      if (parsed.ok) size = parsed;
      else problems.push({ field: 'employees', reason: parsed.reason });
    }
    let place: PlaceResolution | undefined;
    let placeProblem: string | undefined;
    const postcodeProblems: Array<{ field: 'postcode'; reason: string }> = [];
    const pc = input.postcode;
    if (pc !== undefined && pc !== null && !(typeof pc === 'string' && pc.trim() === '')) {
      const resolved = resolvePlace(pc, pc4);
      if (resolved.ok) place = resolved.place;
      else {
        placeProblem = resolved.reason;
        postcodeProblems.push({ field: 'postcode', reason: resolved.reason });
      }
    }
    const corop = place ? corops.lookup(place.code) : undefined;
    const figures = figureIndexes.map((f) => configuredFigure(f, { sector, size, place, placeProblem, corop }));
    const jobs = figures.find((f) => f.id === 'jobs');
    const markets = indexes.map((ix) => market(ix, sector, size));
    const primary = markets.find((m) => m.sbiCategory) ?? markets[0];
    // The card answers in SBI 2025, the register's list since September 2025.
    const answer = sector?.sbi2025 ?? null;
    const chain = answer ? sbiChain(classifications.sbi2025, answer) : [];
    const section = chain[0];
    const division = chain.find((c) => c.level === 'division');
    const eu = size ? euSizeCategory(size) : undefined;
    const base: Omit<Enrichment, 'version'> = {
      status: sector && size ? 'enriched' : sector || size ? 'partial' : 'unresolved',
      cbs_sbi_system: 'SBI2025',
      cbs_sbi_code: answer?.code ?? null,
      cbs_sbi_title: answer?.title ?? null,
      cbs_sbi_level: answer?.level ?? null,
      cbs_division: division ? { code: division.code, title: division.title } : null,
      cbs_sector: section ? { letter: section.code, title: section.title } : null,
      cbs_sbi2008: sector
        ? {
            code: sector.sbi2008?.code ?? null,
            title: sector.sbi2008?.title ?? null,
            equivalents: sector.equivalents2008.slice(0, 40).map((e) => ({ code: e.code, title: e.title })),
          }
        : null,
      cbs_size_class: size && primary?.sizeClass ? primary.sizeClass : null,
      cbs_size_category: size && eu ? { ...eu, employees: { min: size.min, max: size.max, text: size.text, source: size.source } } : null,
      cbs_market_figure: jobs ? jobs.figure : (primary?.segment ?? primary?.sector ?? null),
      cbs_period: (jobs ? jobs.figure?.period : primary?.period) ?? null,
      cbs_match: {
        sector: sector
          ? {
              method: sector.method,
              normalised: sector.normalised,
              confidence: sector.confidence,
              exact: sector.exact,
              detail: sector.detail,
              runnerUp: sector.runnerUp,
              read: sector.read,
              conversion: sector.conversion,
            }
          : null,
        sectorGuess: guess.value,
        size: size ? { normalised: size.note ? `${size.text} (${size.note})` : size.text, source: size.source } : null,
      },
      cbs_municipality: place ?? null,
      figures,
      markets,
      provenance: {
        source: CBS_SOURCE_LINE,
        tables: markets.map((m) => ({ tableId: m.tableId, modified: m.modified, period: m.period?.title ?? null, source: m.source })),
      },
      problems: [...problems, ...postcodeProblems],
    };
    // `version` first: callers read it on every answer (the write-back compares it), and as the first property it
    // sits inside the object rather than in a separate property store that costs another memory fetch.
    const { version, length } = enrichmentVersionAndLength(base);
    const result = deepFreeze({ version, ...base });
    sizes.set(result, resultBytes(length));
    return result;
  }

  return {
    tables: indexes.map((ix) => ({ tableId: ix.tableId, versionId: ix.version.versionId, source: ix.version.source })),
    resolve(input: LeadInput): Enrichment {
      let lead = input ?? {};
      // The matcher reads the first MAX_TEXT characters of an industry: a longer value is cut before it
      // becomes a cache key, so a megabyte of text costs what its first kilobyte does.
      if (typeof lead.industry === 'string' && lead.industry.length > INDUSTRY_KEPT) lead = { ...lead, industry: lead.industry.slice(0, INDUSTRY_KEPT) };
      // Fast path: the hot index. A string's hash is cached inside the string, so a repeated lead costs
      // three or four map lookups and no string building.
      // A lead that names the list its codes are in (sbiSystem) skips it: the hot index is keyed by the field values only.
      const simple = (lead.kvkSbi === undefined || lead.kvkSbi === null) && lead.sbiSystem === undefined && lead.kvkSbiSystem === undefined;
      if (simple) {
        const found = hotTop(lead)?.get(lead.employees)?.get(lead.postcode);
        if (found) {
          hits++;
          return found;
        }
      }
      const key = cacheKey(lead);
      if (key === undefined) {
        misses++;
        return compute(lead);
      }
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
    cacheStats: () => ({ size: cache.size, hits, misses, bytes: cache.calculatedSize }),
  };
}
