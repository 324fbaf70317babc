import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { codeIsRight } from '../../../scripts/eval/score.js';
import { type EvalCase, KINDS, loadCases, splitOf } from '../../../scripts/eval/cases.js';

/**
 * The evaluation set (eval/cases/, eval/README.md) is well-formed: known kinds,
 * splits that follow the id hash, unique ids, expected SBI codes that exist,
 * enough cases per kind. Accuracy itself is `npm run eval`'s business.
 */

const sbiList = loadSbiList();
const cases = loadCases(sbiList);

/** Kinds allowed below 100 cases, with the reason in eval/README.md (none today). */
const SMALL_KINDS: string[] = [];

describe('the evaluation set', () => {
  it('holds at least 1,000 cases, every kind at least 100', () => {
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    const counts = Object.fromEntries(KINDS.map((k) => [k, cases.filter((c) => c.kind === k).length]));
    for (const k of KINDS) if (!SMALL_KINDS.includes(k)) expect(counts[k], `${k}: ${JSON.stringify(counts)}`).toBeGreaterThanOrEqual(100);
  });

  it('splits every kind about half and half', () => {
    for (const k of KINDS) {
      const ofKind = cases.filter((c) => c.kind === k);
      const tune = ofKind.filter((c) => c.split === 'tune').length / ofKind.length;
      expect(tune, `${k}: ${ofKind.length} cases`).toBeGreaterThan(0.35);
      expect(tune, `${k}: ${ofKind.length} cases`).toBeLessThan(0.65);
    }
  });

  it('has no two cases with the same input and kind', () => {
    const seen = new Map<string, string>();
    for (const c of cases) {
      const key = `${c.kind}\u0000${JSON.stringify(c.input)}`;
      expect(seen.get(key), `${c.id} repeats ${seen.get(key)}`).toBeUndefined();
      seen.set(key, c.id);
    }
  });
});

describe('the case checker', () => {
  const write = (lines: object[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'verrijk-eval-'));
    writeFileSync(join(dir, 'x.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n'));
    return dir;
  };
  const good = (id: string): Omit<EvalCase, 'at'> => ({ id, kind: 'linkedin', split: splitOf(id), input: { industry: 'Software Development' }, expect: { sbi: ['62.01'] } });

  it('accepts a well-formed case', () => {
    expect(loadCases(sbiList, write([good('li-x-1')]))).toHaveLength(1);
  });

  it('rejects a duplicate id, a split against the hash, an unknown kind and a code not in the SBI list', () => {
    const flipped = { ...good('li-x-2'), split: splitOf('li-x-2') === 'tune' ? 'holdout' : 'tune' };
    const lines = [good('li-x-1'), good('li-x-1'), flipped, { ...good('li-x-3'), kind: 'crm' }, { ...good('li-x-4'), expect: { sbi: ['62.5'] } }];
    expect(() => loadCases(sbiList, write(lines))).toThrow(/also used at[\s\S]*hashes to[\s\S]*kind "crm"[\s\S]*"62.5" is not in the SBI list/);
  });

  it('rejects an employees case without an expectation and a must_refuse case that expects a code', () => {
    const lines = [
      { id: 'emp-x-1', kind: 'employees', split: splitOf('emp-x-1'), input: { employees: 'ca. 25' }, expect: {} },
      { id: 'ref-x-1', kind: 'must_refuse', split: splitOf('ref-x-1'), input: { industry: 'n.v.t.' }, expect: { sbi: ['62'] } },
    ];
    expect(() => loadCases(sbiList, write(lines))).toThrow(/expect.employees[\s\S]*must_refuse case expects/);
  });
});

describe('the scoring rule', () => {
  it('takes an answer as specific or more, or coarser down to a division', () => {
    expect(codeIsRight('62.01', ['62'], sbiList)).toBe(true);
    expect(codeIsRight('62', ['62.01'], sbiList)).toBe(true);
    expect(codeIsRight('62.0', ['62.01', '58.29'], sbiList)).toBe(true);
    expect(codeIsRight('63.11', ['62'], sbiList)).toBe(false);
    expect(codeIsRight('J', ['62'], sbiList)).toBe(false);
    expect(codeIsRight('56.10', ['I'], sbiList)).toBe(true);
    expect(codeIsRight('47.11', ['I'], sbiList)).toBe(false);
    expect(codeIsRight('01.13', ['01.1'], sbiList)).toBe(true);
    expect(codeIsRight('01', ['01.13'], sbiList)).toBe(true);
  });
});
