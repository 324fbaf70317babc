import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrichments, jobs } from '../../../src/db/schema.js';
import { createCatchup } from '../../../src/jobs/catchup.js';
import { createLogger } from '../../../src/logger.js';
import { createTestService, type TestService, testConfig } from '../../support/app.js';
import { makeJobs } from '../../support/crm.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { type FakePipedrive, startFakePipedrive } from '../../support/fakes/pipedrive-server.js';
import { waitUntil } from '../../support/service-kit.js';

/**
 * The catch-up sweep's update times (issue 27): a lead whose record was changed in HubSpot after
 * Verrijk last read it (`hs_lastmodifieddate`) is enqueued again and its card follows the new
 * input; Verrijk's own writes of the card also move `hs_lastmodifieddate` (the fake moves it on
 * every write, as HubSpot does), and they must not come back as work: sweeps after a write enqueue
 * nothing.
 */

const TOKEN = 'pat-eu1-catchup-changes-token-0123456';
const PD_TOKEN = 'pipedrive-catchup-changes-token-0123';

describe.each(flavours)('catch-up sweep of changed records (%s)', (flavour) => {
  let database: TestDatabase;
  let hubspot: FakeHubspot;
  let pipedrive: FakePipedrive;
  let service: TestService;
  const company = 13_000_000 + Math.floor(Math.random() * 1_000_000);
  const portal = 49_000_000 + Math.floor(Math.random() * 1_000_000);
  const ids = ['640001', '640002', '640003'];
  const key = (id: string) => `hubspot:${portal}:company:${id}`;

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    hubspot = await startFakeHubspot({ token: TOKEN, portalId: portal });
    pipedrive = await startFakePipedrive({ token: PD_TOKEN, companyId: company });
    service = await createTestService(
      database,
      testConfig({
        HUBSPOT_ACCESS_TOKEN: TOKEN,
        HUBSPOT_BASE_URL: hubspot.url,
        PIPEDRIVE_API_TOKEN: PD_TOKEN,
        PIPEDRIVE_BASE_URL: pipedrive.url,
        CRM_CATCHUP_CRON: 'off', CARD_REFRESH_CRON: 'off',
        JOB_POLL_MS: '50',
      }),
    );
    await service.runtime.start();
  }, 120_000);
  afterAll(async () => {
    await service?.runtime.stop();
    await Promise.all([hubspot?.close(), pipedrive?.close()]);
    await database?.drop();
  });

  const settled = async () =>
    waitUntil(
      async () => (await database.db.select({ s: jobs.status }).from(jobs)).every((j) => j.s !== 'queued' && j.s !== 'running'),
      120_000,
      'the jobs',
    );
  const jobsOf = (id: string) => database.db.select().from(jobs).where(eq(jobs.leadKey, key(id)));

  it('re-enriches a record changed in the CRM, and Verrijk’s own writes do not come back', async () => {
    for (const id of ids) hubspot.seed('company', id, { name: `Gewijzigd ${id} B.V.`, sbi_code: '6201', numberofemployees: '25' });
    await makeJobs(database, ids.map((objectId) => ({ source: 'hubspot', accountId: String(portal), objectType: 'company', objectId })));
    service.deps.jobs.wake();
    await settled();
    for (const id of ids) expect(hubspot.cards.get(`company:${id}`)?.cbs_sbi_code, id).toBe('62100');

    const catchup = createCatchup({ database, crm: service.deps.crm, logger: createLogger({ level: 'silent' }) });
    // Every card was just written by Verrijk (hs_lastmodifieddate moved): nothing to do.
    const quiet = await catchup.runOnce();
    const row = () => quiet.accounts.find((a) => a.objectType === 'company');
    expect(row(), JSON.stringify(quiet)).toMatchObject({ accountId: String(portal), changed: 3, reenriched: 0 });
    expect(row()?.error, JSON.stringify(quiet)).toBeUndefined();

    // A person changes the SBI code of one company in HubSpot.
    hubspot.edit('company', ids[1], { sbi_code: '4711' });
    const changed = await catchup.runOnce();
    expect(changed.accounts.find((a) => a.objectType === 'company'), JSON.stringify(changed)).toMatchObject({ reenriched: 1 });
    const queued = await jobsOf(ids[1]);
    expect(queued.map((j) => j.reason).sort(), JSON.stringify(queued)).toEqual(['reenrich', 'webhook']);
    service.deps.jobs.wake();
    await settled();
    expect(hubspot.cards.get(`company:${ids[1]}`)?.cbs_sbi_code).toMatch(/^4711/);
    const rewrite = await database.db
      .select()
      .from(enrichments)
      .where(and(eq(enrichments.leadKey, key(ids[1])), eq(enrichments.writeStatus, 'written'), inArray(enrichments.jobId, queued.map((j) => j.id))));
    expect(rewrite, JSON.stringify(rewrite.map((r) => r.previousProperties))).toHaveLength(2);
    expect(rewrite.some((r) => (r.previousProperties as Record<string, string> | null)?.cbs_sbi_code === '62100')).toBe(true);

    // That rewrite moved hs_lastmodifieddate again, and so did nothing else: no loop.
    for (let i = 0; i < 2; i++) {
      const after = await catchup.runOnce();
      expect(after.accounts.find((a) => a.objectType === 'company'), JSON.stringify(after)).toMatchObject({ reenriched: 0 });
    }
    for (const id of ids) expect((await jobsOf(id)).length, id).toBe(id === ids[1] ? 2 : 1);
  }, 300_000);

  it('Pipedrive: an organization changed after Verrijk read it (update_time) is enqueued again; Verrijk’s own writes are not', async () => {
    const orgs = [750_001, 750_002];
    for (const id of orgs) pipedrive.seedOrganization(id, `Organisatie ${id} B.V.`);
    await makeJobs(database, orgs.map((id) => ({ source: 'pipedrive', accountId: String(company), objectType: 'organization', objectId: String(id) })));
    service.deps.jobs.wake();
    await settled();
    const pdJobs = (id: number) => database.db.select().from(jobs).where(eq(jobs.leadKey, `pipedrive:${company}:organization:${id}`));
    const written = await database.db.select().from(enrichments).where(and(inArray(enrichments.leadKey, orgs.map((id) => `pipedrive:${company}:organization:${id}`)), eq(enrichments.writeStatus, 'written')));
    expect(written, 'the cards were written (update_time moved)').toHaveLength(2);

    const catchup = createCatchup({ database, crm: service.deps.crm, logger: createLogger({ level: 'silent' }) });
    const quiet = await catchup.runOnce();
    expect(quiet.accounts.find((a) => a.source === 'pipedrive' && a.objectType === 'organization'), JSON.stringify(quiet)).toMatchObject({ changed: 2, reenriched: 0 });

    // A person renames one organization in Pipedrive: its update_time moves past Verrijk's last read.
    const org = pipedrive.cards.get(String(orgs[0]))!;
    org.name = `Hernoemd ${orgs[0]} B.V.`;
    org.update_time = new Date(Date.now() + 1_000).toISOString();
    const changed = await catchup.runOnce(new Date(Date.now() + 2_000));
    expect(changed.accounts.find((a) => a.source === 'pipedrive' && a.objectType === 'organization'), JSON.stringify(changed)).toMatchObject({ reenriched: 1 });
    expect((await pdJobs(orgs[0])).map((j) => j.reason).sort()).toEqual(['reenrich', 'webhook']);
    expect((await pdJobs(orgs[1])).map((j) => j.reason)).toEqual(['webhook']);
    service.deps.jobs.wake();
    await settled();
    // The job read the organization again; nothing of what Verrijk reads changed, so nothing was written and no update time moved.
    const again = await catchup.runOnce(new Date(Date.now() + 3_000));
    expect(again.accounts.find((a) => a.source === 'pipedrive' && a.objectType === 'organization'), JSON.stringify(again)).toMatchObject({ reenriched: 0 });
    expect((await pdJobs(orgs[0])).length).toBe(2);
  }, 300_000);
});
