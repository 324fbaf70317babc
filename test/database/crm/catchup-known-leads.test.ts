import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createCatchup } from '../../../src/jobs/catchup.js';
import { parseHubSpotEvents } from '../../../src/crm/hubspot/webhook.js';
import { jobs } from '../../../src/db/schema.js';
import { recordWebhook } from '../../../src/jobs/intake.js';
import { enqueueJobs } from '../../../src/jobs/queue.js';
import { flavours } from '../../support/db.js';
import { useHubspotPortal } from '../../support/crm.js';

/**
 * The catch-up sweep's "lead already has a job" filter (src/jobs/catchup.ts). The creation
 * dedupe key alone does not cover it: a lead whose creation webhook was lost may still have
 * a job from a property-change webhook (another dedupe key) or from the admin re-enrich
 * (src/http/routes/admin-leads.ts: a job with no webhook event at all). The sweep must leave such a lead alone and enqueue only leads that
 * have no job. Removing the filter was possible without a test failing (issue 17, item 6).
 */

const TOKEN = 'pat-eu1-catchup-known-0123456789';

describe.each(flavours)('catch-up leaves leads that already have a job alone, on %s', (flavour) => {
  const fakes = useHubspotPortal(flavour, TOKEN);

  it('enqueues only the lead with no job; a property-change job and an admin re-enrich job count as known', async () => {
    const { portal, kit } = await fakes.portal(80_000_000);
    const { database, hubspot } = fakes;
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

    const report = await createCatchup({ database, crm: kit.crm, logger: kit.logger }).runOnce();

    expect(report.ran).toBe(true);
    expect(report.accounts.find((a) => a.accountId === portal), JSON.stringify(report)).toMatchObject({ listed: 3, enqueued: 1 });
    const queued = await database.db.select().from(jobs).where(eq(jobs.accountId, portal));
    expect(queued.map((j) => `${j.objectId}:${j.reason}`).sort()).toEqual(['8101:reenrich', '8102:reenrich', '8103:catchup']);
  });
});
