import { beforeAll, describe, expect, it } from 'vitest';
import type { Checks } from './verdict.js';

/**
 * A system test over one harness run (chaos, cluster): the run happens once, in
 * beforeAll, and every named check is then a test of its own that prints what it
 * counted, so a failure names the rule that broke. Kept apart from verdict.ts,
 * which the bench imports outside vitest.
 */
export function describeRun<K extends string>(title: string, names: readonly K[], run: () => Promise<Checks<K>>, timeoutMs: number): void {
  describe(title, () => {
    let checks: Checks<K>;
    beforeAll(async () => {
      checks = await run();
    }, timeoutMs);

    it.each(names)('%s', (check) => {
      expect(checks.found[check], checks.found[check].join('\n')).toEqual([]);
    });
  });
}

/** A run's progress line: `[chaos 16:24:58] …`, the wall-clock second beside the run's name. */
export function runLog(name: string): (message: string) => void {
  return (message) => console.log(`[${name} ${new Date().toISOString().slice(11, 19)}] ${message}`);
}
