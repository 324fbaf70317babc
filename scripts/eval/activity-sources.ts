import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { splitCsvLine } from '../../src/enrich/sbi-list.js';
import { labelKey } from '../../src/enrich/text-words.js';
import { splitOf, type Split } from './cases.js';

/**
 * The classification's own descriptions of activities, as phrases with the SBI
 * 2008 codes they stand for (data/classification-sources/, provenance in its
 * README): other editions' titles (SBI 2025 Dutch and English, NACE-BEL 2025
 * Dutch, NACE Rev. 2.1 English) and the items of the NACE explanatory notes
 * (includes, also includes, and excludes with the code they name instead).
 *
 * One module feeds both generators, so they agree on every phrase's id and
 * split: the phrase's evaluation case has that id, and only phrases whose id
 * falls in TUNE may enter the vocabulary (scripts/build-activity-vocabulary.ts).
 * Holdout thereby measures phrases the matcher never saw.
 */

const DIR = fileURLToPath(new URL('../../data/classification-sources/', import.meta.url));
const CORRESPONDENCE = fileURLToPath(new URL('../../data/nace2-nace21/nace2_to_nace21.csv', import.meta.url));
const SBI2025 = fileURLToPath(new URL('../../data/sbi2025/sbi2025_structure.csv', import.meta.url));

export type Lang = 'nl' | 'en';
export type PhraseKind = 'title' | 'note';

export interface SourcePhrase {
  /** Also the id of the phrase's evaluation case (`op-…` a title, `ni-…` a note item). */
  id: string;
  split: Split;
  kind: PhraseKind;
  lang: Lang;
  text: string;
  /** Where it comes from: `sbi2025-nl`, `nacebel2025-nl`, `nace21-en`, `nace2-note`, `nace21-note`, … */
  source: string;
  /** The code in its own classification (`62.10`, `01.131`). */
  sourceCode: string;
  /** Every SBI 2008 (= NACE Rev. 2) class or coarser code the phrase may mean, digits only (`6201`, `45`). */
  sbi2008: string[];
}

function readCsv(path: string): Array<Record<string, string>> {
  const lines = readFileSync(path, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l !== '');
  const header = splitCsvLine(lines[0]);
  return lines.slice(1).map((l) => {
    const f = splitCsvLine(l);
    return Object.fromEntries(header.map((h, i) => [h, (f[i] ?? '').trim()]));
  });
}

const digits = (code: string) => code.replace(/\D/g, '');

/** NACE Rev. 2.1 code (digits, any level) → the NACE Rev. 2 codes (digits) Eurostat pairs it with. */
function correspondence(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of readCsv(CORRESPONDENCE)) {
    if (r.level === 'section') continue;
    const to = digits(r.nace21_code);
    out.set(to, [...(out.get(to) ?? []), digits(r.nace2_code)]);
  }
  return out;
}

/** The NACE Rev. 2 codes of a NACE Rev. 2.1 code: its class's pairs, or its group's/division's when it is coarser. */
function toNace2(map: Map<string, string[]>, nace21: string): string[] {
  const d = digits(nace21);
  for (let len = Math.min(4, d.length); len >= 2; len--) {
    const found = map.get(d.slice(0, len));
    if (found) return [...new Set(found)];
  }
  return [];
}

/** Eurostat notes as items: "This class includes: - a - b:   • b1   • b2" → ["a", "b: b1", "b: b2"]. */
export function noteItems(note: string): string[] {
  if (note === '' || note === 'NA') return [];
  const body = note.replace(/^this (class|group|division|section) (also )?(includes|excludes)( also)?:?\s*/i, '');
  const items: string[] = [];
  for (const part of body.split(/\s+-\s+|^-\s+/)) {
    const [head, ...subs] = part.split(/\s*•\s*/);
    const h = head.trim().replace(/[:;,.]+$/, '');
    if (subs.length === 0) {
      if (h) items.push(h);
      continue;
    }
    if (h && !head.trim().endsWith(':')) items.push(h);
    for (const s of subs) {
      const sub = s.trim().replace(/[;,.]+$/, '');
      // A bullet without its head names a thing, not an activity ("computer servers"): it is kept with its head only.
      if (sub && h) items.push(`${h}: ${sub}`);
    }
  }
  // Sentences of prose ("This group includes general activities …") are no items.
  // Eurostat's coding rules ("IMPLEMENTATION RULE: …") describe no activity.
  return items.filter((t) => t.length >= 4 && t.length <= 160 && !/^(this (class|group|division|section)|implementation rule)/i.test(t));
}

/** An excludes item and the NACE codes it names: "production of metal powder, see 24.1, 24.4". */
export function excludedItem(item: string): { text: string; codes: string[] } | undefined {
  const m = /^(.*?),?\s+see\s+((?:\d{2}(?:\.\d{1,2})?(?:\s*,\s*|\s+and\s+|\s*)?)+)/i.exec(item);
  if (!m) return undefined;
  const codes = [...m[2].matchAll(/\d{2}(?:\.\d{1,2})?/g)].map((c) => digits(c[0]));
  const text = m[1].trim().replace(/[:;,.]+$/, '');
  return text.length >= 4 && codes.length > 0 ? { text, codes } : undefined;
}

/**
 * Every phrase, deduplicated by language and text (the first source keeps it; later sources with the same text
 * add their codes). Order: titles (SBI 2025 NL, NACE-BEL NL, SBI 2025 EN, NACE 2.1 EN), then NACE Rev. 2 and
 * Rev. 2.1 note items.
 */
export function loadSourcePhrases(): SourcePhrase[] {
  const map = correspondence();
  const byKey = new Map<string, SourcePhrase>();
  const add = (kind: PhraseKind, lang: Lang, text: string, source: string, sourceCode: string, sbi2008: string[], idPart: string) => {
    const clean = text.replace(/\s+/g, ' ').trim();
    const key = `${lang}:${labelKey(clean)}`;
    if (clean === '' || sbi2008.length === 0 || labelKey(clean) === '') return;
    const seen = byKey.get(key);
    if (seen) {
      seen.sbi2008 = [...new Set([...seen.sbi2008, ...sbi2008])];
      return;
    }
    const id = `${kind === 'title' ? 'op' : 'ni'}-${idPart}`;
    byKey.set(key, { id, split: splitOf(id), kind, lang, text: clean, source, sourceCode, sbi2008: [...new Set(sbi2008)] });
  };

  const sbi2025 = readCsv(SBI2025).filter((r) => r.level !== 'section');
  for (const r of sbi2025) add('title', 'nl', r.title_nl, 'sbi2025-nl', r.code_dotted, toNace2(map, r.code), `sbi25nl-${r.code}`);
  const nacebel = readCsv(`${DIR}nacebel2025.csv`).filter((r) => r.LEVEL !== '1');
  for (const r of nacebel) add('title', 'nl', r.NATIONAL_TITLE_BE_NL, 'nacebel2025-nl', r.CODE, toNace2(map, r.CODE), `nbel-${digits(r.CODE)}`);
  for (const r of sbi2025) add('title', 'en', r.title_en, 'sbi2025-en', r.code_dotted, toNace2(map, r.code), `sbi25en-${r.code}`);
  const nace21 = readCsv(`${DIR}nace21_en.csv`).filter((r) => /^\d/.test(r.nace21));
  for (const r of nace21) add('title', 'en', r.NAME, 'nace21-en', r.nace21, toNace2(map, r.nace21), `n21en-${digits(r.nace21)}`);

  // Note items: includes of a class stand for that class; an excludes item for the codes it names.
  const notes = (rows: Array<Record<string, string>>, codeField: string, source: string, idTag: string, toSbi: (c: string) => string[]) => {
    for (const r of rows) {
      const code = r[codeField];
      if (!/^\d{2}\.\d{2}$/.test(code)) continue;
      let n = 0;
      for (const field of ['Include', 'Include_Also'] as const) {
        for (const item of noteItems(r[field] ?? '')) {
          if (/\bsee\s+\d{2}/i.test(item)) continue;
          add('note', 'en', item, source, code, toSbi(code), `${idTag}-${digits(code)}-i${++n}`);
        }
      }
      let x = 0;
      for (const item of noteItems(r.Exclude ?? '')) {
        const ex = excludedItem(item);
        if (ex) add('note', 'en', ex.text, source, code, ex.codes.flatMap(toSbi), `${idTag}-${digits(code)}-x${++x}`);
      }
    }
  };
  notes(readCsv(`${DIR}nace2_en.csv`), 'nace2', 'nace2-note', 'n2', (c) => [digits(c)]);
  notes(nace21, 'nace21', 'nace21-note', 'n21', (c) => toNace2(map, c));
  return [...byKey.values()];
}

/** The deepest SBI 2008 code (digits) all of a phrase's codes share, at least a division; undefined when they span divisions. */
export function commonCode(codes: readonly string[]): string | undefined {
  if (codes.length === 0) return undefined;
  let prefix = codes[0];
  for (const c of codes) {
    let i = 0;
    while (i < prefix.length && i < c.length && prefix[i] === c[i]) i++;
    prefix = prefix.slice(0, i);
  }
  // Group digits come in steps: a shared "45" of 4511 and 4519 is a group "451"; a lone third digit is fine.
  return prefix.length >= 2 ? prefix : undefined;
}
