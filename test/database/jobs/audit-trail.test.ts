import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrichments } from '../../../src/db/schema.js';
import { createPipeline } from '../../../src/jobs/pipeline.js';
import type { JobOutcome, JobRow } from '../../../src/jobs/types.js';
import { testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { crmKit, makeJobs, realEnrichment, uniqueAccount } from '../../support/crm.js';
import { startFakeGenericCrm, type FakeGenericCrm } from '../../support/fakes/generic-crm-server.js';
import { startFakeHubspot, type FakeHubspot } from '../../support/fakes/hubspot-server.js';

/**
 * Finding 3: a CRM write and its `enrichments` audit row cannot part. When a
 * later CRM call of a batch fails, the leads an earlier call already wrote keep
 * their audit row and are not written again; a CRM record holding U+0000 is
 * written once, with its audit row, not written again on every retry.
 */

const GEN_TOKEN = 'generic-token-audit-0123456789';
const HS_TOKEN = 'pat-eu1-audit-token-0123456789';
const enrichment = realEnrichment();
const signal = new AbortController().signal;
const shown = (m: Map<number, JobOutcome>) => JSON.stringify([...m.entries()]);

describe.each(flavours)('writes and their audit rows on %s', (flavour) => {
  let database: TestDatabase;
  let generic: FakeGenericCrm;
  let hubspot: FakeHubspot;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    generic = await startFakeGenericCrm({ token: GEN_TOKEN, limit: 1000 });
    hubspot = await startFakeHubspot({ token: HS_TOKEN, limit: 1000 });
  });
  afterAll(async () => {
    await Promise.all([generic?.close(), hubspot?.close()]);
    await database?.drop();
  });

  const pipelineFor = (env: Record<string, string>) => {
    const config = testConfig(env);
    return createPipeline({ database, config, enrichment, ...crmKit(database, config) });
  };
  const genericPipeline = () => pipelineFor({ GENERIC_CRM_URL: generic.url, GENERIC_CRM_TOKEN: GEN_TOKEN });
  const rowsOf = (job: JobRow) => database.db.select().from(enrichments).where(eq(enrichments.jobId, job.id));
  const patches = (fake: { requests: Array<{ method: string; path: string }> }, path: string) => fake.requests.filter((r) => r.method === 'PATCH' && r.path === path).length;

  it('generic: a failing third call keeps the first two leads written once, with their audit rows', async () => {
    const tag = uniqueAccount('audit');
    const ids = [`${tag}-1`, `${tag}-2`, `${tag}-3`];
    for (const id of ids) generic.seed(id, { company: `Bedrijf ${id}`, sbi: '62.01', employees: 12 });
    generic.fail({ status: 503, match: new RegExp(`^PATCH /leads/${ids[2]}$`) });
    const run = genericPipeline();
    const batch = await makeJobs(database, ids.map((objectId) => ({ source: 'generic' as const, accountId: 'default', objectType: 'lead', objectId })));

    const first = await run(batch, signal);
    expect(first.get(batch[0].id)?.kind, shown(first)).toBe('done');
    expect(first.get(batch[1].id)?.kind, shown(first)).toBe('done');
    expect(first.get(batch[2].id)?.kind, shown(first)).toBe('retry');
    for (const job of batch.slice(0, 2)) {
      const rows = await rowsOf(job);
      expect(rows.map((r) => r.writeStatus), `audit rows of ${job.objectId}`).toEqual(['written']);
    }
    expect(await rowsOf(batch[2])).toEqual([]);

    // The retry of the failed lead writes that lead only.
    const again = await run([batch[2]], signal);
    expect(again.get(batch[2].id)?.kind, shown(again)).toBe('done');
    expect(ids.map((id) => patches(generic, `/leads/${id}`))).toEqual([1, 1, 2]);
  });

  it('hubspot: a failing contact call keeps the company the batch already wrote, with its audit row', async () => {
    const account = uniqueAccount('77');
    const companyId = String(Number(account.replace(/\D/g, '').slice(-9)) + 1);
    const contactId = String(Number(companyId) + 1);
    hubspot.seed('company', companyId, { name: 'Softwarehuis Audit', sbi_code: '62.01', numberofemployees: '30' });
    hubspot.seed('contact', contactId, { company: 'Bakkerij Audit', sbi_code: '10.71', numemployees: '5' });
    hubspot.fail({ status: 500, match: new RegExp(`^PATCH /crm/objects/[^/]+/contacts/${contactId}$`) });
    const run = pipelineFor({ HUBSPOT_ACCESS_TOKEN: HS_TOKEN, HUBSPOT_BASE_URL: hubspot.url });
    const batch = await makeJobs(database, [
      { source: 'hubspot', accountId: account, objectType: 'company', objectId: companyId },
      { source: 'hubspot', accountId: account, objectType: 'contact', objectId: contactId },
    ]);
    const outcomes = await run(batch, signal);
    expect(outcomes.get(batch[0].id)?.kind, shown(outcomes)).toBe('done');
    expect(outcomes.get(batch[1].id)?.kind, shown(outcomes)).toBe('retry');
    expect((await rowsOf(batch[0])).map((r) => r.writeStatus)).toEqual(['written']);
  });

  it('generic: a CRM record holding U+0000 and a lone surrogate is written once, with its audit row', async () => {
    const id = `${uniqueAccount('nul')}`;
    generic.seed(id, { company: 'Bakkerij\u0000 Nul', industry: 'bakkerij\u0000\ud800', sbi: '10.71', employees: '12', cbs_sbi_code: 'oud\u0000' });
    const run = genericPipeline();
    const [job] = await makeJobs(database, [{ source: 'generic', accountId: 'default', objectType: 'lead', objectId: id }]);
    const outcomes = await run([job], signal);
    expect(outcomes.get(job.id)?.kind, shown(outcomes)).toBe('done');
    const rows = await rowsOf(job);
    expect(rows.map((r) => r.writeStatus)).toEqual(['written']);
    const stored = JSON.stringify(rows[0]);
    expect(stored).not.toContain('\\u0000');
    expect(stored).toContain('Bakkerij Nul');
    expect(patches(generic, `/leads/${id}`)).toBe(1);
  });
});
