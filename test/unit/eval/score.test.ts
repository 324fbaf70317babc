import { describe, expect, it } from 'vitest';
import type { Enrichment } from '../../../src/enrich/result.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import type { EvalCase } from '../../../scripts/eval/cases.js';
import { calibration, missedTargets, scoreCase, splitFigures } from '../../../scripts/eval/score.js';

/** The runner's scoring (scripts/eval/score.ts) on hand-made engine answers: the contract's rules, old and new engine shapes. */

const sbiList = loadSbiList();

function answer(over: { code?: string | null; confidence?: number; guess?: { code: string; title: string; confidence: number } | null; employees?: { min: number; max: number | null } | null; problems?: Enrichment['problems'] }): Enrichment {
  const code = over.code ?? null;
  const match: Record<string, unknown> = {
    sector: code ? { method: 'industry', normalised: 'x', confidence: over.confidence ?? 0.9, exact: true, detail: null, runnerUp: null } : null,
    size: null,
  };
  if (over.guess !== undefined) match.sectorGuess = over.guess;
  return {
    cbs_sbi_code: code,
    cbs_sbi_title: code ? 'title' : null,
    cbs_match: match,
    cbs_size_category: over.employees ? { category: null, straddles: false, categories: [], employees: { ...over.employees, text: '', source: 'count' } } : null,
    problems: over.problems ?? [],
  } as unknown as Enrichment;
}

const industryCase = (sbi: string[], split: 'tune' | 'holdout' = 'holdout'): EvalCase => ({ id: 'x', kind: 'linkedin', split, input: { industry: 'x' }, expect: { sbi }, at: 'x' });
const refuseCase: EvalCase = { id: 'r', kind: 'must_refuse', split: 'holdout', input: { industry: 'n.v.t.' }, expect: { refuse: true }, at: 'r' };
const employeesCase = (input: EvalCase['input'], want: { min: number; max: number | null } | null): EvalCase => ({ id: 'e', kind: 'employees', split: 'holdout', input, expect: { employees: want }, at: 'e' });

describe('scoreCase', () => {
  it('scores an answer by the prefix rule and keeps its confidence', () => {
    const o = scoreCase(industryCase(['62']), answer({ code: '62.01', confidence: 0.8 }), sbiList);
    expect(o).toMatchObject({ right: true, answered: true, confidence: 0.8, confidentRight: true });
    expect(scoreCase(industryCase(['62']), answer({ code: '63.11' }), sbiList)).toMatchObject({ right: false, confidentRight: false });
  });

  it('takes a refusal\'s confidence from sectorGuess, and none on the old engine that has no such field', () => {
    const guessed = scoreCase(industryCase(['62']), answer({ guess: { code: '62.02', title: 't', confidence: 0.4 } }), sbiList);
    expect(guessed).toMatchObject({ right: false, answered: false, confidence: 0.4, confidentRight: true });
    expect(guessed.why).toMatch(/guess 62.02/);
    expect(scoreCase(industryCase(['62']), answer({}), sbiList)).toMatchObject({ right: false, confidence: null, confidentRight: false, why: 'refused' });
  });

  it('counts a must_refuse case right only when no sector is given, and a guess there is never right', () => {
    expect(scoreCase(refuseCase, answer({ guess: { code: '62', title: 't', confidence: 0.3 } }), sbiList)).toMatchObject({ right: true, confidentRight: false });
    expect(scoreCase(refuseCase, answer({ code: '62' }), sbiList)).toMatchObject({ right: false, answered: true });
  });

  it('reads an employee range exactly', () => {
    const c = employeesCase({ employees: '3,5 fte' }, { min: 4, max: null });
    expect(scoreCase(c, answer({ employees: { min: 4, max: null } }), sbiList).right).toBe(true);
    expect(scoreCase(c, answer({ employees: { min: 4, max: 4 } }), sbiList).right).toBe(false);
  });

  it('wants a blank size to give no size, a problem entry, and the sector when one was asked', () => {
    const problem = [{ field: 'employees' as const, reason: 'empty' }];
    const c = employeesCase({ employees: '', sbi: '62.01' }, null);
    expect(scoreCase(c, answer({ code: '62.01', problems: problem }), sbiList).right).toBe(true);
    expect(scoreCase(c, answer({ code: '62.01' }), sbiList).why).toBe('no problem entry for employees');
    expect(scoreCase(c, answer({ problems: problem }), sbiList).why).toBe('sector lost');
  });
});

describe('figures', () => {
  it('puts confidence 1.0 in the last bucket and 0.5 in the second', () => {
    const outcomes = [
      scoreCase(industryCase(['62']), answer({ code: '62', confidence: 1 }), sbiList),
      scoreCase(industryCase(['62']), answer({ code: '63', confidence: 0.5 }), sbiList),
    ];
    const rows = calibration(outcomes);
    expect(rows[5]).toMatchObject({ bucket: '0.9-1.0', n: 1, accuracy: 1 });
    expect(rows[1]).toMatchObject({ bucket: '0.5-0.6', n: 1, accuracy: 0 });
  });

  it('counts a must_refuse answer against the overall precision and names every missed target', () => {
    const outcomes = [scoreCase(industryCase(['62']), answer({ code: '62' }), sbiList), scoreCase(refuseCase, answer({ code: '62' }), sbiList)];
    const f = splitFigures(outcomes);
    expect(f.overall.precision).toBe(0.5);
    expect(f.kinds.must_refuse.precision).toBeNull();
    const missed = missedTargets(f).join('; ');
    expect(missed).toMatch(/precision when answered 50.0% < 97%/);
    expect(missed).toMatch(/must_refuse refused 0.0% < 95%/);
    expect(missed).toMatch(/hubspot_label top-1 n\/a < 85%/);
  });
});
