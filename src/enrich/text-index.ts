import Fuse from 'fuse.js';

/**
 * A small token index for matching industry text against SBI titles. Query
 * words meet title words exactly, inside Dutch compounds
 * ("kunststofverpakkingen" ∋ "verpakkingen"), or through fuse.js over the
 * vocabulary of single words, which stays fast where fuzzy-matching whole
 * 100-character titles does not (tens of ms per query).
 */

/** Lower case, no accents, punctuation and underscores as spaces: "IT-consultancy" → "it consultancy". */
export function normaliseIndustry(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const STOPWORDS = new Set(
  'van en de het een in op voor met niet geen overige overig rest ed of and the for to by via als aan bij naar zonder dan elders genoemd company bedrijf'.split(' '),
);

/** A very light Dutch/English plural stem, so "winkels", "fietsen" and "verpakkingen" meet their compounds. */
function stem(w: string): string {
  if (w.length > 5 && w.endsWith('en')) return w.slice(0, -2);
  if (w.length > 5 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

export const indexWords = (text: string) =>
  text
    .split(' ')
    .filter((w) => w.length >= 3 && !STOPWORDS.has(w))
    .map(stem);

export interface TokenHit {
  doc: number;
  /** 0..1: how much of the query the document explains, tempered by unexplained title words. */
  score: number;
}

export function createTokenIndex(texts: string[]): (query: string, limit: number) => TokenHit[] {
  const docWords = texts.map((t) => [...new Set(indexWords(t))]);
  const df = new Map<string, number>();
  const postings = new Map<string, number[]>();
  docWords.forEach((ws, i) => {
    for (const w of ws) {
      df.set(w, (df.get(w) ?? 0) + 1);
      const list = postings.get(w);
      if (list) list.push(i);
      else postings.set(w, [i]);
    }
  });
  const idf = (w: string) => Math.log(1 + texts.length / (df.get(w) ?? 1));
  const vocabulary = [...df.keys()];
  const longWords = vocabulary.filter((v) => v.length >= 5);
  const fuse = new Fuse(vocabulary, { includeScore: true, threshold: 0.3, minMatchCharLength: 3 });

  /** Vocabulary words a query word stands for, with a weight in 0..1. */
  function expand(q: string): Map<string, number> {
    const out = new Map<string, number>();
    if (df.has(q)) out.set(q, 1);
    if (q.length >= 5) {
      for (const v of longWords) {
        if (v === q || !(q.includes(v) || v.includes(q))) continue;
        const overlap = Math.min(v.length, q.length) / Math.max(v.length, q.length);
        out.set(v, Math.max(out.get(v) ?? 0, 0.75 * Math.sqrt(overlap)));
      }
    }
    if (out.size === 0) {
      for (const r of fuse.search(q, { limit: 3 })) out.set(r.item, Math.max(out.get(r.item) ?? 0, 0.8 * (1 - (r.score ?? 1))));
    }
    return out;
  }

  return (query, limit) => {
    const qs = [...new Set(indexWords(query))].slice(0, 12);
    if (qs.length === 0) return [];
    const scores = new Map<number, number>();
    let possible = 0;
    for (const q of qs) {
      const expansions = expand(q);
      const ceiling = Math.max(idf(q), ...[...expansions.keys()].map(idf));
      possible += ceiling;
      // A compound query word ("fietsenwinkel") may meet several title words ("fiets", "winkel"): add them up, to a ceiling.
      const sum = new Map<number, number>();
      for (const [v, weight] of expansions) {
        for (const d of postings.get(v) ?? []) sum.set(d, (sum.get(d) ?? 0) + weight * idf(v));
      }
      for (const [d, s] of sum) scores.set(d, (scores.get(d) ?? 0) + Math.min(s, ceiling));
    }
    const ranked: TokenHit[] = [];
    for (const [doc, s] of scores) {
      const precision = Math.min(1, qs.length / (docWords[doc].length || 1));
      ranked.push({ doc, score: Math.min(1, (s / possible) * (0.7 + 0.3 * precision)) });
    }
    return ranked.sort((a, b) => b.score - a.score || a.doc - b.doc).slice(0, limit);
  };
}
