import type { SizeClass } from '../cbs/size-dimension.js';

/**
 * Company size as CRMs hold it (a count, `"10-49"`, `"250+"`, HubSpot's
 * `numemployees` options) → a range of persons employed → the size class of a
 * table and the EU SME category. A range that spans two classes is reported as
 * straddling both, never rounded into one.
 */

export interface EmployeeRange {
  min: number;
  /** Inclusive; null = no upper bound. */
  max: number | null;
  source: 'count' | 'range' | 'open' | 'hubspot';
  /** What we read, canonical (`12`, `10-49`, `250+`). */
  text: string;
}

export type EmployeesResult = ({ ok: true } & EmployeeRange) | { ok: false; reason: string };

/**
 * HubSpot's contact `numemployees` options. Neighbours share an end (`5-25`,
 * `25-50`), so they cannot all be inclusive: read as "from a up to b" (b excluded),
 * which is also how the CBS classes are cut.
 */
export const HUBSPOT_NUMEMPLOYEES: Record<string, { min: number; max: number | null }> = {
  '1-5': { min: 1, max: 4 },
  '5-25': { min: 5, max: 24 },
  '25-50': { min: 25, max: 49 },
  '50-100': { min: 50, max: 99 },
  '100-500': { min: 100, max: 499 },
  '500-1000': { min: 500, max: 999 },
  '1000+': { min: 1000, max: null },
};

const MAX_EMPLOYEES = 10_000_000;

/** `1.250`, `1,250`, `1 250` → 1250; plain digits as they are. */
function readCount(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (/^\d{1,3}([., ]\d{3})+$/.test(t)) return Number(t.replace(/[., ]/g, ''));
  return undefined;
}

function fail(reason: string): EmployeesResult {
  return { ok: false, reason };
}

function range(min: number, max: number | null, source: EmployeeRange['source']): EmployeesResult {
  if (min > MAX_EMPLOYEES || (max !== null && max > MAX_EMPLOYEES)) return fail(`more than ${MAX_EMPLOYEES} employees is not a company size`);
  if (max !== null && max < min) return fail('the range runs backwards');
  const text = max === null ? `${min}+` : min === max ? String(min) : `${min}-${max}`;
  return { ok: true, min, max, source, text };
}

export function parseEmployees(input: unknown): EmployeesResult {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0 || !Number.isInteger(input)) return fail('an employee count is a whole number ≥ 0');
    return range(input, input, 'count');
  }
  if (typeof input !== 'string') return fail('employees must be a number or a range such as "10-49"');
  if (input.length > 60) return fail('employees is at most 60 characters');
  const t = input
    .replace(/[\s\u00a0]+/g, ' ')
    .trim()
    .toLowerCase()
    .replace(/\s*(werkzame personen|werknemers|medewerkers|employees|personen|fte|mensen|people)$/, '');
  if (t === '') return fail('employees is empty');
  const hub = HUBSPOT_NUMEMPLOYEES[t.replace(/\s+/g, '')];
  if (hub) return range(hub.min, hub.max, 'hubspot');
  const count = readCount(t);
  if (count !== undefined) return range(count, count, 'count');
  let m = /^(.+?)\s*(-|–|—|tot en met|t\/m|tot|to)\s*(.+)$/.exec(t);
  if (m) {
    const a = readCount(m[1]);
    const b = readCount(m[3]);
    if (a === undefined || b === undefined) return fail('a range is two whole numbers, such as "10-49"');
    // "10 tot 50" is Dutch for 10..49 (as in the CBS titles); "10-49" and "10 t/m 49" are inclusive.
    return range(a, m[2] === 'tot' ? b - 1 : b, 'range');
  }
  m = /^(?:\+\s*)?(.+?)\s*(?:\+|or more|of meer|en meer|and up|plus)$/.exec(t) ?? /^(?:>=|≥|meer dan|more than|>)\s*(.+)$/.exec(t);
  if (m) {
    const a = readCount(m[1]);
    if (a === undefined) return fail('an open range is a whole number followed by +, such as "250+"');
    const strict = /^(?:meer dan|more than|>)(?!=)/.test(t);
    return range(strict ? a + 1 : a, null, 'open');
  }
  m = /^(?:<|minder dan|less than|fewer than)\s*(.+)$/.exec(t);
  if (m) {
    const b = readCount(m[1]);
    if (b === undefined || b < 1) return fail('"<n" needs a whole number n ≥ 1');
    return range(0, b - 1, 'range');
  }
  return fail('not an employee count: use a number (12), a range ("10-49") or an open range ("250+")');
}

export type EuSizeCategory = 'micro' | 'small' | 'medium' | 'large';

const EU_BANDS: Array<{ category: EuSizeCategory; min: number; max: number | null }> = [
  { category: 'micro', min: 0, max: 9 },
  { category: 'small', min: 10, max: 49 },
  { category: 'medium', min: 50, max: 249 },
  { category: 'large', min: 250, max: null },
];

const overlaps = (a: { min: number; max: number | null }, b: { min: number; max: number | null }) =>
  (a.max === null || a.max >= b.min) && (b.max === null || b.max >= a.min);

export interface EuCategoryResult {
  /** The category, or null when the range straddles several. */
  category: EuSizeCategory | null;
  straddles: boolean;
  categories: EuSizeCategory[];
}

/** EU SME definition by headcount: micro < 10, small < 50, medium < 250, large. */
export function euSizeCategory(r: { min: number; max: number | null }): EuCategoryResult {
  const categories = EU_BANDS.filter((b) => overlaps(b, r)).map((b) => b.category);
  return { category: categories.length === 1 ? categories[0] : null, straddles: categories.length > 1, categories };
}

export interface SizeClassMatch {
  status: 'matched' | 'straddles' | 'none';
  classes: SizeClass[];
}

/** The table's classes (not the total, not cumulative ones) that the range falls in. */
export function matchSizeClass(r: { min: number; max: number | null }, classes: SizeClass[]): SizeClassMatch {
  const hits = classes.filter((c) => !c.total && !c.cumulative && overlaps(c, r));
  return { status: hits.length === 0 ? 'none' : hits.length === 1 ? 'matched' : 'straddles', classes: hits };
}
