import { describe, expect, it } from 'vitest';
import { createPipeline } from '../../../src/jobs/pipeline.js';
import { testConfig } from '../../support/app.js';
import { flavours } from '../../support/db.js';
import { crmKit, makeJobs, realEnrichment, uniqueAccount, useHubspotFake } from '../../support/crm.js';

const TOKEN = 'pat-eu1-backlog-token-0000000000';
const SBI = ['6201', '4711', '1071', '4120', '5610', '6920', '8621', '4941'];

describe.each(flavours)('HubSpot backlog on %s', (flavour) => {
  const fakes = useHubspotFake(flavour, TOKEN);


  it('drains 1,000 leads at 100 requests / 10 s with batch calls: zero 429, at most 25 requests', async () => {
    const account = uniqueAccount('backlog');
    const ids = Array.from({ length: 1000 }, (_, i) => String(700_000 + i));
    ids.forEach((id, i) => fakes.hubspot.seed('company', id, { name: `Lead ${i}`, sbi_code: SBI[i % SBI.length], numberofemployees: String(5 + (i % 300)) }));
    const config = testConfig({ HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_URL: fakes.hubspot.url, CRM_RATE_LIMIT: '100/10s' });
    const run = createPipeline({ database: fakes.database, config, enrichment: realEnrichment(), ...crmKit(fakes.database, config) });
    const jobs = await makeJobs(fakes.database, ids.map((objectId) => ({ source: 'hubspot', accountId: account, objectType: 'company', objectId })));

    const kinds = new Map<string, number>();
    for (let i = 0; i < jobs.length; i += 100) {
      const outcomes = await run(jobs.slice(i, i + 100), new AbortController().signal);
      for (const o of outcomes.values()) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
    }
    expect(Object.fromEntries(kinds)).toEqual({ done: 1000 });
    expect(fakes.hubspot.count(429)).toBe(0);
    // Batch calls, plus one look at the account's details (its time zone) per account.
    const crm = fakes.hubspot.requests.filter((r) => !r.path.startsWith('/account-info/'));
    expect(fakes.hubspot.requests.length - crm.length).toBe(1);
    expect(crm.length).toBeLessThanOrEqual(25);
    expect(crm.every((r) => r.path.endsWith('/batch/read') || r.path.endsWith('/batch/update'))).toBe(true);
    expect(fakes.hubspot.maxInAnyWindow()).toBeLessThanOrEqual(100);
    expect(ids.every((id) => fakes.hubspot.cards.get(`company:${id}`)?.cbs_version)).toBe(true);
  });
});
