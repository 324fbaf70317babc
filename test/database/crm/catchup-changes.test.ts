import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrichments, jobs } from '../../../src/db/schema.js';
import { createCatchup } from '../../../src/jobs/catchup.js';
import { createLogger } from '../../../src/logger.js';
import { createTestService, type TestService, testConfig } from '../../support/app.js';
import { makeJobs } from '../../support/crm.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { waitUntil } from '../../support/service-kit.js';

/**
 * The catch-up sweep's update times (issue 27): a lead whose record was changed in HubSpot after
 * Verrijk last read it (`hs_lastmodifieddate`) is enqueued again and its card follows the new
 * input; Verrijk's own writes of the card also move `hs_lastmodifieddate` (the fake moves it on
 * every write, as HubSpot does), and they must not come back as work: sweeps after a write enqueue
 * nothing.
 */

const TOKEN = 'pat-eu1-catchup-changes-token-0123456';

describe.each(flavours)('catch-up sweep of changed records (%s)', (flavour) => {
  let database: TestDatabase;
  let hubspot: FakeHubspot;
  let service: TestService;
  const portal = 49_000_000 + Math.floor(Math.random() * 1_000_000);
  const ids = ['640001', '640002', '640003'];
  const key = (id: string) => `hubspot:${portal}:company:${id}`;

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    hubspot = await startFakeHubspot({ token: TOKEN, portalId: portal });
    service = await createTestService(
      database,
      testConfig({ HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_URL: hubspot.url, CRM_CATCHUP_CRON: 'off', CARD_REFRESH_CRON: 'off', JOB_POLL_MS: '50' }),
    );
    await service.runtime.start();
  }, 120_000);
  afterAll(async () => {
    await service?.runtime.stop();
    await hubspot?.close();
    await database?.drop();
  });

  const settled = async () =>
    waitUntil(
      async () => (await database.db.select({ s: jobs.status }).from(jobs).where(eq(jobs.accountId, String(portal)))).every((j) => j.s !== 'queued' && j.s !== 'running'),
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
});
