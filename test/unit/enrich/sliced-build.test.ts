import { beforeAll, describe, expect, it } from 'vitest';
import { buildEnricher, createEnricher, type VerrijkEnricher } from '../../../src/enrich/engine.js';
import { loadIndustryTables } from '../../../src/enrich/industry-tables.js';
import { bundledTableVersions } from '../../../src/enrich/service.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import type { CbsTableVersion } from '../../../src/cbs/model.js';

/**
 * The service builds the enricher after it listens, in slices that give the event loop a turn
 * (src/enrich/steps.ts, `buildEnricher`), where the CLI, the eval and the tests build it at once
 * (`createEnricher`). Both run the same steps: the sliced build must answer exactly as the one
 * built at once, and must actually let other work run before it is done.
 */

const sbiList = loadSbiList();
let tables: CbsTableVersion[];
let atOnce: VerrijkEnricher;

// Texts that go through the whole matcher (labels, compounds, typos, descriptions, refusals), codes, sizes and places.
const LEADS = [
  { industry: 'installatiebedrijf voor zonnepanelen', employees: 12, postcode: '3511 AB' },
  { industry: 'Computer Software', employees: '51-200' },
  { industry: 'autobdrijf', postcode: '9711' },
  { industry: 'groothandel in kaas en zuivel', employees: 3 },
  { industry: 'We repair and install industrial machinery for the food sector', employees: 250 },
  { industry: 'Holding Companies' },
  { industry: 'info@example.com' },
  { industry: 'fietsenwinkel' },
  { sbi: '62.01', employees: 12, postcode: '1012 AB' },
  { sbi: '4321', employees: '10 tot 50' },
];

beforeAll(async () => {
  tables = await bundledTableVersions();
  atOnce = createEnricher({ sbiList, tables, minConfidence: 0.5 });
});

describe('the enricher built in slices', () => {
  it('answers every lead exactly as the enricher built at once', async () => {
    // Its own industry tables object: the matcher's index is built again, not taken from the cache (industry-text.ts).
    const sliced = await buildEnricher({ sbiList, tables, minConfidence: 0.5, industryTables: { ...loadIndustryTables() } }, 0);
    for (const lead of LEADS) expect(sliced.resolve(lead)).toEqual(atOnce.resolve(lead));
  }, 60_000);

  it('lets the event loop run before it is done', async () => {
    let done = false;
    let ranBeforeDone: boolean | undefined;
    setImmediate(() => {
      ranBeforeDone = !done;
    });
    const built = buildEnricher({ sbiList, tables, minConfidence: 0.5, industryTables: { ...loadIndustryTables() } }, 0);
    await built;
    done = true;
    expect(ranBeforeDone).toBe(true);
  }, 60_000);
});
