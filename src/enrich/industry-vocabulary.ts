import { INDUSTRY_SYNONYMS } from './industry-synonyms.js';
import type { SbiEntry, SbiList } from './sbi-list.js';
import { ITEMS_PER_STEP, runSteps, type Steps } from './steps.js';
import { labelKey } from './text-words.js';

/**
 * Everything the free-text matcher knows, in two shapes: whole labels
 * (HubSpot options as values and labels, LinkedIn industries, the synonyms,
 * the SBI and NACE titles) keyed so that case, spacing, `&` and `and` do not
 * matter; and documents for the term index (the same texts, plus the CBS
 * table titles), each with the SBI entry it stands for.
 */

/** The classification tables of data/vocabulary/ (structural, so the matcher does not depend on how they are read). */
export interface IndustryTables {
  hubspot: ReadonlyArray<{ value: string; label: string; sbi: string }>;
  linkedin: ReadonlyArray<{ label: string; sbi: string }>;
  /** English NACE Rev. 2 titles; the code is NACE's, which SBI's first four digits follow. */
  nace: ReadonlyArray<{ code: string; title: string }>;
  /** Dutch search terms (KvK/CBS), when a public list exists. */
  searchTerms: ReadonlyArray<{ term: string; sbi: string }>;
  /** The classification's own descriptions (other editions' titles, NACE note items), Dutch and English. */
  activity?: ReadonlyArray<{ phrase: string; lang: 'nl' | 'en'; sbi: string; id?: string }>;
}

export type Source = 'hubspot' | 'linkedin' | 'synonym' | 'title';

export interface LabelHit {
  /** null: the label is known and has no honest SBI meaning (HubSpot's catch-alls). */
  entry: SbiEntry | null;
  source: Source;
  label: string;
}

export interface VocabularyDoc {
  entry: SbiEntry;
  source: Source;
  text: string;
  /** Dutch titles and synonyms: their words may be heads of Dutch compounds. */
  heads: boolean;
  /** Whether it supports the other documents of its code (text-index.ts `lends`); not the activity phrases. */
  lends: boolean;
}

export interface IndustryVocabulary {
  labels: Map<string, LabelHit>;
  docs: VocabularyDoc[];
}

/** A code as a table writes it → the SBI entry, or its nearest listed ancestor (NACE classes SBI does not list). */
export function entryFor(list: SbiList, code: string): SbiEntry | undefined {
  const c = code.trim();
  if (c === '') return undefined;
  const direct = list.byCode.get(c);
  if (direct) return direct;
  const digits = c.replace(/\D/g, '');
  for (let len = digits.length; len >= 2; len--) {
    const up = list.byDigits.get(digits.slice(0, len));
    if (up) return up;
  }
  return undefined;
}

export function buildVocabulary(
  list: SbiList,
  tables: IndustryTables | undefined,
  extraTitles: ReadonlyArray<{ code: string; title: string }>,
): IndustryVocabulary {
  return runSteps(vocabularySteps(list, tables, extraTitles));
}

/** `buildVocabulary` in slices (steps.ts): the same labels and documents in the same order. */
export function* vocabularySteps(
  list: SbiList,
  tables: IndustryTables | undefined,
  extraTitles: ReadonlyArray<{ code: string; title: string }>,
): Steps<IndustryVocabulary> {
  const labels = new Map<string, LabelHit>();
  const docs: VocabularyDoc[] = [];
  let done = 0;
  const pause = () => ++done % ITEMS_PER_STEP === 0;
  // First come, first served: the sources are added strongest first.
  const label = (text: string, code: string, source: Source, indexed = true, heads = false, lends = true) => {
    const key = labelKey(text);
    const entry = entryFor(list, code) ?? null;
    if (key !== '' && !labels.has(key) && (entry || code.trim() === '')) labels.set(key, { entry, source, label: text });
    if (entry && indexed) docs.push({ entry, source, text, heads, lends });
  };

  for (const h of tables?.hubspot ?? []) {
    label(h.value, h.sbi, 'hubspot', false);
    label(h.label, h.sbi, 'hubspot');
    if (pause()) yield;
  }
  for (const l of tables?.linkedin ?? []) {
    label(l.label, l.sbi, 'linkedin');
    if (pause()) yield;
  }
  for (const [term, code] of Object.entries(INDUSTRY_SYNONYMS)) {
    label(term, code, 'synonym', true, true);
    if (pause()) yield;
  }
  for (const t of tables?.searchTerms ?? []) {
    label(t.term, t.sbi, 'synonym', true, true);
    if (pause()) yield;
  }
  for (const e of list.entries) {
    label(e.title, e.code, 'title', true, true);
    if (pause()) yield;
  }
  // NACE codes are SBI's first four digits (section letters alike); a NACE class SBI does not list falls to its parent.
  for (const n of tables?.nace ?? []) {
    label(n.title, n.code, 'title');
    if (pause()) yield;
  }
  // Dutch phrases lend their words to compound splitting, as the SBI titles do; English ones do not.
  for (const a of tables?.activity ?? []) {
    label(a.phrase, a.sbi, 'title', true, a.lang === 'nl', false);
    if (pause()) yield;
  }
  for (const x of extraTitles) {
    const entry = list.byCode.get(x.code);
    if (entry) docs.push({ entry, source: 'title', text: x.title, heads: true, lends: true });
  }
  return { labels, docs };
}
