import type { Enrichment } from '../../src/enrich/result.js';
import type { SbiList } from '../../src/enrich/sbi-list.js';
import { CRM_KINDS, type EvalCase, INDUSTRY_KINDS, KINDS, type Kind, PHRASE_KINDS, SBI_KINDS, type Split } from './cases.js';

type PhraseKind = (typeof PHRASE_KINDS)[number];

/**
 * Scoring rules of the evaluation contract (eval/README.md): when a prediction
 * is right, per-kind and overall figures, the calibration table and the issue's
 * targets. Pure functions of the cases and the engine's answers.
 */

/** What the matcher adds on a refusal (absent on the engine before issue 12: no guess). */
interface SectorGuess {
  code: string;
  title: string;
  confidence: number;
}

export interface Outcome {
  c: EvalCase;
  right: boolean;
  /** Industry kinds: a sector was given. Employees: a size was read. */
  answered: boolean;
  code: string | null;
  title: string | null;
  /** The answer's confidence, else the guess's (null: no guess). */
  confidence: number | null;
  /** Whether the code that confidence belongs to (answer or guess) is right: the calibration's observation. */
  confidentRight: boolean;
  /** Why a case is wrong, for --failures. */
  why: string;
}

const digitsOf = (code: string) => code.replace(/\D/g, '');

/** The contract's rule: as specific or more, or a coarser but correct code of at least two digits. */
export function codeIsRight(predicted: string, acceptable: string[], sbiList: SbiList): boolean {
  const p = digitsOf(predicted);
  const section = sbiList.byCode.get(predicted)?.section ?? (/^[A-U]$/.test(predicted) ? predicted : undefined);
  return acceptable.some((code) => {
    if (/^[A-U]$/.test(code)) return section === code;
    const a = digitsOf(code);
    return (p.length > 0 && p.startsWith(a)) || (p.length >= 2 && a.startsWith(p));
  });
}

function guessOf(e: Enrichment): SectorGuess | null {
  const match = e.cbs_match as Enrichment['cbs_match'] & { sectorGuess?: SectorGuess | null };
  return match.sectorGuess ?? null;
}

const isSbiKind = (k: Kind) => (SBI_KINDS as readonly string[]).includes(k);

/**
 * The SBI 2008 side of an answer, which the hand-written kinds' expectations are in: the code the
 * SBI 2008 tables are read with, and the confidence before the conversion to SBI 2025 lowered it
 * (that is the matcher's own, which the calibration measures). Results before SBI 2025 were 2008 only.
 */
export function sbi2008Answer(e: Enrichment): { code: string | null; title: string | null; confidence: number | null } {
  const m = e.cbs_match.sector;
  if (!e.cbs_sbi_system) return { code: e.cbs_sbi_code, title: e.cbs_sbi_title, confidence: m?.confidence ?? null };
  const factor = m?.read?.system === 'SBI2008' ? (m.conversion?.factor ?? 1) : 1;
  return { code: e.cbs_sbi2008?.code ?? null, title: e.cbs_sbi2008?.title ?? null, confidence: m ? Math.min(1, m.confidence / factor) : null };
}

/** An SBI kind: right when the answer is the expected SBI 2025 code with its title. */
function scoreSbiCase(c: EvalCase, e: Enrichment): Outcome {
  const want = c.expect.sbi2025!;
  const code = e.cbs_sbi_code;
  const right = e.cbs_sbi_system === 'SBI2025' && code === want.code && e.cbs_sbi_title === want.title;
  const why = right ? '' : code ? `answered ${code} ${e.cbs_sbi_title}, expected ${want.code}` : `no answer (${e.problems.map((p) => p.reason).join('; ')})`;
  return { c, code, title: e.cbs_sbi_title, confidence: e.cbs_match.sector?.confidence ?? null, right, answered: code !== null, confidentRight: right, why };
}

export function scoreCase(c: EvalCase, e: Enrichment, sbiList: SbiList): Outcome {
  if (isSbiKind(c.kind)) return scoreSbiCase(c, e);
  const answer = sbi2008Answer(e);
  const code = answer.code;
  const guess = code ? null : guessOf(e);
  const confidence = code ? answer.confidence : (guess?.confidence ?? null);
  const base = { c, code, title: answer.title, confidence };
  if (c.kind === 'employees') {
    const got = e.cbs_size_category?.employees ?? null;
    const want = c.expect.employees ?? null;
    const sectorAsked = Boolean(c.input.industry || c.input.sbi);
    let right: boolean;
    let why = '';
    if (want === null) {
      const problem = e.problems.some((p) => p.field === 'employees');
      right = got === null && problem && (!sectorAsked || code !== null);
      if (!right) why = got ? `read ${got.min}..${got.max ?? '∞'}, expected no size` : !problem ? 'no problem entry for employees' : 'sector lost';
    } else {
      right = got !== null && got.min === want.min && got.max === want.max;
      if (!right) why = got ? `read ${got.min}..${got.max ?? '∞'}, expected ${want.min}..${want.max ?? '∞'}` : `no size read (${e.problems.map((p) => p.reason).join('; ') || 'no problem'})`;
    }
    return { ...base, right, answered: got !== null, confidentRight: false, why };
  }
  if (c.kind === 'must_refuse') {
    return { ...base, right: code === null, answered: code !== null, confidentRight: false, why: code ? `answered ${code} ${answer.title}` : '' };
  }
  const acceptable = c.expect.sbi ?? [];
  const right = code !== null && codeIsRight(code, acceptable, sbiList);
  const confidentCode = code ?? guess?.code ?? null;
  const why = right ? '' : code ? `answered ${code} ${answer.title}` : guess ? `refused (guess ${guess.code} ${guess.title})` : 'refused';
  return { ...base, right, answered: code !== null, confidentRight: confidentCode !== null && codeIsRight(confidentCode, acceptable, sbiList), why };
}

export interface KindFigures {
  n: number;
  /** Share right: top-1 for industry kinds, refused share for must_refuse, fields right for employees. */
  top1: number | null;
  /** Share of answers that are right (industry kinds; for must_refuse every answer is wrong). */
  precision: number | null;
  /** Share answered (a sector given, or for employees a size read). */
  answered: number | null;
}

export interface CalibrationRow {
  bucket: string;
  n: number;
  meanConfidence: number | null;
  accuracy: number | null;
}

export interface SplitFigures {
  kinds: Record<Kind, KindFigures>;
  overall: KindFigures;
  /** The phrase kinds per language (absent in reports written before issue 23). */
  byLanguage?: Record<PhraseKind, Record<'nl' | 'en', KindFigures>>;
  calibration: CalibrationRow[];
}

const share = (k: number, n: number) => (n === 0 ? null : k / n);

function figures(outcomes: Outcome[], industry: boolean): KindFigures {
  const answered = outcomes.filter((o) => o.answered);
  return {
    n: outcomes.length,
    top1: share(outcomes.filter((o) => o.right).length, outcomes.length),
    precision: industry ? share(answered.filter((o) => o.right && o.c.kind !== 'must_refuse').length, answered.length) : null,
    answered: share(answered.length, outcomes.length),
  };
}

export const BUCKETS: Array<[number, number]> = [[0, 0.5], [0.5, 0.6], [0.6, 0.7], [0.7, 0.8], [0.8, 0.9], [0.9, 1.0]];

/** Reliability table: every industry or must-refuse case with a confidence (answer or guess), by bucket. */
export function calibration(outcomes: Outcome[]): CalibrationRow[] {
  const scored = outcomes.filter((o) => o.c.kind !== 'employees' && !isSbiKind(o.c.kind) && o.confidence !== null);
  return BUCKETS.map(([lo, hi], i) => {
    const last = i === BUCKETS.length - 1;
    const inBucket = scored.filter((o) => o.confidence! >= lo && (o.confidence! < hi || (last && o.confidence! <= hi)));
    const sum = inBucket.reduce((s, o) => s + o.confidence!, 0);
    return {
      bucket: `${lo.toFixed(1)}-${hi.toFixed(1)}`,
      n: inBucket.length,
      meanConfidence: share(sum, inBucket.length),
      accuracy: share(inBucket.filter((o) => o.confidentRight).length, inBucket.length),
    };
  });
}

export function splitFigures(outcomes: Outcome[]): SplitFigures {
  const kinds = Object.fromEntries(
    // must_refuse has no right answer to be precise about: its answers count as wrong in the overall precision only.
    KINDS.map((k) => [k, figures(outcomes.filter((o) => o.c.kind === k), k !== 'employees' && k !== 'must_refuse')]),
  ) as Record<Kind, KindFigures>;
  // Overall is the CRM kinds' (what leads carry, comparable with the baseline); the SBI kinds (issue 22) and the
  // phrase kinds (issue 23) have targets of their own.
  const crm = outcomes.filter((o) => (CRM_KINDS as readonly string[]).includes(o.c.kind));
  const sectorCases = crm.filter((o) => o.c.kind !== 'employees');
  const overall = { ...figures(crm, false), precision: figures(sectorCases, true).precision, answered: figures(sectorCases, true).answered };
  const byLanguage = Object.fromEntries(
    PHRASE_KINDS.map((k) => [k, Object.fromEntries((['nl', 'en'] as const).map((l) => [l, figures(outcomes.filter((o) => o.c.kind === k && o.c.lang === l), true)]))]),
  ) as SplitFigures['byLanguage'];
  return { kinds, overall, byLanguage, calibration: calibration(outcomes) };
}

export function bySplit(outcomes: Outcome[]): Record<Split | 'all', SplitFigures> {
  return {
    all: splitFigures(outcomes),
    tune: splitFigures(outcomes.filter((o) => o.c.split === 'tune')),
    holdout: splitFigures(outcomes.filter((o) => o.c.split === 'holdout')),
  };
}

/** The "done when" on one split; each unmet target as a sentence. */
export function missedTargets(f: SplitFigures): string[] {
  const missed: string[] = [];
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const below = (x: number | null, min: number) => x === null || x < min;
  if (below(f.overall.top1, 0.9)) missed.push(`overall top-1 ${pct(f.overall.top1)} < 90%`);
  for (const k of INDUSTRY_KINDS) if (below(f.kinds[k].top1, 0.85)) missed.push(`${k} top-1 ${pct(f.kinds[k].top1)} < 85%`);
  if (below(f.overall.precision, 0.97)) missed.push(`precision when answered ${pct(f.overall.precision)} < 97%`);
  if (below(f.kinds.must_refuse.top1, 0.95)) missed.push(`must_refuse refused ${pct(f.kinds.must_refuse.top1)} < 95%`);
  if (below(f.kinds.employees.top1, 0.95)) missed.push(`employee fields right ${pct(f.kinds.employees.top1)} < 95%`);
  // Issue 22: register codes answered with their own SBI 2025 code and title (≥ 99%), renumbered 2008 classes with their counterpart (all).
  if (below(f.kinds.sbi2025_register.top1, 0.99)) missed.push(`sbi2025_register right ${pct(f.kinds.sbi2025_register.top1)} < 99%`);
  if (below(f.kinds.sbi2008_renumbered.top1, 1)) missed.push(`sbi2008_renumbered right ${pct(f.kinds.sbi2008_renumbered.top1)} < 100%`);
  return missed;
}

/**
 * Issue 23's "done when" for the phrase kinds on one split: everyday descriptions ≥ 80% top-1 division with ≥ 95%
 * precision, official phrases (titles and note items together) ≥ 90% with ≥ 97%, each language within 5 points.
 */
export function missedPhraseTargets(f: SplitFigures): string[] {
  const missed: string[] = [];
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const below = (x: number | null, min: number) => x === null || x < min;
  const e = f.kinds.everyday;
  if (below(e.top1, 0.8)) missed.push(`everyday top-1 ${pct(e.top1)} < 80%`);
  if (below(e.precision, 0.95)) missed.push(`everyday precision ${pct(e.precision)} < 95%`);
  for (const k of ['official_phrase', 'note_item'] as const) {
    if (below(f.kinds[k].top1, 0.9)) missed.push(`${k} top-1 ${pct(f.kinds[k].top1)} < 90%`);
    if (below(f.kinds[k].precision, 0.97)) missed.push(`${k} precision ${pct(f.kinds[k].precision)} < 97%`);
  }
  for (const k of PHRASE_KINDS) {
    const l = f.byLanguage?.[k];
    if (!l || l.nl.n === 0 || l.en.n === 0) continue;
    const gap = Math.abs((l.nl.top1 ?? 0) - (l.en.top1 ?? 0));
    if (gap > 0.05) missed.push(`${k} nl ${pct(l.nl.top1)} vs en ${pct(l.en.top1)}: more than 5 points apart`);
  }
  return missed;
}
