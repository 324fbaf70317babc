import { normaliseSbiCode } from './sbi-code.js';
import { type Classifications, to2025 } from './sbi-correspondence.js';
import type { SbiEntry, SbiList, SbiSystem } from './sbi-list.js';

/**
 * Which list a code is read in, by rules a user can predict (docs/sbi-2025.md):
 * 1. 5 digits ending in 0 that SBI 2025 lists → SBI 2025 (SBI 2008 has no such subclass);
 * 2. a code only one list has → that list (`6201` → 2008, `6210` → 2025, `V` → 2025);
 * 3. a code both lists have, or a section letter A–U → the configured system
 *    (`SBI_INPUT_SYSTEM`, per field in the mapping); when the other list means
 *    something else by it (47.81, K) that reading is named in the match detail;
 * 4. a code neither list has: a lost leading zero put back (`1131` → 01.13.1), else the
 *    nearest listed code above it, in the configured system first.
 */

export type ReadRule = 'five-digits-zero' | 'only-in-list' | 'configured' | 'leading-zero' | 'nearest';

export interface CodeReading {
  entry: SbiEntry;
  /** False when the code is not listed and an ancestor stands in for it. */
  exact: boolean;
  rule: ReadRule;
  /** The other list's entry for the same code when it means something else there. */
  other: SbiEntry | null;
  detail: string | null;
}

type Found = { entry: SbiEntry; exact: boolean; detail: string | null } | { reason: string };

const label = (s: SbiSystem) => (s === 'SBI2008' ? 'SBI 2008' : 'SBI 2025');

/** A syntactically valid code → its list entry; an unlisted deeper code → its nearest listed ancestor (exact: false). */
export function lookupListed(list: SbiList, code: { code: string; digits: string }): Found {
  const direct = list.byDigits.get(code.digits || code.code);
  if (direct) return { entry: direct, exact: true, detail: null };
  // "62.01.0" / "62010" in SBI 2008: a class without subclasses, written with a 5th digit 0.
  if (list.system === 'SBI2008' && code.digits.length === 5 && code.digits.endsWith('0')) {
    const cls = list.byDigits.get(code.digits.slice(0, 4));
    if (cls) return { entry: cls, exact: true, detail: `${code.code} is class ${cls.code}` };
  }
  const name = label(list.system);
  if (!code.digits) return { reason: `${code.code} is not an ${name} section` };
  if (!list.byDigits.has(code.digits.slice(0, 2))) return { reason: `${code.code} is not an ${name} code (no division ${code.digits.slice(0, 2)})` };
  for (let len = code.digits.length - 1; len >= 2; len--) {
    const up = list.byDigits.get(code.digits.slice(0, len));
    if (up) return { entry: up, exact: false, detail: `${code.code} is not in the ${name} list; used ${up.code}` };
  }
  return { reason: `${code.code} is not an ${name} code` };
}

/** Whether a 2008 code and a 2025 code of the same spelling mean the same: every 2025 counterpart of the 2008 code lies in the 2025 code's class. */
export function sameMeaning(c: Classifications, e2008: SbiEntry, e2025: SbiEntry): boolean {
  const scope = e2025.level === 'subclass' ? e2025.parents.at(-1)! : e2025.code;
  const { candidates } = to2025(c, e2008);
  return candidates.length > 0 && candidates.every((e) => e.code === scope || e.parents.includes(scope));
}

const titled = (e: SbiEntry) => `${label(e.system)} ${e.code} ${e.title.slice(0, 80)}`;

export function readCode(c: Classifications, code: { code: string; digits: string }, configured: SbiSystem): CodeReading | { reason: string } {
  const direct = readAs(c, code, configured);
  if (!/^\d{3,4}$/.test(code.digits)) return direct;
  // Spreadsheets drop the leading zero of 01131 → 1131: put it back when that is a listed code and the code as written is not.
  const padded = normaliseSbiCode(`0${code.digits}`);
  if (!padded.ok) return direct;
  const again = readAs(c, padded, configured);
  if ('reason' in again || !again.exact) return direct;
  if (!('reason' in direct) && direct.exact) {
    // Both are listed (1411: 14.11, or 01.41.1 with its zero lost): the code as written wins, the other is named.
    const alt = `with a lost leading zero it would be ${label(again.entry.system)} ${again.entry.code} ${again.entry.title.slice(0, 60)}`;
    return { ...direct, detail: [direct.detail, alt].filter(Boolean).join('; ') };
  }
  const note = `${code.digits} read as ${padded.digits} (leading zero restored)`;
  return { ...again, rule: again.rule === 'configured' ? 'configured' : 'leading-zero', detail: [note, again.detail].filter(Boolean).join('; ') };
}

function readAs(c: Classifications, code: { code: string; digits: string }, configured: SbiSystem): CodeReading | { reason: string } {
  const in2008 = lookupListed(c.sbi2008, code);
  const in2025 = lookupListed(c.sbi2025, code);
  const ex2008 = 'entry' in in2008 && in2008.exact ? in2008 : undefined;
  const ex2025 = 'entry' in in2025 && in2025.exact ? in2025 : undefined;
  const reading = (found: { entry: SbiEntry; exact: boolean; detail: string | null }, rule: ReadRule, other: SbiEntry | null): CodeReading => {
    const why = {
      'five-digits-zero': '5 digits ending in 0',
      'only-in-list': `only ${label(found.entry.system)} has it`,
      configured: 'the list configured for this field',
      'leading-zero': '',
      nearest: '',
    }[rule];
    const otherText = other ? `read as ${label(found.entry.system)} (${why}); as ${titled(other)}` : null;
    return { entry: found.entry, exact: found.exact, rule, other, detail: [found.detail, otherText].filter(Boolean).join('; ') || null };
  };
  const differs = (e2008: SbiEntry, e2025: SbiEntry) => !sameMeaning(c, e2008, e2025);

  if (ex2025 && code.digits.length === 5 && code.digits.endsWith('0')) {
    return reading(ex2025, 'five-digits-zero', ex2008 && differs(ex2008.entry, ex2025.entry) ? ex2008.entry : null);
  }
  if (ex2008 && !ex2025) return reading(ex2008, 'only-in-list', null);
  if (ex2025 && !ex2008) return reading(ex2025, 'only-in-list', null);
  if (ex2008 && ex2025) {
    const other = differs(ex2008.entry, ex2025.entry);
    return configured === 'SBI2008'
      ? reading(ex2008, 'configured', other ? ex2025.entry : null)
      : reading(ex2025, 'configured', other ? ex2008.entry : null);
  }
  const order = configured === 'SBI2008' ? [in2008, in2025] : [in2025, in2008];
  const near = order.find((f) => 'entry' in f);
  if (near && 'entry' in near) return reading(near, 'nearest', null);
  return { reason: `${code.code} is in neither SBI 2008 nor SBI 2025 (${'reason' in order[0] ? order[0].reason : ''})` };
}
