import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatchup } from '../../../src/jobs/catchup.js';
import { parseHubSpotEvents } from '../../../src/crm/hubspot/webhook.js';
import { jobs } from '../../../src/db/schema.js';
import { recordWebhook } from '../../../src/jobs/intake.js';
import { enqueueJobs } from '../../../src/jobs/queue.js';
import { testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { crmKit } from '../../support/crm.js';

/**
 * The catch-up sweep's "lead already has a job" filter (src/jobs/catchup.ts). The creation
 * dedupe key alone does not cover it: a lead whose creation webhook was lost may still have
 * a job from a property-change webhook (another dedupe key) or from the admin re-enrich
 * (src/http/routes/admin-leads.ts: a job with no webhook event at all). The sweep must leave such a lead alone and enqueue only leads that
 * have no job. Removing the filter was possible without a test failing (issue 17, item 6).
 */

const TOKEN = 'pat-eu1-catchup-known-0123456789';

describe.each(flavours)('catch-up leaves leads that already have a job alone, on %s', (flavour) => {
  let database: TestDatabase;
  let hubspot: FakeHubspot;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
  });
  afterAll(async () => {
    await hubspot?.close();
    await database?.drop();
  });

  // The sweep lists the portal the token belongs to (account details), never one a webhook merely
  // named (review 2026-12, M3): each test gets a fake HubSpot whose token belongs to its own portal.
  const fakeFor = async (portal: string) => {
    await hubspot?.close();
    hubspot = await startFakeHubspot({ token: TOKEN, portalId: Number(portal) });
  };

  it('enqueues only the lead with no job; a property-change job and an admin re-enrich job count as known', async () => {
    const portal = String(80_000_000 + Math.floor(Math.random() * 1_000_000));
    await fakeFor(portal);
    const t0 = Date.now() - 60_000;
    hubspot.seed('company', '8101', { name: 'Changed BV' }, new Date(t0 + 1_000));
    hubspot.seed('company', '8102', { name: 'Reenriched BV' }, new Date(t0 + 2_000));
    hubspot.seed('company', '8103', { name: 'Lost BV' }, new Date(t0 + 3_000));

    // 8101: its creation webhook was lost, but a change of an input property arrived.
    const change = await recordWebhook(
      database,
      'hubspot',
      parseHubSpotEvents([
        { eventId: 31, subscriptionId: 1, portalId: Number(portal), occurredAt: t0 + 1_500, subscriptionType: 'company.propertyChange', propertyName: 'industry', propertyValue: 'Bakkerij', objectId: 8101 },
      ]),
    );
    expect(change.accepted, 'the property change made a job').toBe(1);
    // 8102: a job with no webhook event behind it, as the admin re-enrich makes one.
    await enqueueJobs(database.db, [{ ref: { source: 'hubspot', accountId: portal, objectType: 'company', objectId: '8102' }, reason: 'reenrich', payload: { lead: {}, event: { type: 'reenrich' } } }]);

    const cfg = testConfig({ HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_URL: hubspot.url });
    const kit = crmKit(database, cfg);
    const report = await createCatchup({ database, crm: kit.crm, logger: kit.logger }).runOnce();

    expect(report.ran).toBe(true);
    expect(report.accounts.find((a) => a.accountId === portal), JSON.stringify(report)).toMatchObject({ listed: 3, enqueued: 1 });
    const queued = await database.db.select().from(jobs).where(eq(jobs.accountId, portal));
    expect(queued.map((j) => `${j.objectId}:${j.reason}`).sort()).toEqual(['8101:reenrich', '8102:reenrich', '8103:catchup']);
  });
});
