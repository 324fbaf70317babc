import { CARD_FIELDS } from '../enrich/types.js';

/**
 * What the status page shows of one stored enrichment (`enrichments.result`,
 * src/enrich/result.ts, with the `input` the pipeline stores beside it). Rows
 * are read defensively: old rows lack fields, newer engines add some (SBI 2025),
 * and a field of the wrong type reads as missing instead of breaking the page.
 * Everything in here is untrusted text.
 */

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const text = (v: unknown): string | null => (typeof v === 'number' && Number.isFinite(v) ? String(v) : str(v));
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** One line of the lead list. */
export interface LeadSummary {
  company: string | null;
  domain: string | null;
  /** 'enriched' | 'partial' | 'unresolved', or null on rows without it. */
  status: string | null;
  sector: { code: string; title: string | null } | null;
  size: string | null;
  municipality: string | null;
}

export function summaryOf(result: unknown, fallback: { company: string | null; domain: string | null }): LeadSummary {
  const r = obj(result) ?? {};
  const code = str(r.cbs_sbi_code);
  const sectorLetter = obj(r.cbs_sector);
  const size = obj(r.cbs_size_class);
  const place = obj(r.cbs_municipality);
  return {
    company: fallback.company,
    domain: fallback.domain,
    status: str(r.status),
    sector: code ? { code, title: str(r.cbs_sbi_title) } : sectorLetter && str(sectorLetter.letter) ? { code: str(sectorLetter.letter) as string, title: str(sectorLetter.title) } : null,
    size: arr(size?.classes).map((c) => str(obj(c)?.title)).filter(Boolean).join(' / ') || null,
    municipality: str(place?.name),
  };
}

/** The inputs the enrichment read, in the order a person checks them. */
export const INPUT_FIELDS = ['company', 'domain', 'sbi', 'kvkSbi', 'industry', 'employees', 'postcode'] as const;
export type InputField = (typeof INPUT_FIELDS)[number];

export interface Problem {
  field: string;
  reason: string;
}

export interface SectorAnswer {
  code: string;
  title: string | null;
  level: string | null;
  division: string | null;
  sector: string | null;
  method: string | null;
  normalised: string | null;
  confidence: number | null;
  exact: boolean | null;
  detail: string | null;
  runnerUp: { code: string; title: string | null; confidence: number | null } | null;
}

export interface SizeAnswer {
  classes: string[];
  tableId: string | null;
  straddles: boolean;
  category: string | null;
  employees: string | null;
  employeesSource: string | null;
}

export interface PlaceAnswer {
  name: string;
  code: string | null;
  postcode: string | null;
  alsoIn: string[];
  source: string | null;
}

export interface LeadDetail {
  status: string | null;
  inputs: Record<InputField, string | null>;
  sector: SectorAnswer | null;
  /** When the industry text was refused: the best code read from it, below the threshold. */
  sectorGuess: { code: string; title: string | null; confidence: number | null } | null;
  size: SizeAnswer | null;
  municipality: PlaceAnswer | null;
  /** Why an input gave no answer (field: sbi, kvk_sbi, industry, employees, postcode). */
  problems: Problem[];
}

function sectorOf(r: Obj): SectorAnswer | null {
  const code = str(r.cbs_sbi_code);
  if (!code) return null;
  const m = obj(obj(r.cbs_match)?.sector) ?? {};
  const division = obj(r.cbs_division);
  const letter = obj(r.cbs_sector);
  const runnerUp = obj(m.runnerUp);
  return {
    code,
    title: str(r.cbs_sbi_title),
    level: str(r.cbs_sbi_level),
    division: division ? [str(division.code), str(division.title)].filter(Boolean).join(' ') || null : null,
    sector: letter ? [str(letter.letter), str(letter.title)].filter(Boolean).join(' ') || null : null,
    method: str(m.method),
    normalised: str(m.normalised),
    confidence: num(m.confidence),
    exact: typeof m.exact === 'boolean' ? m.exact : null,
    detail: str(m.detail),
    runnerUp: runnerUp && str(runnerUp.code) ? { code: str(runnerUp.code) as string, title: str(runnerUp.title), confidence: num(runnerUp.confidence) } : null,
  };
}

function sizeOf(r: Obj): SizeAnswer | null {
  const cls = obj(r.cbs_size_class);
  const cat = obj(r.cbs_size_category);
  if (!cls && !cat) return null;
  const employees = obj(cat?.employees);
  return {
    classes: arr(cls?.classes).map((c) => str(obj(c)?.title)).filter((t): t is string => t !== null),
    tableId: str(cls?.tableId),
    straddles: cls?.status === 'straddles' || cat?.straddles === true,
    category: str(cat?.category) ?? (arr(cat?.categories).map(str).filter(Boolean).join(' / ') || null),
    employees: str(employees?.text),
    employeesSource: str(employees?.source),
  };
}

function placeOf(r: Obj): PlaceAnswer | null {
  const p = obj(r.cbs_municipality);
  const name = str(p?.name);
  if (!p || !name) return null;
  return {
    name,
    code: str(p.code),
    postcode: str(p.postcode),
    alsoIn: arr(p.alsoIn).map((a) => [str(obj(a)?.name), str(obj(a)?.code)].filter(Boolean).join(' ')).filter(Boolean),
    source: str(p.source),
  };
}

export function detailOf(result: unknown, fallback: { company?: unknown; domain?: unknown } = {}): LeadDetail {
  const r = obj(result) ?? {};
  const input = obj(r.input) ?? {};
  const inputs = {} as Record<InputField, string | null>;
  for (const f of INPUT_FIELDS) {
    const v = input[f] ?? (f === 'company' || f === 'domain' ? fallback[f] : undefined);
    // A KvK profile is an object: shown as JSON with a space after each , and : so it wraps between its parts.
    inputs[f] = f === 'kvkSbi' && v !== undefined && v !== null && typeof v !== 'string' ? JSON.stringify(v).slice(0, 300).replace(/([,:])(?=["{[\d])/g, '$1 ') : text(v);
  }
  const guess = obj(obj(r.cbs_match)?.sectorGuess);
  return {
    status: str(r.status),
    inputs,
    sector: sectorOf(r),
    sectorGuess: guess && str(guess.code) ? { code: str(guess.code) as string, title: str(guess.title), confidence: num(guess.confidence) } : null,
    size: sizeOf(r),
    municipality: placeOf(r),
    problems: arr(r.problems)
      .map(obj)
      .filter((p): p is Obj => !!p && !!str(p.field) && !!str(p.reason))
      .map((p) => ({ field: p.field as string, reason: p.reason as string })),
  };
}

/** The written properties back under their card field names (Pipedrive, for one, uses its own field names). */
export function asCard(v: unknown, mapping: Partial<Record<string, string>>): Record<string, string> {
  const props = obj(v);
  if (!props) return {};
  const out: Record<string, string> = {};
  for (const field of CARD_FIELDS) {
    const val = props[mapping[field] ?? field] ?? props[field];
    if (val !== null && val !== undefined) out[field] = typeof val === 'string' ? val : JSON.stringify(val);
  }
  return out;
}
