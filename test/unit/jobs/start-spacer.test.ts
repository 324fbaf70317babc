import { describe, expect, it } from 'vitest';
import { createStartSpacer } from '../../../src/jobs/start-spacer.js';

/**
 * The spreading rule of the worker loops (src/jobs/worker.ts) on given instants. It used to be measured in
 * test/database/jobs/worker.test.ts as gaps between batch starts; on a loaded machine those gaps also held the
 * claim query's varying latency, and the test failed with the rule intact (issue 28).
 */
describe('spreading batch starts while intake stays busy', () => {
  /** Four loops whose waits all ran out at `t0`, each asking every `pollMs` until it may start: when each starts. */
  function simulate(loops: number, spacingMs: number, t0: number, pollMs: number): number[] {
    const spacer = createStartSpacer(spacingMs);
    const started = new Array<number | undefined>(loops).fill(undefined);
    for (let now = t0; started.some((s) => s === undefined); now += pollMs) {
      for (let l = 0; l < loops; l++) if (started[l] === undefined && spacer.take(now)) started[l] = now;
    }
    return (started as number[]).sort((a, b) => a - b);
  }

  it('lets one loop start at once and the others one spacing apart, not all together', () => {
    expect(simulate(4, 200, 1_000, 2)).toEqual([1_000, 1_200, 1_400, 1_600]);
  });

  it('never lets two starts come closer than the spacing, whatever instants the loops ask at', () => {
    const spacer = createStartSpacer(50);
    const starts: number[] = [];
    // Irregular asking instants, as a starved event loop produces them (bursts, then long gaps).
    const asks = [0, 0, 1, 3, 49, 50, 50, 51, 99, 180, 180, 180, 181, 230, 231, 1_000, 1_000, 1_049, 1_050];
    for (const now of asks) if (spacer.take(now)) starts.push(now);
    expect(starts).toEqual([0, 50, 180, 230, 1_000, 1_050]);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(50);
  });

  it('does not hold back a loop once the last start is a spacing old', () => {
    const spacer = createStartSpacer(200);
    expect(spacer.take(5_000)).toBe(true);
    expect(spacer.take(5_199)).toBe(false);
    expect(spacer.take(5_200)).toBe(true);
    expect(spacer.take(60_000)).toBe(true);
  });
});
