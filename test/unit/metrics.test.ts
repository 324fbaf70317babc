import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics.js';

/** Node's default metrics carry our prefix once (issue 25.6: they were verrijk_process_process_*). */

describe('default metrics', () => {
  it('are named verrijk_process_* and verrijk_nodejs_*, never with a doubled prefix', async () => {
    const names = (await createMetrics({ defaultMetrics: true }).registry.getMetricsAsJSON()).map((m) => m.name);
    const defaults = names.filter((n) => /^verrijk_(process|nodejs)_/.test(n));
    expect(defaults, names.join('\n')).toContain('verrijk_process_cpu_seconds_total');
    expect(defaults, names.join('\n')).toContain('verrijk_process_resident_memory_bytes');
    expect(defaults, names.join('\n')).toContain('verrijk_nodejs_eventloop_lag_seconds');
    expect(names.filter((n) => /process_process|verrijk_process_nodejs/.test(n)), names.join('\n')).toEqual([]);
  });
});
