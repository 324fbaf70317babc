import { type Calibrate, identity } from './calibration.js';
import { loadIndustryTables } from './industry-tables.js';
import { type IndustryTables, type IndustryVocabulary, type Source, vocabularySteps } from './industry-vocabulary.js';
import { notAnIndustry } from './not-an-industry.js';
import type { SbiEntry, SbiList } from './sbi-list.js';
import { DIVISION_KINDS } from './term-aliases.js';
import { runSteps, type Steps } from './steps.js';
import { type IndexDoc, type TermIndex, termIndexSteps } from './text-index.js';
import { labelKey, MAX_TEXT, normaliseIndustry, textWords } from './text-words.js';

/**
 * Free-text industry (Dutch or English, a HubSpot option, a LinkedIn
 * industry) → the SBI code it most likely means, with a calibrated confidence
 * (an estimate of P(right)) and the best answer outside its branch. Values that
 * are not an industry (e-mail, web address, company name, catch-all) are
 * refused outright. A whole label of a known table answers directly; any
 * other text is read word by word through the term index (text-index.ts).
 */

export { normaliseIndustry };

export interface IndustryCandidate {
  code: string;
  title: string;
  /** Calibrated: the estimated probability that the code is right. */
  confidence: number;
  /** The evidence: a whole label of a table (`hubspot`, `linkedin`, `synonym`, `title`) or the words of the text. */
  via: Source | 'words';
  /** The label, title or synonym that matched. */
  matched: string;
  /** The uncalibrated score in 0..1. */
  raw: number;
}

export type IndustryMatch =
  | { ok: true; best: IndustryCandidate; runnerUp: IndustryCandidate | null }
  | { ok: false; reason: string; best: IndustryCandidate | null; runnerUp: IndustryCandidate | null };

export interface IndustryMatcher {
  match(text: string): IndustryMatch;
  /** Postings walked by the last match: the bounded-cost test reads it. */
  lastCost(): number;
}

export interface IndustryMatcherOptions {
  /** Extra titles (e.g. the CBS table's "IT-dienstverlening" rows) mapped to real SBI codes. */
  extraTitles?: ReadonlyArray<{ code: string; title: string }>;
  /** The classification tables (default: the bundled ones of data/vocabulary/). */
  tables?: IndustryTables;
  calibrate?: Calibrate;
}

const round = (n: number) => Math.round(Math.min(1, Math.max(0, n)) * 1000) / 1000;
/** Scores this close to the best are a tie. */
const TIE = 0.02;
/** The best codes that vote on the division, and how sharply a better score counts (score^power). */
const VOTERS = 10;
const VOTE_POWER = 4;
/** Texts of up to this many content words are "short" for the calibration (labels, trade words, "IT consultancy"). */
const SHORT_TEXT = 3;

/**
 * The evidence kind a confidence is calibrated for: the source of a whole label, or the words of a text; words
 * of a short text (a label, a trade word) and of a description are evidence of different strength, so each is
 * fitted on its own (scripts/calibrate.ts calls this too).
 */
export function calibrationKind(via: string, section: boolean, words: number): string {
  return `${via === 'words' && words > SHORT_TEXT ? 'words-long' : via}${section ? '-section' : ''}`;
}

/** Content words of a text as the calibration counts them. */
export const contentWords = (text: string) => textWords(normaliseIndustry(text.slice(0, MAX_TEXT))).length;

const related = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);

/** The deepest SBI entry (≥ 2 digits) that contains every one of the codes, if any. */
function commonAncestor(list: SbiList, entries: SbiEntry[]): SbiEntry | undefined {
  let prefix = entries[0].digits;
  for (const e of entries) {
    let i = 0;
    while (i < prefix.length && i < e.digits.length && prefix[i] === e.digits[i]) i++;
    prefix = prefix.slice(0, i);
  }
  for (let len = prefix.length; len >= 2; len--) {
    const up = list.byDigits.get(prefix.slice(0, len));
    if (up) return up;
  }
  return undefined;
}

/**
 * Building the index takes a few hundred ms; an engine is built per set of CBS table versions
 * (and tests build many), so the last few indexes are kept, keyed by what they are built from.
 */
const built = new WeakMap<SbiList, WeakMap<IndustryTables, Map<string, { vocabulary: IndustryVocabulary; index: TermIndex }>>>();

/** The vocabulary's documents as the term index takes them: each code with its path, text and division kinds. */
export function indexDocsOf(vocabulary: Pick<IndustryVocabulary, 'docs'>): IndexDoc[] {
  return vocabulary.docs.map((d) => ({
    code: d.entry.code,
    path: [...d.entry.parents, d.entry.code],
    text: d.text,
    heads: d.heads,
    lends: d.lends,
    kinds: DIVISION_KINDS.get(d.entry.digits.slice(0, 2)),
  }));
}

function* indexFor(list: SbiList, tables: IndustryTables, extraTitles: ReadonlyArray<{ code: string; title: string }>): Steps<{ vocabulary: IndustryVocabulary; index: TermIndex }> {
  let byTables = built.get(list);
  if (!byTables) built.set(list, (byTables = new WeakMap()));
  let byExtra = byTables.get(tables);
  if (!byExtra) byTables.set(tables, (byExtra = new Map()));
  const key = JSON.stringify(extraTitles);
  let found = byExtra.get(key);
  if (!found) {
    const vocabulary = yield* vocabularySteps(list, tables, extraTitles);
    const index = yield* termIndexSteps(indexDocsOf(vocabulary));
    found = { vocabulary, index };
    if (byExtra.size >= 4) byExtra.delete(byExtra.keys().next().value!);
    byExtra.set(key, found);
  }
  return found;
}

export function createIndustryMatcher(list: SbiList, minConfidence: number, options: IndustryMatcherOptions = {}): IndustryMatcher {
  return runSteps(industryMatcherSteps(list, minConfidence, options));
}

/** `createIndustryMatcher` in slices (steps.ts): building its index is most of building an enricher. */
export function* industryMatcherSteps(list: SbiList, minConfidence: number, options: IndustryMatcherOptions = {}): Steps<IndustryMatcher> {
  const calibrate = options.calibrate ?? identity;
  yield;
  // Read from data/vocabulary/ on the first build of a process (~0.6 MB of CSV), shared after.
  const tables = options.tables ?? loadIndustryTables();
  yield;
  const { vocabulary, index } = yield* indexFor(list, tables, options.extraTitles ?? []);
  yield;

  // A section letter is evidence of another kind: too coarse for a market figure, and rarely what a label means.
  const candidate = (entry: SbiEntry, raw: number, via: IndustryCandidate['via'], matched: string, words = 0): IndustryCandidate => ({
    code: entry.code,
    title: entry.title,
    confidence: round(calibrate(calibrationKind(via, entry.level === 'section', words), raw)),
    via,
    matched: matched.slice(0, 80),
    raw: round(raw),
  });

  function decide(best: IndustryCandidate, runnerUp: IndustryCandidate | null): IndustryMatch {
    // The runner-up's confidence is its own calibrated score; it never exceeds the answer's.
    const second = runnerUp && runnerUp.confidence > best.confidence ? { ...runnerUp, confidence: best.confidence } : runnerUp;
    if (best.confidence < minConfidence) return { ok: false, reason: 'no confident match', best, runnerUp: second };
    return { ok: true, best, runnerUp: second };
  }

  function byWords(text: string): IndustryMatch {
    const hits = index.search(text, 20);
    if (hits.length === 0) return { ok: false, reason: 'no confident match', best: null, runnerUp: null };
    // Best hit per code, in score order; a match on generic words alone ("Organisatie") is weak evidence.
    const seen = new Set<string>();
    const ranked: Array<{ entry: SbiEntry; raw: number; text: string }> = [];
    for (const h of hits) {
      const doc = vocabulary.docs[h.doc];
      if (seen.has(doc.entry.code)) continue;
      seen.add(doc.entry.code);
      ranked.push({ entry: doc.entry, raw: h.score * (h.genericOnly ? 0.5 : 1), text: doc.text });
    }
    ranked.sort((a, b) => b.raw - a.raw);
    // The division most of the best documents agree on: one document that explains a word or two of a long
    // description is outvoted by several that explain its main activity.
    const division = (e: SbiEntry) => e.digits.slice(0, 2) || e.section;
    const mass = new Map<string, number>();
    for (const r of ranked.slice(0, VOTERS)) mass.set(division(r.entry), (mass.get(division(r.entry)) ?? 0) + r.raw ** VOTE_POWER);
    let bestDivision = division(ranked[0].entry);
    for (const [d, m] of mass) if (m > mass.get(bestDivision)! + 1e-9) bestDivision = d;
    const inDivision = ranked.filter((r) => division(r.entry) === bestDivision);
    const top = inDivision[0];
    // Tied codes on one line of the hierarchy (62 and 62.02) are answered by the deepest, which both
    // support; tied siblings of one branch ("meubels": 31.01 and 31.09) by the branch they share.
    const tied = inDivision.filter((r) => r.raw >= top.raw - TIE);
    let entry = top.entry;
    if (tied.length > 1) {
      const deepest = tied.reduce((a, b) => (b.entry.digits.length > a.entry.digits.length ? b : a)).entry;
      const oneLine = tied.every((r) => deepest.code === r.entry.code || deepest.parents.includes(r.entry.code));
      const up = oneLine ? deepest : commonAncestor(list, tied.map((r) => r.entry));
      if (up) entry = up;
    }
    const rival = ranked.find((r) => !related(r.entry.code, entry.code));
    // A close unrelated rival makes the answer less certain: the margin scales the score.
    const margin = rival ? top.raw - rival.raw : top.raw;
    // What a short text is against a description, for the confidence and its calibration.
    const words = contentWords(text);
    const short = words <= SHORT_TEXT;
    let totalMass = 0;
    for (const m of mass.values()) totalMass += m;
    // Confidence evidence. A short text (a label, a trade word) is as sure as its best document and that
    // document's lead over the best one of another line; a description is as sure as its best document and the
    // share of the voters' mass its division holds (compared on tune, out of fold: this pair separates right from
    // wrong best for each).
    const raw = short
      ? top.raw * (0.6 + 0.4 * Math.min(1, margin / 0.25))
      : Math.sqrt(top.raw) * (mass.get(bestDivision)! / totalMass);
    const best = candidate(entry, raw, 'words', top.text, words);
    return decide(best, rival ? candidate(rival.entry, rival.raw * 0.6, 'words', rival.text, words) : null);
  }

  return {
    match(input: string): IndustryMatch {
      if (typeof input !== 'string' || input.trim() === '') return { ok: false, reason: 'no industry given', best: null, runnerUp: null };
      const text = input.slice(0, MAX_TEXT);
      // A whole label of a table is what it says ("Holding Companies" is LinkedIn's, not a company name).
      const label = vocabulary.labels.get(labelKey(text));
      if (label) {
        if (!label.entry) return { ok: false, reason: `"${label.label}" has no SBI meaning`, best: null, runnerUp: null };
        return decide(candidate(label.entry, 1, label.source, label.label), null);
      }
      const refused = notAnIndustry(text);
      if (refused) return { ok: false, reason: refused, best: null, runnerUp: null };
      return byWords(text);
    },
    lastCost: () => index.lastCost(),
  };
}
