import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASES_DIR } from '../../../scripts/eval/cases.js';
import { buildSbiCases } from '../../../scripts/eval/sbi-cases.js';

describe('the SBI kinds of the evaluation set', () => {
  it('are exactly what the builder makes from the real lists (nothing written by hand)', () => {
    const built = buildSbiCases();
    expect(Object.keys(built).sort()).toEqual(['sbi2008_renumbered.jsonl', 'sbi2025_register.jsonl']);
    for (const [file, lines] of Object.entries(built)) {
      const stored = readFileSync(join(CASES_DIR, file), 'utf8').trimEnd().split('\n');
      expect(stored.length, file).toBe(lines.length);
      expect(stored, `${file} differs from npm run eval:sbi-cases`).toEqual(lines);
    }
    // Every SBI 2025 subclass; every renumbered class in two spellings.
    expect(built['sbi2025_register.jsonl']).toHaveLength(907);
    expect(built['sbi2008_renumbered.jsonl'].length).toBeGreaterThanOrEqual(100);
  });
});
