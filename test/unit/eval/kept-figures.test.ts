import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KEPT_FILE, runEval, type EvalReport } from '../../../scripts/eval/run.js';

/**
 * The README's accuracy table is filled from eval/results/current.json (`npm run docs:figures`, checked by
 * docs-figures.test.ts). This proves that file is what the code measures today: a change to the matcher,
 * its vocabulary, the calibration, the threshold or the cases without `npm run eval -- --keep` fails here.
 */
describe('the kept evaluation', () => {
  it('is what the engine scores now, on the same cases and threshold', { timeout: 600_000 }, async () => {
    const kept = JSON.parse(readFileSync(KEPT_FILE, 'utf8')) as EvalReport;
    const { report } = await runEval('test');
    expect({ minConfidence: report.minConfidence, cases: report.cases }, 'run npm run eval -- --keep, then npm run docs:figures').toEqual({
      minConfidence: kept.minConfidence,
      cases: kept.cases,
    });
    // Through JSON, as the file holds it; kind by kind, so that a failure names the kind that moved.
    const now = JSON.parse(JSON.stringify(report.splits)) as EvalReport['splits'];
    for (const split of ['holdout', 'tune', 'all'] as const) {
      expect(now[split].kinds, `${split}: run npm run eval -- --keep, then npm run docs:figures`).toEqual(kept.splits[split].kinds);
      expect(now[split], `${split}: run npm run eval -- --keep, then npm run docs:figures`).toEqual(kept.splits[split]);
    }
  });
});
