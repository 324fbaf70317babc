import { describe, expect, it } from 'vitest';
import { isotonic, lowerBound, type Point } from '../../../scripts/eval/isotonic.js';

/** `right` of `n` points at one raw score. */
const at = (raw: number, right: number, n: number): Point[] => Array.from({ length: n }, (_, i) => ({ raw, right: i < right }));

describe('the calibration fit (scripts/eval/isotonic.ts)', () => {
  it('gives each block its share right, non-decreasing, pooling a block that is not above the one before', () => {
    const steps = isotonic([...at(0.2, 5, 10), ...at(0.4, 4, 10), ...at(0.6, 9, 10)]);
    expect(steps, JSON.stringify(steps)).toEqual([
      { upTo: 0.4, p: 0.455, n: 20 },
      { upTo: 0.6, p: 0.833, n: 10 },
    ]);
  });

  it('promises 0.9 only for a block that shows it with 95% confidence, and says 0.899 otherwise', () => {
    // 92 of 100 right: (92 + 1) / 102 = 0.912, but Wilson's lower bound is 0.86; 990 of 1000: 0.99, bound 0.98.
    expect(lowerBound(92, 100)).toBeLessThan(0.9);
    expect(lowerBound(990, 1000)).toBeGreaterThan(0.9);
    const steps = isotonic([...at(0.5, 6, 10), ...at(0.7, 92, 100), ...at(0.9, 990, 1000)]);
    expect(steps, JSON.stringify(steps)).toEqual([
      { upTo: 0.5, p: 0.583, n: 10 },
      { upTo: 0.7, p: 0.899, n: 100 },
      { upTo: 0.9, p: 0.989, n: 1000 },
    ]);
  });

  it('keeps the steps monotone once a block has kept the promise', () => {
    // The second block is right less often (floored to the first's confidence) and too small to show 0.9 alone.
    const steps = isotonic([...at(0.7, 990, 1000), ...at(0.8, 9, 9), ...at(0.9, 20, 20)]);
    const ps = steps.map((s) => s.p);
    expect(ps, JSON.stringify(steps)).toEqual([...ps].sort((a, b) => a - b));
    expect(Math.min(...ps)).toBeGreaterThanOrEqual(0.9);
  });
});
