import { eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { enrichments } from '../../../src/db/schema.js';
import { createPipeline } from '../../../src/jobs/pipeline.js';
import type { LeadRef } from '../../../src/leads/identity.js';
import type { JobOutcome, JobRow } from '../../../src/jobs/types.js';
import { testConfig } from '../../support/app.js';
import { flavours } from '../../support/db.js';
import { crmKit, makeJobs, realEnrichment, uniqueAccount, useHubspotFake } from '../../support/crm.js';

/**
 * Two pipeline rules that were each broken on purpose without any test failing (issue 17,
 * item 6): what the CRM holds beats what the webhook carried, and ROLLOUT_PERCENT between
 * 0 and 100 enriches a stable share of the leads.
 */

const TOKEN = 'pat-eu1-guard-rules-0000-1111-2222-333333333333';
const enrichment = realEnrichment();
const signal = new AbortController().signal;
const outcomeText = (m: Map<number, JobOutcome>) => JSON.stringify([...m.entries()]);

describe.each(flavours)('pipeline rules on %s', (flavour) => {
  const fakes = useHubspotFake(flavour, TOKEN);


  const rowsOf = (batch: JobRow[]) =>
    fakes.database.db
      .select()
      .from(enrichments)
      .where(inArray(enrichments.jobId, batch.map((j) => j.id)));

  it('CRM values win over the webhook values; an empty CRM field keeps what the webhook said', async () => {
    const config = testConfig({ HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_URL: fakes.hubspot.url });
    const run = createPipeline({ database: fakes.database, config, enrichment, ...crmKit(fakes.database, config) });
    // The CRM card, as the lead looks now: a bakery of 12. No industry filled in.
    fakes.hubspot.seed('company', '7101', { name: 'Bakkerij Jansen', numberofemployees: '12', sbi_code: '10.71' });
    const ref: LeadRef = { source: 'hubspot', accountId: uniqueAccount(), objectType: 'company', objectId: '7101' };
    // What the (older) webhook carried: a software house of 500.
    const [job] = await makeJobs(fakes.database, [ref], () => ({ company: 'Softwarehuis Oud', sbi: '62.01', employees: 500, industry: 'bakkerij' }));

    const outcomes = await run([job], signal);
    expect(outcomes.get(job.id), outcomeText(outcomes)).toMatchObject({ kind: 'done', detail: { writeStatus: 'written' } });

    const [row] = await rowsOf([job]);
    const input = (row.result as { input: Record<string, unknown> }).input;
    expect(input, JSON.stringify(input)).toEqual({ company: 'Bakkerij Jansen', sbi: '10.71', employees: '12', industry: 'bakkerij' });
    const card = fakes.hubspot.cards.get('company:7101')!;
    expect(card.cbs_sbi_code, JSON.stringify(card)).toBe('1071');
    expect(card.cbs_sbi2008).not.toContain('62.01');
  });

  describe('rollout shares between 0 and 100 %', () => {
    // Fixed lead keys, so the share is one deterministic number, not a dice roll per run.
    const LEADS = 400;
    const refs: LeadRef[] = Array.from({ length: LEADS }, (_, i) => ({ source: 'generic', accountId: 'rollout', objectType: 'lead', objectId: `lead-${i}` }));

    /** Runs the first `leads` leads through the pipeline at `percent`; returns the object ids that were enriched. */
    async function enrichedAt(percent: number, leads = LEADS): Promise<Set<string>> {
      // No CRM credentials: enrichment happens from the webhook payload (no_crm), so only rollout decides.
      const config = testConfig({ ROLLOUT_PERCENT: String(percent) });
      const run = createPipeline({ database: fakes.database, config, enrichment, ...crmKit(fakes.database, config) });
      const batch = await makeJobs(fakes.database, refs.slice(0, leads), () => ({ sbi: '62.01', employees: 12 }));
      const outcomes = await run(batch, signal);
      const enriched = new Set<string>();
      for (const job of batch) {
        const o = outcomes.get(job.id);
        if (o?.kind === 'done') enriched.add(job.objectId);
        else expect(o, `${job.objectId} at ${percent} %: ${JSON.stringify(o)}`).toMatchObject({ kind: 'skipped', reason: 'rollout' });
      }
      // Every lead leaves a record: written (here no_crm) or skipped_rollout.
      const rows = await rowsOf(batch);
      expect(rows.filter((r) => r.writeStatus === 'no_crm').length).toBe(enriched.size);
      expect(rows.filter((r) => r.writeStatus === 'skipped_rollout').length).toBe(leads - enriched.size);
      return enriched;
    }

    it('30 % enriches about 30 % of the leads, the same leads every time, and all of them are still in at 60 %', async () => {
      const first = await enrichedAt(30);
      expect(first.size / LEADS, `${first.size} of ${LEADS}`).toBeGreaterThanOrEqual(0.25);
      expect(first.size / LEADS, `${first.size} of ${LEADS}`).toBeLessThanOrEqual(0.35);
      const again = await enrichedAt(30);
      expect([...again].sort()).toEqual([...first].sort());
      // Raising the share only adds leads: nobody enriched at 30 % drops out at 60 %.
      const at60 = await enrichedAt(60);
      expect(at60.size / LEADS, `${at60.size} of ${LEADS}`).toBeGreaterThanOrEqual(0.55);
      expect(at60.size / LEADS, `${at60.size} of ${LEADS}`).toBeLessThanOrEqual(0.65);
      expect([...first].filter((id) => !at60.has(id))).toEqual([]);
    });

    it('1 % is a few leads, 99 % all but a few; 0 and 100 are none and all', async () => {
      const one = await enrichedAt(1);
      expect(one.size, `${one.size} of ${LEADS}`).toBeGreaterThan(0);
      expect(one.size, `${one.size} of ${LEADS}`).toBeLessThanOrEqual(12);
      const ninetyNine = await enrichedAt(99);
      expect(ninetyNine.size, `${ninetyNine.size} of ${LEADS}`).toBeLessThan(LEADS);
      expect(ninetyNine.size, `${ninetyNine.size} of ${LEADS}`).toBeGreaterThanOrEqual(LEADS - 12);
      expect((await enrichedAt(0, 40)).size).toBe(0);
      expect((await enrichedAt(100, 40)).size).toBe(40);
    });
  });

  it('records the webhook input unchanged when no CRM value overrides it', async () => {
    // The other side of the merge: without a CRM read, the webhook's values are what is resolved.
    const config = testConfig({});
    const run = createPipeline({ database: fakes.database, config, enrichment, ...crmKit(fakes.database, config) });
    const [job] = await makeJobs(fakes.database, [{ source: 'generic', accountId: 'default', objectType: 'lead', objectId: `merge-${uniqueAccount()}` }], () => ({
      company: 'Softwarehuis Oud',
      sbi: '62.01',
      employees: 500,
    }));
    const outcomes = await run([job], signal);
    expect(outcomes.get(job.id), outcomeText(outcomes)).toMatchObject({ kind: 'done' });
    const [row] = await fakes.database.db.select().from(enrichments).where(eq(enrichments.jobId, job.id));
    expect((row.result as { input: unknown }).input).toEqual({ company: 'Softwarehuis Oud', sbi: '62.01', employees: 500 });
  });
});
