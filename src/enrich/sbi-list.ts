import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The official SBI 2008 code list (data/sbi2008/, CBS "SBI 2008 versie 2018 -
 * concept"): every code with its level, section letter and parent chain. The
 * hierarchy walk, the input normaliser and the free-text matcher all look codes
 * up here, so a code we accept is always a real SBI code.
 */

export type SbiLevel = 'section' | 'division' | 'group' | 'class' | 'subclass';

/**
 * Which code list a code belongs to. The same spelling can mean different things in
 * the two (47.81 is food market stalls in 2008 and motor-vehicle retail in 2025; section K is
 * finance in 2008 and IT in 2025), so a code never travels without its system.
 */
export type SbiSystem = 'SBI2008' | 'SBI2025';

export interface SbiEntry {
  system: SbiSystem;
  /** Canonical spelling: `J`, `62`, `62.0`, `62.01`, `01.13.1`. */
  code: string;
  /** The code without dots (`6201`, `01131`); empty for a section. */
  digits: string;
  level: SbiLevel;
  title: string;
  /** Section letter (`J` for 62.01). */
  section: string;
  /** Canonical codes of the ancestors, section first (`['J', '62', '62.0']` for 62.01). */
  parents: string[];
}

export interface SbiList {
  system: SbiSystem;
  entries: SbiEntry[];
  /** Canonical code → entry. */
  byCode: Map<string, SbiEntry>;
  /** Digits (`6201`) or section letter (`J`) → entry. */
  byDigits: Map<string, SbiEntry>;
}

export const SBI_LIST_FILE = fileURLToPath(new URL('../../data/sbi2008/sbi2008_versie2018_concept.csv', import.meta.url));

const LEVEL_BY_DIGITS: Record<number, SbiLevel> = { 2: 'division', 3: 'group', 4: 'class', 5: 'subclass' };

/** `6201` → `62.01`, `01131` → `01.13.1`, `620` → `62.0`. */
export function dottedCode(digits: string): string {
  if (digits.length <= 2) return digits;
  if (digits.length === 3) return `${digits.slice(0, 2)}.${digits.slice(2)}`;
  if (digits.length === 4) return `${digits.slice(0, 2)}.${digits.slice(2)}`;
  return `${digits.slice(0, 2)}.${digits.slice(2, 4)}.${digits.slice(4)}`;
}

/**
 * Every run of whitespace (NBSP included) as one space, ends trimmed: the list's
 * titles carry stray NBSPs and double spaces. Bundled data only; text from a
 * webhook goes through `boundedText` (src/crm/webhook-event.ts) instead.
 */
export function collapseWhitespace(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ').trim();
}

/** Splits one CSV line (comma-separated, fields optionally double-quoted, no embedded newlines). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

/** The digits of a raw list code; divisions stored as numbers (`2`) get their leading zero back. */
function rawCodeDigits(raw: string): string | undefined {
  const code = collapseWhitespace(raw);
  if (/^\d$/.test(code)) return `0${code}`;
  if (/^\d{2}$/.test(code)) return code;
  const m = /^(\d{2})\.(\d{1,2})(?:\.(\d))?$/.exec(code);
  if (!m) return undefined;
  if (m[3] !== undefined && m[2].length !== 2) return undefined;
  return m[1] + m[2] + (m[3] ?? '');
}

export function parseSbiList(csv: string): SbiList {
  const lines = csv.replace(/^\uFEFF/, '').split(/\r?\n/);
  const entries: SbiEntry[] = [];
  const byCode = new Map<string, SbiEntry>();
  const byDigits = new Map<string, SbiEntry>();
  let section: string | undefined;
  for (const [n, line] of lines.entries()) {
    if (n === 0 || line.trim() === '') continue;
    const [rawCode = '', rawTitle = ''] = splitCsvLine(line);
    const letter = collapseWhitespace(rawCode);
    const title = collapseWhitespace(rawTitle);
    let entry: SbiEntry;
    if (/^[A-U]$/.test(letter)) {
      section = letter;
      entry = { system: 'SBI2008', code: letter, digits: '', level: 'section', title, section: letter, parents: [] };
    } else {
      const digits = rawCodeDigits(rawCode);
      if (!digits || !section) throw new Error(`SBI list line ${n + 1}: cannot read code ${JSON.stringify(rawCode)}`);
      const parents = [section];
      // Nearest listed ancestor at each shorter length: groups like 62.0 are listed, but not every level always is.
      for (let len = 2; len < digits.length; len++) {
        const parent = byDigits.get(digits.slice(0, len));
        if (parent) parents.push(parent.code);
      }
      entry = { system: 'SBI2008', code: dottedCode(digits), digits, level: LEVEL_BY_DIGITS[digits.length], title, section, parents };
    }
    if (byCode.has(entry.code)) throw new Error(`SBI list line ${n + 1}: duplicate code ${entry.code}`);
    entries.push(entry);
    byCode.set(entry.code, entry);
    byDigits.set(entry.digits || entry.code, entry);
  }
  return { system: 'SBI2008', entries, byCode, byDigits };
}

let bundled: SbiList | undefined;

/** The bundled list, read once per process (synchronously: it is 75 kB and needed before anything resolves). */
export function loadSbiList(file = SBI_LIST_FILE): SbiList {
  if (file !== SBI_LIST_FILE) return parseSbiList(readFileSync(file, 'utf8'));
  bundled ??= parseSbiList(readFileSync(file, 'utf8'));
  return bundled;
}

/** The entry and its ancestors, section first. */
export function sbiChain(list: SbiList, entry: SbiEntry): SbiEntry[] {
  return [...entry.parents.map((c) => list.byCode.get(c)!), entry];
}
