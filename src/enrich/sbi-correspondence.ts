import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { collapseWhitespace, loadSbiList, type SbiEntry, type SbiList, splitCsvLine } from './sbi-list.js';
import { loadSbi2025List } from './sbi2025-list.js';

/**
 * SBI 2008 ⇄ SBI 2025 through Eurostat's NACE Rev. 2 ⇄ 2.1 pairs (data/nace2-nace21/),
 * at every level. SBI 2008 classes are NACE Rev. 2 classes except the Dutch ones
 * (33.21–33.29, 35.20, 46.68, 86.91/86.92, 93.14/93.15), which go through their
 * NACE group; SBI 2025 classes are exactly NACE Rev. 2.1. CBS's own conversion
 * table is not public, so a code's counterparts are candidates: one is the answer,
 * several are narrowed by an equal title or the lead's own words, else the answer
 * is their deepest common code (see `narrow`).
 */

export const CORRESPONDENCE_FILE = fileURLToPath(new URL('../../data/nace2-nace21/nace2_to_nace21.csv', import.meta.url));

export interface Classifications {
  sbi2008: SbiList;
  sbi2025: SbiList;
  /** NACE Rev. 2 code → NACE Rev. 2.1 codes at the same level (dotted: `62.01`, `62.0`, `62`, `J`). */
  forward: Map<string, string[]>;
  /** NACE Rev. 2.1 code → NACE Rev. 2 codes. */
  backward: Map<string, string[]>;
  /** Code → its direct children, per list (for the subclasses under a class). */
  children: { SBI2008: Map<string, SbiEntry[]>; SBI2025: Map<string, SbiEntry[]> };
}

function push(map: Map<string, string[]>, key: string, value: string) {
  const list = map.get(key);
  if (!list) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

function childrenOf(list: SbiList): Map<string, SbiEntry[]> {
  const map = new Map<string, SbiEntry[]>();
  for (const e of list.entries) {
    const parent = e.parents.at(-1);
    if (parent === undefined) continue;
    const kids = map.get(parent);
    if (kids) kids.push(e);
    else map.set(parent, [e]);
  }
  return map;
}

export function buildClassifications(sbi2008: SbiList, sbi2025: SbiList, pairsCsv: string): Classifications {
  const forward = new Map<string, string[]>();
  const backward = new Map<string, string[]>();
  for (const [n, line] of pairsCsv.replace(/^\uFEFF/, '').split(/\r?\n/).entries()) {
    if (n === 0 || line.trim() === '') continue;
    const [, nace2 = '', nace21 = ''] = splitCsvLine(line);
    push(forward, nace2, nace21);
    push(backward, nace21, nace2);
  }
  return { sbi2008, sbi2025, forward, backward, children: { SBI2008: childrenOf(sbi2008), SBI2025: childrenOf(sbi2025) } };
}

let bundled: Classifications | undefined;

/** Both bundled lists and the pairs, read once per process. */
export function loadClassifications(): Classifications {
  bundled ??= buildClassifications(loadSbiList(), loadSbi2025List(), readFileSync(CORRESPONDENCE_FILE, 'utf8'));
  return bundled;
}

/** The entry and its ancestors, deepest first. */
function upwards(list: SbiList, entry: SbiEntry): SbiEntry[] {
  return [entry, ...entry.parents.map((c) => list.byCode.get(c)!).reverse()];
}

/** The leaves (codes without children) under an entry, the entry itself when it has none. */
function leavesUnder(children: Map<string, SbiEntry[]>, entry: SbiEntry): SbiEntry[] {
  const kids = children.get(entry.code);
  return kids ? kids.flatMap((k) => leavesUnder(children, k)) : [entry];
}

/** The deepest code that is (an ancestor of) every one of the entries; undefined when they share no section. */
export function commonAncestor(list: SbiList, entries: SbiEntry[]): SbiEntry | undefined {
  if (entries.length === 0) return undefined;
  const within = (e: SbiEntry, code: string) => e.code === code || e.parents.includes(code);
  return upwards(list, entries[0]).find((up) => entries.every((e) => within(e, up.code)));
}

const titleKey = (title: string) => collapseWhitespace(title).toLowerCase();

/** Counterparts of a code in the other list, before any narrowing. */
export interface Counterparts {
  /** The NACE code the pairs were read at (`33.2` for the Dutch class 33.21). */
  via: string;
  candidates: SbiEntry[];
}

/** SBI 2008 → SBI 2025: the 2025 leaves under the NACE Rev. 2.1 counterparts (groups and up: the counterparts themselves). */
export function to2025(c: Classifications, entry: SbiEntry): Counterparts {
  const chain = upwards(c.sbi2008, entry);
  const at = chain.find((e) => c.forward.has(e.code));
  if (!at) return { via: entry.code, candidates: [] };
  const targets = c.forward.get(at.code)!.map((code) => c.sbi2025.byCode.get(code)).filter((e): e is SbiEntry => e !== undefined);
  const deep = entry.level === 'class' || entry.level === 'subclass';
  const candidates = deep ? targets.flatMap((t) => leavesUnder(c.children.SBI2025, t)) : targets;
  return { via: at.code, candidates: unique(candidates) };
}

/**
 * SBI 2025 → SBI 2008: the SBI 2008 codes of the NACE Rev. 2 counterparts (a NACE class SBI
 * 2008 split into Dutch classes, 86.90, stands as its SBI 2008 group 86.9), narrowed to the
 * one SBI 2008 code under them with the same title when there is one (95311 → 45.20.1).
 */
export function to2008(c: Classifications, entry: SbiEntry): Counterparts {
  const chain = upwards(c.sbi2025, entry);
  const at = chain.find((e) => c.backward.has(e.code));
  if (!at) return { via: entry.code, candidates: [] };
  const found: SbiEntry[] = [];
  for (const code of c.backward.get(at.code)!) {
    let hit = c.sbi2008.byCode.get(code);
    // A NACE class SBI 2008 does not list (33.20, 86.90): its group.
    if (!hit && code.length === 5) hit = c.sbi2008.byCode.get(code.slice(0, 4));
    if (hit) found.push(hit);
  }
  const candidates = unique(found);
  if (entry.level === 'subclass' || entry.level === 'class') {
    const key = titleKey(entry.title);
    const same = unique(candidates.flatMap((e) => [e, ...descendants(c.children.SBI2008, e)]).filter((e) => titleKey(e.title) === key));
    if (same.length === 1) return { via: at.code, candidates: same };
  }
  return { via: at.code, candidates };
}

function descendants(children: Map<string, SbiEntry[]>, entry: SbiEntry): SbiEntry[] {
  return (children.get(entry.code) ?? []).flatMap((k) => [k, ...descendants(children, k)]);
}

function unique(entries: SbiEntry[]): SbiEntry[] {
  return [...new Map(entries.map((e) => [e.code, e])).values()];
}

// Narrowing several candidates ------------------------------------------------------------------

export type NarrowMethod = 'one' | 'title' | 'evidence' | 'common';

export interface Narrowed {
  /** The answer: the one candidate, or their deepest common code (undefined: they share no section). */
  entry: SbiEntry | undefined;
  method: NarrowMethod;
  /** For 'evidence': the words of the lead that decided. */
  words?: string[];
}

const STOP = new Set([
  'van', 'voor', 'met', 'een', 'het', 'den', 'der', 'des', 'door', 'naar', 'niet', 'geen', 'ander', 'andere', 'overige', 'overig',
  'rest', 'en', 'of', 'in', 'op', 'aan', 'bij', 'als', 'dergelijke', 'activiteiten', 'activiteit', 'gebied', 'verband', 'and', 'the',
  'other', 'with', 'from', 'activities', 'n.e.g', 'neg',
]);

const MAX_EVIDENCE = 600;

const fold = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

/** Folded word stems of a text: lower case, no accents, words of 4+ letters, cut to 6 letters (Dutch compounds share them). */
export function stemsOf(text: string): string[] {
  const words = fold(text)
    .split(/[^a-z]+/)
    .filter((w) => w.length >= 4 && !STOP.has(w));
  return [...new Set(words.map((w) => w.slice(0, 6)))];
}

/**
 * Several candidates → one, in the research note's order: (1) the only candidate
 * whose title equals the source code's title; (2) the only candidate that shares
 * more distinguishing words with the lead's own text (industry text, KvK activity
 * description) than every other; else (3) the deepest code common to all of them.
 */
export function narrow(list: SbiList, candidates: SbiEntry[], sourceTitle: string, evidence: string[]): Narrowed {
  if (candidates.length === 1) return { entry: candidates[0], method: 'one' };
  const key = titleKey(sourceTitle);
  const same = candidates.filter((e) => titleKey(e.title) === key);
  if (same.length === 1) return { entry: same[0], method: 'title' };
  // Bounded: the lead's words come from anyone, and a title word is found in their first few hundred characters or not at all.
  const text = evidence.join(' ').slice(0, MAX_EVIDENCE);
  if (text.trim() !== '' && candidates.length > 1) {
    // The lead's words whole: a title stem inside a compound counts ("repara" in "autoreparatie").
    const folded = fold(text);
    const stems = candidates.map((e) => stemsOf(e.title));
    // Words every candidate has ("detailhandel") decide nothing.
    const shared = new Set(stems[0].filter((s) => stems.every((t) => t.includes(s))));
    const scored = stems.map((ss) => ss.filter((s) => !shared.has(s) && folded.includes(s)));
    const best = Math.max(...scored.map((s) => s.length));
    const winners = scored.flatMap((s, i) => (s.length === best ? [i] : []));
    if (best > 0 && winners.length === 1) return { entry: candidates[winners[0]], method: 'evidence', words: scored[winners[0]] };
  }
  return { entry: commonAncestor(list, candidates), method: 'common' };
}
