import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createEnricher, type VerrijkEnricher } from '../../../src/enrich/engine.js';
import { loadIndustryTables } from '../../../src/enrich/industry-tables.js';
import { createIndustryMatcher } from '../../../src/enrich/industry-text.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { bundledTableVersions } from '../../../src/enrich/service.js';
import { worstInputs } from '../../support/harness/worst-inputs.js';

/**
 * Issue 15.1: text matching has a bounded cost whatever the input. Before, 300
 * random letters cost ~300 ms of fuzzy search (fuse.js over the vocabulary).
 * The work is counted, not timed: postings walked, trial stems and typo tries
 * (`lastCost()`); the worker path has only a guard against a stall. The bench measures the worst inputs in µs ("worst lookup input").
 */

const WORST_INPUTS = worstInputs();

/** Work units per input; the realistic worst cases stay below a few thousand. */
const MAX_WORK = 10_000;

describe('industry matching cost', () => {
  const matcher = createIndustryMatcher(loadSbiList(), 0.7, { tables: loadIndustryTables() });

  it.each(Object.keys(WORST_INPUTS))('%s costs a bounded amount of work', (kind) => {
    let most = 0;
    for (let i = 0; i < 20; i++) {
      matcher.match(WORST_INPUTS[kind]());
      most = Math.max(most, matcher.lastCost());
    }
    expect(most, kind).toBeLessThanOrEqual(MAX_WORK);
  });

  it('no input meets a look-alike word of another language', () => {
    // fuse.js matched these to cleaning (81.2) and universiteit (85.4).
    expect(matcher.match('E-Learning').best?.code).toMatch(/^85/);
    expect(matcher.match('Diversen').ok).toBe(false);
    expect(matcher.match('Diversen').best).toBeNull();
  });
});

describe('the worker path (engine.resolve) has the same bound', () => {
  let enricher: VerrijkEnricher;
  beforeAll(async () => {
    const config = loadConfig({});
    enricher = createEnricher({ sbiList: loadSbiList(), tables: await bundledTableVersions(config.cbs.tables), minConfidence: 0.7 });
  });

  it('resolves 200 distinct hostile industry values without a stall', () => {
    const inputs = Object.values(WORST_INPUTS).flatMap((make) => Array.from({ length: 30 }, make)).slice(0, 200);
    const started = performance.now();
    for (const industry of inputs) enricher.resolve({ industry, employees: 12 });
    const ms = performance.now() - started;
    // A guard against a pathological path (fuse.js once took ~300 ms for 300 letters), not a speed
    // claim: the work is counted above and the time measured in the bench ("worst lookup input").
    // 2 s failed on a two-core machine at load 25 (2.6 s); 100 ms an input is a stall on any machine.
    expect(ms, `${ms.toFixed(0)} ms for ${inputs.length} inputs`).toBeLessThan(20_000);
  });
});
