import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type SbiEntry, type SbiLevel, type SbiList, splitCsvLine } from './sbi-list.js';

/**
 * The CBS SBI 2025 code list (data/sbi2025/): 1,954 codes, sections A–V down to
 * the 907 five-digit subclasses, in the same shape as the SBI 2008 list so the
 * hierarchy walk and the table indexes read either. Canonical spelling is the
 * dotted one (`62.10.0`); `digits` is the register's (`62100`).
 */

export const SBI2025_LIST_FILE = fileURLToPath(new URL('../../data/sbi2025/sbi2025_structure.csv', import.meta.url));

const LEVELS = new Set<SbiLevel>(['section', 'division', 'group', 'class', 'subclass']);

/**
 * CBS writes the 21 section titles in capitals ("GROOT- EN DETAILHANDEL"), every other level in
 * sentence case. A card and the status page show the section when a lead's code is that coarse, so
 * it is read in the case of the rest ("Groot- en detailhandel"); none of the titles holds an acronym.
 */
function sentenceCase(title: string): string {
  if (title !== title.toUpperCase()) return title;
  const lower = title.toLocaleLowerCase('nl');
  return lower.charAt(0).toLocaleUpperCase('nl') + lower.slice(1);
}

export function parseSbi2025List(csv: string): SbiList {
  const lines = csv.replace(/^\uFEFF/, '').split(/\r?\n/);
  const entries: SbiEntry[] = [];
  const byCode = new Map<string, SbiEntry>();
  const byDigits = new Map<string, SbiEntry>();
  for (const [n, line] of lines.entries()) {
    if (n === 0 || line.trim() === '') continue;
    const [code = '', dotted = '', level = '', parent = '', section = '', title = ''] = splitCsvLine(line);
    if (!LEVELS.has(level as SbiLevel)) throw new Error(`SBI 2025 list line ${n + 1}: unknown level ${JSON.stringify(level)}`);
    const isSection = level === 'section';
    const up = isSection ? undefined : byDigits.get(parent);
    if (!isSection && !up) throw new Error(`SBI 2025 list line ${n + 1}: parent ${parent} of ${code} is not listed before it`);
    const entry: SbiEntry = {
      system: 'SBI2025',
      code: dotted,
      digits: isSection ? '' : code,
      level: level as SbiLevel,
      title: isSection ? sentenceCase(title) : title,
      section,
      parents: up ? [...up.parents, up.code] : [],
    };
    if (byCode.has(entry.code)) throw new Error(`SBI 2025 list line ${n + 1}: duplicate code ${entry.code}`);
    entries.push(entry);
    byCode.set(entry.code, entry);
    byDigits.set(entry.digits || entry.code, entry);
  }
  return { system: 'SBI2025', entries, byCode, byDigits };
}

let bundled: SbiList | undefined;

/** The bundled list, read once per process (160 kB, needed before anything resolves). */
export function loadSbi2025List(file = SBI2025_LIST_FILE): SbiList {
  if (file !== SBI2025_LIST_FILE) return parseSbi2025List(readFileSync(file, 'utf8'));
  bundled ??= parseSbi2025List(readFileSync(file, 'utf8'));
  return bundled;
}
