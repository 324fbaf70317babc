import type { CbsCategoryGroup, CbsDimensionRow, CbsTableData } from './model.js';

/**
 * What each row of a table's SBI dimension covers. CBS keys are internal
 * (`'395000 '` is division 62); the SBI code sits in the title prefix: a section
 * (`J`), a section range (`A-U`, `B-F`), a set (`G+I`), a division (`62`), a
 * division range (`10-12`, `24-30, 33`) or a deeper code (`812`, `62.01`).
 * `CategoryGroupID` tells real codes from "Samentellingen" (aggregates).
 */

export type SbiCategoryLevel = 'total' | 'section' | 'division' | 'group' | 'class' | 'subclass';

/** An inclusive range over section letters (`kind: 'section'`) or over SBI digit prefixes of equal length. */
export interface SbiSpan {
  kind: 'section' | 'digits';
  from: string;
  to: string;
}

export interface SbiCategory {
  key: string;
  keyTrimmed: string;
  /** CBS title, whitespace-normalised (`62 IT-dienstverlening`). */
  title: string;
  /** The SBI prefix as written (`62`, `62-63`, `A-U`, `24-30, 33`). */
  code: string;
  /** The title without its prefix (`IT-dienstverlening`). */
  label: string;
  level: SbiCategoryLevel;
  /** A sum of several real codes (`62-63`, `B-F`, `G+I`), per CategoryGroups or by its shape. */
  aggregate: boolean;
  spans: SbiSpan[];
  /** How many SBI units the category covers at its level: smaller = more specific among equals. */
  width: number;
}

const clean = (s: string) => s.replace(/[\s\u00a0]+/g, ' ').trim();

/** The table's SBI dimension key (`BedrijfstakkenBranchesSBI2008`, or `BedrijfstakkenBranchesSBI2025` on 86280NED and its siblings), if it has one. */
export function findSbiDimensionKey(table: CbsTableData): string | undefined {
  const dims = table.dataProperties.filter((p) => p.type === 'Dimension');
  return (dims.find((p) => /^Bedrijfstakken.*SBI20(08|25)$/i.test(p.key)) ?? dims.find((p) => /SBI20(08|25)/i.test(p.key)))?.key;
}

/** Which SBI list a dimension key names: a code means something else in each (47.81, section K). */
export function sbiSystemOfKey(key: string): 'SBI2008' | 'SBI2025' {
  return /SBI2025/i.test(key) ? 'SBI2025' : 'SBI2008';
}

const LEVEL_BY_DIGITS: Record<number, SbiCategoryLevel> = { 2: 'division', 3: 'group', 4: 'class', 5: 'subclass' };
const letterIndex = (l: string) => l.charCodeAt(0) - 64;

interface Prefix {
  code: string;
  label: string;
  level: SbiCategoryLevel;
  spans: SbiSpan[];
  ranged: boolean;
}

/** Parses the SBI prefix of a dimension title; undefined when the title carries none (e.g. "Totaal (ex. ...)"). */
export function parseSbiTitle(rawTitle: string): Prefix | undefined {
  const title = clean(rawTitle);
  // Section letters: "J ...", "A-U ...", "G+I ...", "B-E ..." (SBI 2025 runs to V: "A-V").
  let m = /^([A-V](?:\s*[-+]\s*[A-V])*)\s+(\S.*)$/.exec(title);
  if (m && !/^[A-V][a-z]/.test(title)) {
    const code = m[1].replace(/\s+/g, '');
    const spans: SbiSpan[] = [];
    const tokens = code.match(/[A-V]|[-+]/g) ?? [];
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i] === '+' || tokens[i] === '-') continue;
      if (tokens[i + 1] === '-' && tokens[i + 2]) {
        spans.push({ kind: 'section', from: tokens[i], to: tokens[i + 2] });
        i += 2;
      } else spans.push({ kind: 'section', from: tokens[i], to: tokens[i] });
    }
    if (spans.some((s) => s.from > s.to)) return undefined;
    const all = spans.length === 1 && spans[0].from === 'A' && (spans[0].to === 'U' || spans[0].to === 'V');
    return { code, label: m[2], level: all ? 'total' : 'section', spans, ranged: spans.length > 1 || spans[0].from !== spans[0].to };
  }
  // Digits: "62 ...", "10-12 ...", "24-30, 33 ...", "812 ...", "62.01 ..."
  m = /^(\d{2}(?:\.?\d{1,3})?(?:\s*[-,+]\s*\d{2}(?:\.?\d{1,3})?)*)\s+(\S.*)$/.exec(title);
  if (!m) return undefined;
  const code = m[1].replace(/\s+/g, ' ').replace(/\s*([-+])\s*/g, '$1');
  const spans: SbiSpan[] = [];
  for (const piece of code.split(/\s*[,+]\s*/)) {
    const [from, to = from] = piece.split('-').map((p) => p.replace(/\./g, ''));
    if (from.length !== to.length || from > to || from.length > 5) return undefined;
    spans.push({ kind: 'digits', from, to });
  }
  const len = spans[0].from.length;
  if (spans.some((s) => s.from.length !== len)) return undefined;
  return { code, label: m[2], level: LEVEL_BY_DIGITS[len], spans, ranged: spans.length > 1 || spans[0].from !== spans[0].to };
}

function spanWidth(s: SbiSpan): number {
  if (s.kind === 'section') return letterIndex(s.to) - letterIndex(s.from) + 1;
  return Number(s.to) - Number(s.from) + 1;
}

/** True when the group (or one of its ancestors) is a "Samentellingen"/"Totaal" group. */
function groupSays(groups: Map<number, CbsCategoryGroup>, id: number | null, pattern: RegExp): boolean {
  for (let g = id === null ? undefined : groups.get(id), hops = 0; g && hops < 10; g = g.parentId === null ? undefined : groups.get(g.parentId), hops++) {
    if (pattern.test(g.title)) return true;
  }
  return false;
}

export function sbiCategory(row: CbsDimensionRow, groups: Map<number, CbsCategoryGroup>): SbiCategory | undefined {
  const prefix = parseSbiTitle(row.title);
  if (!prefix) return undefined;
  const total = prefix.level === 'total' || groupSays(groups, row.categoryGroupId, /^Totaal\b/i);
  const aggregate = !total && (prefix.ranged || groupSays(groups, row.categoryGroupId, /Samentelling/i));
  return {
    key: row.key,
    keyTrimmed: row.keyTrimmed,
    title: clean(row.title),
    code: prefix.code,
    label: prefix.label,
    level: total && prefix.spans[0].kind === 'section' ? 'total' : prefix.level,
    aggregate,
    spans: prefix.spans,
    width: prefix.spans.reduce((n, s) => n + spanWidth(s), 0),
  };
}

/** Every row of the table's SBI dimension that names an SBI code or range, in dimension order. */
export function deriveSbiCategories(table: CbsTableData): { dimensionKey: string; system: 'SBI2008' | 'SBI2025'; categories: SbiCategory[] } | undefined {
  const dimensionKey = findSbiDimensionKey(table);
  if (!dimensionKey) return undefined;
  const groups = new Map(table.categoryGroups.filter((g) => g.dimensionKey === dimensionKey || g.dimensionKey === '').map((g) => [g.id, g]));
  const categories: SbiCategory[] = [];
  for (const row of table.dimensions[dimensionKey] ?? []) {
    const category = sbiCategory(row, groups);
    if (category) categories.push(category);
  }
  return categories.length > 0 ? { dimensionKey, system: sbiSystemOfKey(dimensionKey), categories } : undefined;
}

/** Does the category cover an SBI code (its digits, `''` for a section) in section `section`? */
export function categoryContains(category: SbiCategory, digits: string, section: string): boolean {
  return category.spans.some((s) => {
    if (s.kind === 'section') return section >= s.from && section <= s.to;
    if (digits.length < s.from.length) return false;
    const prefix = digits.slice(0, s.from.length);
    return prefix >= s.from && prefix <= s.to;
  });
}
