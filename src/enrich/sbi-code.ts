import { dottedCode, type SbiLevel } from './sbi-list.js';

/**
 * Reads an SBI code as CRMs and people write it (`6201`, `62.01`, `62010`,
 * `62.01.0`, `"62 01"`, NBSP and trailing spaces, a section letter `J`, a code
 * followed by its title) and the KvK Basisprofiel `sbiActiviteiten` shape. This
 * is spelling only: whether the code exists is the engine's question (it knows
 * the list). It never throws and never guesses: anything else is refused with a
 * reason. Normalising its own output gives the same output (idempotent).
 */

export type SbiCodeResult =
  | { ok: true; code: string; digits: string; level: SbiLevel }
  | { ok: false; reason: string };

const MAX_INPUT = 200;

function refuse(reason: string): SbiCodeResult {
  return { ok: false, reason };
}

const LEVELS: Record<number, SbiLevel> = { 2: 'division', 3: 'group', 4: 'class', 5: 'subclass' };

export function normaliseSbiCode(input: unknown): SbiCodeResult {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) return refuse('an SBI code is a positive number such as 6201');
    input = String(input);
  }
  if (typeof input !== 'string') return refuse('an SBI code must be a string such as "62.01" or a section letter such as "J"');
  if (input.length > MAX_INPUT) return refuse(`an SBI code is at most ${MAX_INPUT} characters`);
  let text = input.replace(/[\s\u00a0\u2007\u202f\ufeff]+/g, ' ').trim();
  text = text.replace(/^sbi(?:[- ]?code)?\s*[:#]?\s*/i, '');
  if (text === '') return refuse('the SBI code is empty');

  if (/^[A-Za-z]$/.test(text)) {
    const letter = text.toUpperCase();
    // SBI 2008 runs A–U, SBI 2025 A–V.
    if (letter > 'V') return refuse(`"${letter}" is not an SBI section (sections run from A to V)`);
    return { ok: true, code: letter, digits: '', level: 'section' };
  }

  // A numeric code may be followed by its title: "62.01 Ontwikkelen, produceren en uitgeven van software".
  const m = /^(\d[\d. ]*?)(?:(?:\s+|\s*[-–:|]\s*)[A-Za-zÀ-ÿ(].*)?$/.exec(text);
  if (!m) return refuse('not an SBI code: expected digits such as 6201 or 62.01, or a section letter A–U');
  const parts = m[1].trim().split(/[. ]+/).filter(Boolean);
  let digits: string;
  if (parts.length === 1) {
    digits = parts[0];
    // No SBI code has one digit; a lone digit is a division that lost its leading zero in a spreadsheet.
    if (digits.length === 1) digits = `0${digits}`;
  } else {
    const [division, second, third, ...rest] = parts;
    if (rest.length > 0) return refuse('an SBI code has at most three parts (62.01.1)');
    // Separators that do not fall on SBI boundaries ("6 201", "62.1.5") are too ambiguous to read.
    // "47 992" and "47.992": exports that put one separator after the division of a 5-digit code.
    const afterDivision = third === undefined && division.length === 2 && second.length === 3;
    if (!afterDivision && (division.length > 2 || second.length > 2 || (third !== undefined && (second.length !== 2 || third.length !== 1)))) {
      return refuse('the parts of an SBI code are 2 digits, then 1–2 digits, then 1 digit (62.01.1, or 47 992)');
    }
    digits = division.padStart(2, '0') + second + (third ?? '');
  }
  if (!/^\d+$/.test(digits)) return refuse('not an SBI code');
  if (digits.length > 5) return refuse('an SBI code has at most 5 digits (62.01.1)');
  if (digits.startsWith('00')) return refuse('SBI divisions run from 01 to 99');
  return { ok: true, code: dottedCode(digits), digits, level: LEVELS[digits.length] };
}

export interface KvkActivity {
  sbiCode: string;
  sbiOmschrijving?: string;
  main: boolean;
}

export type KvkSbiResult =
  | { ok: true; activity: KvkActivity; code: Extract<SbiCodeResult, { ok: true }>; note?: string }
  | { ok: false; reason: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isMain(flag: unknown): boolean {
  if (flag === true) return true;
  return typeof flag === 'string' && /^(ja|j|true|yes|y|1)$/i.test(flag.trim());
}

/**
 * The main activity of a KvK Basisprofiel: `{sbiActiviteiten: [...]}`, the array
 * itself, a JSON string of either, or a plain code. With no activity flagged as
 * main, a single activity is used; several unflagged ones are refused (which
 * one is the main one would be a guess).
 */
export function parseKvkSbi(input: unknown): KvkSbiResult {
  let value = input;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('{') || text.startsWith('[')) {
      try {
        value = JSON.parse(text);
      } catch {
        return { ok: false, reason: 'kvk_sbi is not valid JSON' };
      }
    } else {
      const code = normaliseSbiCode(text);
      return code.ok ? { ok: true, activity: { sbiCode: text, main: true }, code } : code;
    }
  }
  if (isRecord(value) && 'sbiActiviteiten' in value) value = value.sbiActiviteiten;
  if (isRecord(value) && 'sbiCode' in value) value = [value];
  if (!Array.isArray(value)) return { ok: false, reason: 'expected a KvK profile with sbiActiviteiten: [{sbiCode, indHoofdactiviteit}]' };
  const activities = value.filter(isRecord);
  if (activities.length === 0) return { ok: false, reason: 'the KvK profile lists no SBI activities' };
  const main = activities.filter((a) => isMain(a.indHoofdactiviteit));
  let chosen: Record<string, unknown>;
  let note: string | undefined;
  if (main.length >= 1) {
    chosen = main[0];
  } else if (activities.length === 1) {
    chosen = activities[0];
    note = 'the only activity is not flagged as main; used it';
  } else {
    return { ok: false, reason: 'no activity has indHoofdactiviteit "Ja", so the main activity is unknown' };
  }
  const raw = chosen.sbiCode;
  const code = normaliseSbiCode(typeof raw === 'number' ? String(raw) : raw);
  if (!code.ok) return { ok: false, reason: `main activity: ${code.reason}` };
  const description = typeof chosen.sbiOmschrijving === 'string' ? chosen.sbiOmschrijving.slice(0, 200) : undefined;
  return {
    ok: true,
    activity: { sbiCode: String(raw), ...(description ? { sbiOmschrijving: description } : {}), main: main.length >= 1 },
    code,
    ...(note ? { note } : {}),
  };
}
