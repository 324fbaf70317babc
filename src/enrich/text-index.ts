import { compoundSplitterSteps, GENERIC_HEADS } from './compound.js';
import { ITEMS_PER_STEP, runSteps, type Steps } from './steps.js';
import { KIND_TERMS, TERM_ALIASES } from './term-aliases.js';
import { MAX_WORD, modifierForm, normaliseIndustry, stem, STOP, textWords } from './text-words.js';

/**
 * A term index over the vocabulary (SBI and NACE titles, CRM labels,
 * synonyms). Text becomes terms: stemmed words and the parts of compounds,
 * with aliases folded in ("detailhandel" is "winkel"). A document scores by the
 * weighted share of the query it explains and, more softly, the share of its
 * own terms the query explains. A query term weighs by its rarity (idf), less
 * when generic ("bedrijf", "vereniging"), when it comes late in a long
 * description, or when it names the customers ("… voor de zorg"). Words the
 * vocabulary does not know count against the score, so a text is not read
 * from one known word among many unknown ones.
 *
 * Only exact terms meet: no fuzzy search. A word the vocabulary lacks gets one
 * chance as a typo (one letter added, dropped or changed, against Dutch words
 * of 6+ letters), found by at most n+1 map lookups. So the cost of a query is
 * bounded by its capped length and the postings of its terms, and a word never
 * meets a look-alike of another language ("learning" is not "cleaning").
 */

export { normaliseIndustry };

export interface IndexDoc {
  code: string;
  /** The code's ancestors (section first) and the code itself: evidence for an ancestor supports the code. */
  path: readonly string[];
  text: string;
  /** Whether its words may be heads of Dutch compounds and typo targets (Dutch titles and synonyms; not the English tables). */
  heads: boolean;
  /**
   * Whether what it explains supports the other documents of its code and the codes below (default yes). The
   * activity phrases do not lend: many of them stand for a whole division, and pooled they would let any two
   * words of a division ("productie" of one phrase, "kaas" of another) explain a text together.
   */
  lends?: boolean;
  /** The kinds of activity its code is (KIND_TERMS, from its division: term-aliases.ts); none = any kind. */
  kinds?: ReadonlySet<string>;
}

export interface TermHit {
  doc: number;
  /** The combined score in 0..1. */
  score: number;
  /** Whether every matched query term was generic ("bureau", "vereniging"). */
  genericOnly: boolean;
}

export interface TermIndex {
  /** The distinct terms of a title or label. */
  terms(text: string): string[];
  search(query: string, limit: number): TermHit[];
  /** Work done by the last search: postings walked plus stems computed (for the bounded-cost test). */
  lastCost(): number;
  /** The kinds of activity (KIND_TERMS) the last query named, outside "voor/for" customers: what it says it does. */
  lastKinds(): ReadonlySet<string>;
  /** What the index reads one word of a query as: its known terms, after a typo try (diagnostics: word-oof.ts --words). */
  read(word: string): string[];
}

const GENERIC = new Set(GENERIC_HEADS.map(stem));
/**
 * Words that name the kind of activity (manufacture, wholesale, retail, rental,
 * repair, installation, growing). They are frequent, so idf alone would let the
 * product outweigh them, yet they decide between "Groothandel in", "Winkels in"
 * and "Vervaardiging van" the same product: their weight has a floor.
 */
const KIND = KIND_TERMS;
const KIND_WEIGHT = 6;
const GENERIC_WEIGHT = 0.3;
/** Terms in more documents than this are walked only through the documents rarer terms found. */
const COMMON = 100;
/** Unknown words tried as typos per query. */
const MAX_TYPO_TRIES = 4;
/** What an unknown word of the query weighs, against idf weights of ~2 (common) to ~9 (rare). */
const UNKNOWN_WEIGHT = 2.5;
/** …and an unknown word that is an adjective or participle by its form (text-words.ts `modifierForm`). */
const UNKNOWN_MODIFIER_WEIGHT = 1;
/** The best documents that may lend each other support along the SBI hierarchy. */
const BRANCH_POOL = 20;
/** A document of another kind of activity than the query says it does keeps this share of its score. */
const OTHER_KIND = 0.5;
/**
 * What a query's compound weighs whole, beside its parts (each at full weight): enough to prefer the title
 * with the same compound, too little to outvote the parts (issue 23, docs/accuracy.md: 0.1–1 compared on tune).
 */
const WHOLE_COMPOUND_WEIGHT = 0.25;

const canonical = (t: string) => TERM_ALIASES.get(t) ?? t;

/** Every form of a word with one letter removed: the keys of the typo map. */
function deletions(w: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < w.length; i++) out.push(w.slice(0, i) + w.slice(i + 1));
  return out;
}

export function createTermIndex(docs: IndexDoc[]): TermIndex {
  return runSteps(termIndexSteps(docs));
}

/** `createTermIndex` in slices (steps.ts): the same terms, postings and weights, computed in the same order. */
export function* termIndexSteps(docs: IndexDoc[]): Steps<TermIndex> {
  let done = 0;
  const pause = () => ++done % ITEMS_PER_STEP === 0;
  const surface = new Set<string>();
  for (const d of docs) {
    if (d.heads) for (const w of normaliseIndustry(d.text).split(' ')) surface.add(w);
    if (pause()) yield;
  }
  const splitter = yield* compoundSplitterSteps(surface, STOP);
  // One letter dropped from a known Dutch word → that word ("autobdrijf" → "autobedrijf").
  const typos = new Map<string, string>();
  for (const w of surface) {
    if (w.length >= 7) for (const d of deletions(w)) if (!typos.has(d)) typos.set(d, w);
    if (pause()) yield;
  }

  // A word that is an alias whole ("verkopen", "factory") is that concept, never split ("verk" + "open").
  // A compound is its parts and, first, itself whole (`compound`): "bakstenen" is bricks before it is
  // "bak" + "stenen", and a title with the same compound says more than one that shares a part.
  const wordTerms = (word: string): { terms: string[]; compound?: string } => {
    const alias = TERM_ALIASES.get(stem(word));
    if (alias !== undefined) return { terms: STOP.has(alias) ? [] : [alias] };
    const parts = splitter.terms(word).map(canonical);
    if (parts.length < 2) return { terms: parts.filter((t) => !STOP.has(t)) };
    const compound = canonical(stem(word.slice(0, MAX_WORD)));
    if (!parts.includes(compound)) parts.unshift(compound);
    return { terms: parts.filter((t) => !STOP.has(t)), compound };
  };
  function terms(text: string): string[] {
    const out = new Set<string>();
    for (const w of textWords(normaliseIndustry(text))) for (const t of wordTerms(w.word).terms) out.add(t);
    return [...out];
  }

  const docTerms: string[][] = [];
  for (const d of docs) {
    docTerms.push(terms(d.text));
    if (pause()) yield;
  }
  const postings = new Map<string, number[]>();
  docTerms.forEach((ts, i) => {
    for (const t of ts) {
      const list = postings.get(t);
      if (list) list.push(i);
      else postings.set(t, [i]);
    }
  });
  yield;
  const weights = new Map<string, number>();
  for (const [t, list] of postings) {
    const idf = Math.log(1 + docs.length / list.length);
    weights.set(t, GENERIC.has(t) ? idf * GENERIC_WEIGHT : KIND.has(t) ? Math.max(idf, KIND_WEIGHT) : idf);
  }
  yield;
  const docWeight = docTerms.map((ts) => ts.reduce((s, t) => s + (weights.get(t) ?? 0), 0));
  yield;
  // Terms in many documents ("groothandel", "vervaardiging") are not walked: they only add to documents
  // a rarer term found, and to the short labels that consist of them ("Wholesale", "Manufacturing").
  const shortDocs = new Map<string, number[]>();
  for (const [t, list] of postings) if (list.length > COMMON) shortDocs.set(t, list.filter((d) => docTerms[d].length <= 2));
  // Scratch accumulators, reused by every search (one search runs at a time: the matcher is synchronous).
  const queryAcc = new Float64Array(docs.length);
  const docAcc = new Float64Array(docs.length);
  let cost = 0;
  let typoTries = 0;
  const kinds = new Set<string>();

  /** A word's known terms (and its whole compound, if it is one), trying it as a typo of a known word when it has none. */
  function known(word: string): { terms: string[]; compound?: string } {
    const read = wordTerms(word);
    const ts = read.terms.filter((t) => postings.has(t));
    if (ts.length > 0 || word.length < 7 || word.length > 24 || typoTries >= MAX_TYPO_TRIES) return { terms: ts, compound: read.compound };
    typoTries++;
    cost += word.length;
    for (const c of [word, ...deletions(word)]) {
      const fixed = surface.has(c) && c !== word ? c : typos.get(c);
      // A typo keeps the first letter: "police" is not "polis", nor "advocaten" a catering word.
      if (fixed !== undefined && fixed !== word && fixed[0] === word[0]) {
        const again = wordTerms(fixed);
        return { terms: again.terms.filter((t) => postings.has(t)), compound: again.compound };
      }
    }
    return { terms: [] };
  }

  function search(query: string, limit: number): TermHit[] {
    splitter.resetWork();
    typoTries = 0;
    cost = 0;
    kinds.clear();
    // Query terms with their weights; a term seen twice keeps its larger weight.
    const wanted = new Map<string, number>();
    let total = 0;
    for (const w of textWords(normaliseIndustry(query))) {
      const factor = (w.forWhom ? 0.5 : 1) * (w.aside ? 0.6 : 1) * Math.max(0.5, 1 - 0.08 * w.position);
      const { terms: ts, compound } = known(w.word);
      if (ts.length === 0) {
        if (w.word.length >= 4) total += (modifierForm(w.word) ? UNKNOWN_MODIFIER_WEIGHT : UNKNOWN_WEIGHT) * factor;
        continue;
      }
      for (const t of ts) {
        if (!w.forWhom && KIND.has(t)) kinds.add(t);
        const weight = weights.get(t)! * factor * (t === compound ? WHOLE_COMPOUND_WEIGHT : 1);
        const before = wanted.get(t) ?? 0;
        if (weight > before) {
          total += weight - before;
          wanted.set(t, weight);
        }
      }
    }
    cost += splitter.work();
    if (wanted.size === 0) return [];
    const touched: number[] = [];
    const common: string[] = [];
    const add = (t: string, w: number, list: readonly number[]) => {
      cost += list.length;
      const full = weights.get(t)!;
      for (const d of list) {
        if (queryAcc[d] === 0 && docAcc[d] === 0) touched.push(d);
        queryAcc[d] += w;
        docAcc[d] += full;
      }
    };
    for (const [t, w] of wanted) {
      const list = postings.get(t)!;
      if (list.length <= COMMON) add(t, w, list);
      else {
        common.push(t);
        add(t, w, shortDocs.get(t)!);
      }
    }
    // Common terms add to the documents found so far (documents hold a handful of terms).
    if (common.length > 0) {
      const found = touched.length;
      for (let i = 0; i < found; i++) {
        const d = touched[i];
        cost += common.length;
        for (const t of common) {
          if (docTerms[d].length > 2 && docTerms[d].includes(t)) {
            queryAcc[d] += wanted.get(t)!;
            docAcc[d] += weights.get(t)!;
          }
        }
      }
    }
    // Each document on its own: the share of the query it explains, and of itself the query explains;
    // the best BRANCH_POOL are kept (insertion into a short sorted list, not a sort of all).
    // What the query says it does ("groothandel in", "we repair"): a document of another kind is unlikely whatever
    // product it shares ("Groothandel in aardappelproducten" is not the factory of them).
    const kindOf = (d: number) => {
      const ks = docs[d].kinds;
      if (kinds.size === 0 || !ks || ks.size === 0) return 1;
      for (const k of kinds) if (ks.has(k)) return 1;
      return OTHER_KIND;
    };
    const top: Array<{ doc: number; dc: number; score: number }> = [];
    for (const d of touched) {
      const dc = Math.min(1, docAcc[d] / (docWeight[d] || 1));
      const score = Math.min(1, queryAcc[d] / total) * Math.pow(dc, 0.25) * kindOf(d);
      queryAcc[d] = 0;
      docAcc[d] = 0;
      if (top.length === BRANCH_POOL && score <= top[top.length - 1].score) continue;
      let i = top.length;
      while (i > 0 && (top[i - 1].score < score || (top[i - 1].score === score && top[i - 1].doc > d))) i--;
      top.splice(i, 0, { doc: d, dc, score });
      if (top.length > BRANCH_POOL) top.pop();
    }
    cost += touched.length;
    // A code is also supported by what its ancestors' documents explain: "installatiebedrijf voor
    // zonnepanelen" is 43.21 (zonnepanelen) inside 43.2 (installatie); "cosmetics manufacturer" is
    // 20.42 (cosmetics) inside C (manufacturing).
    const matched = top.map((h) => docTerms[h.doc].filter((t) => wanted.has(t)));
    const byCode = new Map<string, number[]>();
    top.forEach((h, i) => {
      if (docs[h.doc].lends === false) return;
      const code = docs[h.doc].code;
      const list = byCode.get(code);
      if (list) list.push(i);
      else byCode.set(code, [i]);
    });
    const hits: TermHit[] = top.map((h, i) => {
      const union = new Set(matched[i]);
      for (const code of docs[h.doc].path) for (const j of byCode.get(code) ?? []) for (const t of matched[j]) union.add(t);
      let explained = 0;
      for (const t of union) explained += wanted.get(t)!;
      cost += union.size;
      return {
        doc: h.doc,
        score: Math.min(1, explained / total) * Math.pow(h.dc, 0.25) * kindOf(h.doc),
        genericOnly: matched[i].every((t) => GENERIC.has(t)),
      };
    });
    return hits.sort((a, b) => b.score - a.score || a.doc - b.doc).slice(0, limit);
  }

  const read = (word: string) => {
    typoTries = 0;
    return known(word).terms;
  };
  return { terms, search, lastCost: () => cost, lastKinds: () => kinds, read };
}
