import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextMidnight } from '../../../src/crm/clock.js';
import { createRateLimiter } from '../../../src/crm/rate-limiter.js';
import { enrichments } from '../../../src/db/schema.js';
import { createPipeline } from '../../../src/jobs/pipeline.js';
import type { JobOutcome } from '../../../src/jobs/types.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { testConfig } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { crmKit, hubspotMatrix, makeJobs, realEnrichment, uniqueAccount } from '../../support/crm.js';

/** Issue 16 against the faithful fake HubSpot: scopes, whole-batch 400s, the default limit, the account's time zone. */

const TOKEN = 'pat-eu1-faithful-hubspot-0123456789';
const enrichment = realEnrichment();
const signal = new AbortController().signal;
const text = (m: Map<number, JobOutcome>) => JSON.stringify([...m.entries()]);
const company = (accountId: string, objectId: string) => ({ source: 'hubspot' as const, accountId, objectType: 'company', objectId });

/** The scopes the shipped HubSpot app asks for (hubspot-app/src/app/app-hsmeta.json; the guide lists the same, test/unit/crm/hubspot-app.test.ts). */
function appScopes(): string[] {
  const meta = JSON.parse(readFileSync(new URL('../../../hubspot-app/src/app/app-hsmeta.json', import.meta.url), 'utf8'));
  return meta.config.auth.requiredScopes;
}

describe.each(hubspotMatrix)('HubSpot as documented on %s, API %s', (flavour, version) => {
  let database: TestDatabase;
  const fakes: FakeHubspot[] = [];
  const fake = async (opts: Parameters<typeof startFakeHubspot>[0] = {}) => {
    const f = await startFakeHubspot({ token: TOKEN, ...opts });
    fakes.push(f);
    return f;
  };
  const kitFor = (hubspot: FakeHubspot) => {
    const config = testConfig({ HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_URL: hubspot.url, HUBSPOT_API_VERSION: version });
    const kit = crmKit(database, config);
    return { kit, run: createPipeline({ database, config, enrichment, ...kit }) };
  };
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
  });
  afterAll(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    await database?.drop();
  });

  it('with exactly the app scopes, crm:ensure, single and batch reads and writes, the sweep search and the account details succeed', async () => {
    const scopes = appScopes();
    expect(scopes.length).toBeGreaterThan(4);
    const hubspot = await fake({ scopes, ensured: false });
    const { kit, run } = kitFor(hubspot);
    const account = uniqueAccount('scopes');
    const report = await kit.crm.adapter('hubspot')!.ensureProperties(account);
    expect(report.created).toContain('contacts.cbs_sbi_code');
    hubspot.seed('contact', '7001', { company: 'Bakkerij Jansen', sbi_code: '10.71', numemployees: '6' });
    const [job] = await makeJobs(database, [{ source: 'hubspot', accountId: account, objectType: 'contact', objectId: '7001' }]);
    const outcomes = await run([job], signal);
    expect(outcomes.get(job.id), text(outcomes)).toMatchObject({ kind: 'done', detail: { writeStatus: 'written' } });
    // A batch (batch read + batch update), the catch-up search and the account check.
    for (const id of ['7002', '7003']) hubspot.seed('company', id, { name: `Bedrijf ${id}`, sbi_code: '62.01', numberofemployees: '12' });
    const batch = await makeJobs(database, ['7002', '7003'].map((id) => company(account, id)));
    const batchOutcomes = await run(batch, signal);
    expect(batch.map((j) => batchOutcomes.get(j.id)?.kind), text(batchOutcomes)).toEqual(['done', 'done']);
    const adapter = kit.crm.adapter('hubspot')!;
    const listed = await adapter.listSince!(account, 'company', new Date(Date.now() - 3_600_000), 10);
    expect(listed.leads.map((l) => l.ref.objectId)).toEqual(expect.arrayContaining(['7002', '7003']));
    expect(await adapter.ownAccount!()).toBe('147000001');
    const ops = new Set(hubspot.requests.map((r) => `${r.method} ${r.path.replace(/\/\d+$/, '/{id}')}`));
    for (const op of ['PATCH', 'batch/read', 'batch/update', 'search', 'details', 'groups']) expect([...ops].some((o) => o.includes(op)), `${op} in ${[...ops].join(', ')}`).toBe(true);
    expect(hubspot.count(403), 'no call was refused for a missing scope').toBe(0);
    expect([...hubspot.versions], 'every path on the configured API version').toEqual([version]);
  });

  it('a missing scope is named in the error', async () => {
    const hubspot = await fake({ scopes: ['crm.objects.companies.read', 'crm.objects.companies.write', 'crm.schemas.companies.read'], ensured: false });
    const { kit } = kitFor(hubspot);
    await expect(kit.crm.adapter('hubspot')!.ensureProperties(uniqueAccount('scopes'))).rejects.toThrow(/crm\.schemas\.companies\.write/);
  });

  it('a batch with one bad record writes all the others; only the bad one fails, with its own reason', async () => {
    const hubspot = await fake();
    const { run } = kitFor(hubspot);
    const engine = await enrichment.enricher();
    const inputs: Record<string, { sbi: string; employees: string }> = { '6101': { sbi: '62.01', employees: '38' }, '6102': { sbi: '10.71', employees: '6' }, '6103': { sbi: '47.11', employees: '8' } };
    // Someone turned cbs_sbi_code into a dropdown holding the codes of 6101 and 6103 only.
    const allowed = ['6101', '6103'].map((id) => engine.toCard(engine.resolve(inputs[id]), new Date()).cbs_sbi_code!);
    hubspot.defineProperty('companies', 'cbs_sbi_code', { type: 'enumeration', options: allowed.map((v) => ({ label: v, value: v })) });
    for (const [id, i] of Object.entries(inputs)) hubspot.seed('company', id, { name: `Bedrijf ${id}`, sbi_code: i.sbi, numberofemployees: i.employees });
    const account = uniqueAccount('batch');
    const batch = await makeJobs(database, Object.keys(inputs).map((id) => company(account, id)));
    const outcomes = await run(batch, signal);
    expect(batch.map((j) => outcomes.get(j.id)?.kind), text(outcomes)).toEqual(['done', 'dead', 'done']);
    expect((outcomes.get(batch[1].id) as { error: string }).error).toMatch(/1071.*not one of the allowed options/);
    expect(hubspot.cards.get('company:6101')!.cbs_sbi_code).toBe(allowed[0]);
    expect(hubspot.cards.get('company:6103')!.cbs_sbi_code).toBe(allowed[1]);
    expect(hubspot.cards.get('company:6102')!.cbs_sbi_code).toBeUndefined();
    const rows = await database.db.select().from(enrichments).where(eq(enrichments.jobId, batch[0].id));
    expect(rows[0].writeStatus).toBe('written');
    expect([...hubspot.versions]).toEqual([version]);
  });

  it('starts at the lowest documented limit (100 / 10 s) and follows the headers up', async () => {
    const limiter = createRateLimiter({ database, metrics: createMetrics(), logger: createLogger({ level: 'silent' }) });
    expect(limiter.specFor('hubspot')).toEqual({ limit: 100, windowMs: 10_000 });
    const key = { crm: 'hubspot' as const, accountId: uniqueAccount('limit') };
    let granted = 0;
    while ((await limiter.tryAcquire(key)).granted) granted++;
    expect(granted).toBe(100);
    // A Professional account's headers say 190 per 10 s: the limiter follows them.
    await limiter.observe(key, { limit: 190, windowMs: 10_000, remaining: 90 });
    while ((await limiter.tryAcquire(key)).granted) granted++;
    expect(granted).toBe(190);
  });

  it('a DAILY 429 waits for midnight in the time zone the account states', async () => {
    const hubspot = await fake({ timeZone: 'America/New_York' });
    const { run } = kitFor(hubspot);
    hubspot.seed('company', '6201', { name: 'Tijdzone BV', sbi_code: '6201' });
    const [job] = await makeJobs(database, [company(uniqueAccount('tz'), '6201')]);
    hubspot.fail({ status: 429, policy: 'DAILY', match: /^PATCH / });
    const outcomes = await run([job], signal);
    const outcome = outcomes.get(job.id) as Extract<JobOutcome, { kind: 'retry' }>;
    expect(outcome.kind, text(outcomes)).toBe('retry');
    const midnight = nextMidnight(new Date(), 'America/New_York').getTime();
    expect(Math.abs(outcome.notBefore!.getTime() - midnight)).toBeLessThan(5_000);
  });
});
