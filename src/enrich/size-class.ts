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
  source: 'count' | 'range' | 'open' | 'hubspot' | 'self-employed' | 'fte';
  /** What we read, canonical (`12`, `10-49`, `250+`). */
  text: string;
  /** How the reading was made when it is not literal (`fte is a lower bound of persons`). */
  note?: string;
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

/** Words for a one-person business: the owner is the one person employed. */
const SELF_EMPLOYED = /^(?:1\s*)?\(?\s*(?:zzp(?:'?er)?|zelfstandige?( zonder personeel)?|eenmanszaak|eenmanszaken|self[- ]?employed|freelancer?|sole (?:trader|proprietor(?:ship)?)|myself only)\s*\)?(?:\s*\(1\))?$/;
/** Approximations in front of a number ("ca. 25", "± 30", "+/- 15"): read as the number itself. */
const APPROX = /^(?:ca\.?|circa|ongeveer|plusminus|rond(?:om)?|zo'?n|±|\+\/-|\+-|~|approximately|approx\.?|about|around|roughly)\s*/;
/** The unit, wherever it stands ("250 werkzame personen of meer"). */
const UNIT = /\s*\b(werkzame personen|werkzaam persoon|werknemers|medewerkers|employees|employee|personen|mensen|people|staff|man|pers\.?)(?=\s|$)/g;

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

function range(min: number, max: number | null, source: EmployeeRange['source'], note?: string): EmployeesResult {
  if (min > MAX_EMPLOYEES || (max !== null && max > MAX_EMPLOYEES)) return fail(`more than ${MAX_EMPLOYEES} employees is not a company size`);
  if (max !== null && max < min) return fail('the range runs backwards');
  const text = max === null ? `${min}+` : min === max ? String(min) : `${min}-${max}`;
  return note ? { ok: true, min, max, source, text, note } : { ok: true, min, max, source, text };
}

/**
 * Full-time equivalents: "3,5 fte" is at least 4 persons (part-timers make
 * more persons than fte, never fewer), so it reads as an open range.
 */
function readFte(t: string): EmployeesResult | undefined {
  const m = /^(\d{1,7}(?:[.,]\d{1,2})?)(?:\s*(?:-|tot|t\/m)\s*\d{1,7}(?:[.,]\d{1,2})?)?\s*(?:fte'?s?|fte\.)$/.exec(t);
  if (!m) return undefined;
  const fte = Number(m[1].replace(',', '.'));
  if (!Number.isFinite(fte) || fte <= 0) return fail('an fte count is a number > 0');
  return range(Math.ceil(fte), null, 'fte', `${m[1]} fte: fte is a lower bound of persons`);
}

export function parseEmployees(input: unknown): EmployeesResult {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0 || !Number.isInteger(input)) return fail('an employee count is a whole number ≥ 0');
    return range(input, input, 'count');
  }
  if (typeof input !== 'string') return fail('employees must be a number or a range such as "10-49"');
  if (input.length > 60) return fail('employees is at most 60 characters');
  let t = input
    .replace(/[\s\u00a0]+/g, ' ')
    .trim()
    .toLowerCase()
    .replace(/[\u2018\u2019`]/g, "'");
  if (t === '') return fail('employees is empty');
  if (SELF_EMPLOYED.test(t)) return range(1, 1, 'self-employed', `"${t}": a one-person business`);
  t = t.replace(APPROX, '').trim();
  const fte = readFte(t);
  if (fte) return fte;
  t = t.replace(UNIT, '').replace(/\s+/g, ' ').trim();
  // "tussen 10 en 20", "between 10 and 20": an inclusive range.
  t = t.replace(/^(?:tussen|between)\s+(.+?)\s+(?:en|and)\s+(.+)$/, '$1-$2');
  if (t === '') return fail('employees has no number');
  const hub = HUBSPOT_NUMEMPLOYEES[t.replace(/\s+/g, '')];
  if (hub) return range(hub.min, hub.max, 'hubspot');
  const count = readCount(t);
  if (count !== undefined) return range(count, count, 'count');
  let m = /^(?:<=|≤|tot en met|t\/m|up to|max\.?|maximaal)\s*(.+)$/.exec(t);
  if (m) {
    const b = readCount(m[1]);
    if (b === undefined) return fail('"up to n" needs a whole number n');
    return range(0, b, 'range');
  }
  m = /^(?:<|minder dan|less than|fewer than|tot|onder|under|below)\s*(.+)$/.exec(t);
  if (m) {
    const b = readCount(m[1]);
    if (b === undefined || b < 1) return fail('"<n" needs a whole number n ≥ 1');
    // "tot 10" is Dutch for under 10, as in the CBS titles ("0 tot 10 werkzame personen").
    return range(0, b - 1, 'range');
  }
  m = /^(\d[\d., ]*?)\s*(-|–|—|t\/m| tot en met | tot | to | à | a )\s*(.+)$/.exec(t);
  if (m) {
    const a = readCount(m[1]);
    const b = readCount(m[3]);
    if (a === undefined || b === undefined) return fail('a range is two whole numbers, such as "10-49"');
    // "10 tot 50" is Dutch for 10..49 (as in the CBS titles); "10-49" and "10 t/m 49" are inclusive.
    return range(a, m[2].trim() === 'tot' ? b - 1 : b, 'range');
  }
  m = /^(?:\+\s*)?(.+?)\s*(?:\+|or more|of meer|en meer|and up|plus)$/.exec(t) ?? /^(?:>=|≥|meer dan|more than|over|boven|>)\s*(.+)$/.exec(t);
  if (m) {
    const a = readCount(m[1]);
    if (a === undefined) return fail('an open range is a whole number followed by +, such as "250+"');
    const strict = /^(?:meer dan|more than|over|boven|>)(?!=)/.test(t);
    return range(strict ? a + 1 : a, null, 'open');
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
