/**
 * `npm run sbi:coverage`: issue 22's "done when" over the real SBI lists, through the
 * engine as the lookup route runs it (no CBS tables needed: the sector does not use them).
 * Prints each share and the first wrong inputs. test/unit/enrich/sbi2025-coverage.test.ts
 * holds the same figures to their targets.
 */
import { createEnricher } from '../src/enrich/engine.js';
import { loadClassifications } from '../src/enrich/sbi-correspondence.js';
import { loadSbiList } from '../src/enrich/sbi-list.js';
import { measureSbiCoverage } from '../test/support/sbi-coverage.js';

const started = performance.now();
const enricher = createEnricher({ sbiList: loadSbiList(), tables: [], minConfidence: 0.5, cacheSize: 10 });
const coverage = measureSbiCoverage(loadClassifications(), (input) => enricher.resolve(input));
for (const [name, t] of Object.entries(coverage)) {
  const pct = t.n === 0 ? 'n/a' : `${((100 * t.right) / t.n).toFixed(1)}%`;
  console.log(`${name.padEnd(18)} ${String(t.right).padStart(5)} / ${String(t.n).padEnd(5)} ${pct}`);
  for (const w of t.wrong.slice(0, 5)) console.log(`    ${w}`);
}
console.log(`in ${Math.round(performance.now() - started)} ms`);
