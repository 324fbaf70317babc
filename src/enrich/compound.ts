import { ITEMS_PER_STEP, runSteps, type Steps } from './steps.js';
import { MAX_WORD, stem } from './text-words.js';

/**
 * Dutch compounds split into the words they are made of, so that
 * "installatiebedrijf", "fietsenwinkel" and "kunststofverpakkingen" meet the
 * titles that say "installatie", "fietsen ... winkels" and "verpakkingen". A
 * compound is read head last (Dutch puts the kind of thing at the end): the
 * longest known tail is the head, the rest (minus a linking -s- or -en-) is
 * split again, at most twice. Lookups are of surface forms in a map, so a word
 * of n letters costs at most ~2n map lookups whatever it contains.
 */

/**
 * Heads that say what kind of business, not which trade: they are words of
 * their own, weigh little, and never outrank the specific part
 * ("voetbalvereniging" is football first, an association second).
 */
export const GENERIC_HEADS = [
  'bedrijf', 'bedrijven', 'zaak', 'praktijk', 'praktijken', 'bureau', 'bureaus', 'kantoor', 'kantoren', 'centrum', 'centra',
  'dienst', 'diensten', 'service', 'services', 'studio', 'atelier', 'organisatie', 'vereniging', 'verenigingen', 'stichting',
  'instelling', 'instellingen', 'specialist', 'groep', 'agency', 'group', 'solutions', 'industrie', 'branche', 'onderneming',
  'huis', 'firma', 'maatschappij',
];

/** Heads that say which kind of activity (trade, retail, manufacture): split off like the generic ones, but weighing fully. */
const KIND_HEADS = ['winkel', 'winkels', 'handel', 'groothandel', 'detailhandel', 'fabriek', 'fabrieken', 'werkplaats', 'fabrikant'];

/** Endings that look like words but are suffixes or fragments: "genootschap" does not end in sheep ("schapen"). */
const NOT_A_HEAD = new Set(['schap', 'schappen', 'stel', 'stellen', 'ring', 'ringen', 'ten', 'teren', 'heid', 'heden', 'nissen', 'tie', 'ties', 'ster', 'sters', 'ling', 'lingen', 'baar', 'lijk', 'erij', 'atie']);

/** Words read whole, never split: "groothandel" is wholesale, not "groot" + "handel". */
const KEEP_WHOLE = new Set(['groothandel', 'detailhandel', 'kleinhandel', 'groothandels', 'landbouw', 'tuinbouw', 'akkerbouw']);

/** Modifiers that are Dutch prefixes, not words: "onderhoud" is not "onder" + "houd". */
const NOT_A_MODIFIER = new Set(['over', 'door', 'voor', 'onder', 'tegen', 'achter', 'mede', 'weder', 'terug', 'samen', 'binnen', 'buiten']);

export interface CompoundSplitter {
  /** The stems a word stands for: its parts when it is a compound of known words, else its own stem. */
  terms(word: string): string[];
  /** Stems computed since the last reset: the bounded-cost test reads it. */
  work(): number;
  resetWork(): void;
}

/** At most this many trial stems per word, and per query: a word of random letters costs no more than a real one. */
const WORK_PER_WORD = 8;
const WORK_PER_QUERY = 80;

/**
 * Builds the splitter from the surface words that may be heads: Dutch words
 * (SBI titles, CBS table titles, synonyms), never the English tables' words,
 * so "autoschadeherstel" is not read as ending in English "steel".
 */
export function createCompoundSplitter(surfaceWords: ReadonlySet<string>, stop: ReadonlySet<string>): CompoundSplitter {
  return runSteps(compoundSplitterSteps(surfaceWords, stop));
}

/** `createCompoundSplitter` in slices (steps.ts): the same words added in the same order. */
export function* compoundSplitterSteps(surfaceWords: ReadonlySet<string>, stop: ReadonlySet<string>): Steps<CompoundSplitter> {
  // surface form → stem, for words long enough to be a head (4+ letters).
  const heads = new Map<string, string>();
  const stems = new Set<string>();
  // First four letters of every stem: a cheap test before stemming a tail that is not a surface word.
  const starts = new Set<string>();
  const generic = new Set(GENERIC_HEADS.map(stem));
  const add = (w: string) => {
    if (w.length < 4 || /\d/.test(w)) return;
    const s = stem(w);
    // Function words are no heads ("stukadoor" does not end in "door"); "bedrijf" is, though it is no term.
    // A head keeps 4 letters after stemming ("delen" is no head of "middelen").
    if (s.length < 4 && !generic.has(s)) return;
    if (stop.has(s) && s.length <= 5 && !generic.has(s)) return;
    heads.set(w, s);
    if (!heads.has(s)) heads.set(s, s);
    stems.add(s);
    starts.add(s.slice(0, 4));
  };
  // Short stems ("hei" of "heien", "dak") are known modifiers, never heads.
  let done = 0;
  for (const w of surfaceWords) {
    if (w.length >= 3 && !/\d/.test(w)) stems.add(stem(w));
    if (++done % ITEMS_PER_STEP === 0) yield;
  }
  for (const w of surfaceWords) {
    add(w);
    if (++done % ITEMS_PER_STEP === 0) yield;
  }
  for (const w of [...GENERIC_HEADS, ...KIND_HEADS]) add(w);
  let work = 0;
  let budget = 0;
  let left = WORK_PER_QUERY;

  /** The stem of a tail when it is a known word ("wasser" is "wassen"'s), and whether it is a word as written. */
  function headOf(tail: string): { stem: string; written: boolean } | undefined {
    if (NOT_A_HEAD.has(tail)) return undefined;
    const known = heads.get(tail);
    if (known !== undefined) return { stem: known, written: true };
    if (tail.length < 6 || tail.length > 16 || budget <= 0 || !starts.has(tail.slice(0, 4).replace(/c(?!h)/g, 'k'))) return undefined;
    budget--;
    work++;
    const s = stem(tail);
    return s.length >= 4 && stems.has(s) ? { stem: s, written: false } : undefined;
  }

  /** Whether a modifier is a word we know, or made of words we know. */
  const knownModifier = (mod: string) => stems.has(stem(mod)) || (mod.endsWith('s') && stems.has(stem(mod.slice(0, -1))));

  function split(word: string, depth: number): string[] {
    if (word.length >= 7 && depth < 3 && !KEEP_WHOLE.has(word)) {
      // Longest known head whose modifier is known too. Failing that, a word we do not know whole may
      // still end in a word as written ("qwertybakkerij"), of 5+ letters unless it names a kind of business.
      const wholeKnown = stems.has(stem(word));
      let fallback: { i: number; head: string } | undefined;
      for (let i = 3; i <= word.length - 4; i++) {
        const head = headOf(word.slice(i));
        if (head === undefined) continue;
        const mod = word.slice(0, i);
        if (NOT_A_MODIFIER.has(mod)) continue;
        work += 2;
        if (knownModifier(mod)) return parts(mod, head.stem, depth);
        if (!fallback && !wholeKnown && head.written && mod.length > 3 && (head.stem.length >= 5 || generic.has(head.stem))) fallback = { i, head: head.stem };
        if (budget <= 0) break;
        budget--;
      }
      if (fallback) return parts(word.slice(0, fallback.i), fallback.head, depth);
      // An unknown word that starts with a known one ("radiozender"): the known part, and the rest as it is.
      if (depth === 0 && !wholeKnown) {
        for (let i = word.length - 4; i >= 4; i--) {
          const mod = heads.get(word.slice(0, i));
          if (mod !== undefined && !generic.has(mod)) return [mod, stem(word.slice(i))];
        }
      }
    }
    work++;
    return [stem(word)];
  }

  function parts(mod: string, head: string, depth: number): string[] {
    // A linking -s- ("beveiligingsbedrijf") is not part of the modifier; -en- is removed by the stemmer.
    const m = mod.endsWith('s') && mod.length > 4 && !stems.has(stem(mod)) && stems.has(stem(mod.slice(0, -1))) ? mod.slice(0, -1) : mod;
    return [...split(m, depth + 1), head];
  }

  return {
    terms: (word) => {
      budget = Math.min(WORK_PER_WORD, left);
      const before = budget;
      const out = split(word.slice(0, MAX_WORD), 0);
      left -= before - budget;
      return out;
    },
    work: () => work,
    resetWork: () => {
      work = 0;
      left = WORK_PER_QUERY;
    },
  };
}
