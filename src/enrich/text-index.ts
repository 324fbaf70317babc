import { createCompoundSplitter, GENERIC_HEADS, type CompoundSplitter } from './compound.js';
import { normaliseIndustry, stem, STOP, textWords } from './text-words.js';

/**
 * A term index over the vocabulary (SBI and NACE titles, CRM labels,
 * synonyms). Text becomes terms (stemmed words and the parts of compounds);
 * a document scores by the share of the query's known terms it explains and
 * the share of its own terms the query explains, each weighted by rarity
 * (idf), with generic heads ("bedrijf", "winkel", "vereniging") weighing
 * little. Only exact terms meet: no fuzzy search, so the cost of a query is
 * bounded by its capped length and the postings of its terms, and a word
 * never meets a look-alike of another language ("learning" is not "cleaning").
 */

export { normaliseIndustry };

export interface IndexDoc {
  code: string;
  text: string;
  /** Whether its words may be heads of Dutch compounds (Dutch titles and synonyms; not the English tables). */
  heads: boolean;
}

export interface TermHit {
  doc: number;
  /** 0..1: weighted share of the query's known terms this document explains. */
  query: number;
  /** 0..1: weighted share of the document's terms the query explains. */
  doc_: number;
  /** The combined score in 0..1. */
  score: number;
}

export interface TermIndex {
  splitter: CompoundSplitter;
  /** The distinct terms of a text, in order. */
  terms(text: string): string[];
  search(query: string, limit: number): TermHit[];
  /** Work done by the last search: postings walked plus stems computed (for the bounded-cost test). */
  lastCost(): number;
}

const GENERIC = new Set(GENERIC_HEADS.map(stem));
const GENERIC_WEIGHT = 0.3;
/** Terms in more documents than this decide nothing on their own; their postings are not walked. */
const MAX_POSTINGS = 400;

export function createTermIndex(docs: IndexDoc[]): TermIndex {
  const surface = new Set<string>();
  for (const d of docs) if (d.heads) for (const w of normaliseIndustry(d.text).split(' ')) surface.add(w);
  const splitter = createCompoundSplitter(surface, STOP);

  function terms(text: string): string[] {
    const out = new Set<string>();
    for (const w of textWords(normaliseIndustry(text))) for (const t of splitter.terms(w)) if (!STOP.has(t)) out.add(t);
    return [...out];
  }

  const docTerms = docs.map((d) => terms(d.text));
  const postings = new Map<string, number[]>();
  docTerms.forEach((ts, i) => {
    for (const t of ts) {
      const list = postings.get(t);
      if (list) list.push(i);
      else postings.set(t, [i]);
    }
  });
  const weights = new Map<string, number>();
  for (const [t, list] of postings) weights.set(t, Math.log(1 + docs.length / list.length) * (GENERIC.has(t) ? GENERIC_WEIGHT : 1));
  const docWeight = docTerms.map((ts) => ts.reduce((s, t) => s + (weights.get(t) ?? 0), 0));
  let cost = 0;

  function search(query: string, limit: number): TermHit[] {
    splitter.resetWork();
    const qs = terms(query).filter((t) => postings.has(t));
    cost = splitter.work();
    if (qs.length === 0) return [];
    let total = 0;
    const acc = new Map<number, number>();
    for (const t of qs) {
      const w = weights.get(t)!;
      total += w;
      const list = postings.get(t)!;
      if (list.length > MAX_POSTINGS) continue;
      cost += list.length;
      for (const d of list) acc.set(d, (acc.get(d) ?? 0) + w);
    }
    const hits: TermHit[] = [];
    for (const [doc, matched] of acc) {
      const q = matched / total;
      const dc = Math.min(1, matched / (docWeight[doc] || 1));
      hits.push({ doc, query: q, doc_: dc, score: Math.sqrt(q) * Math.pow(dc, 0.35) });
    }
    return hits.sort((a, b) => b.score - a.score || a.doc - b.doc).slice(0, limit);
  }

  return { splitter, terms, search, lastCost: () => cost };
}
