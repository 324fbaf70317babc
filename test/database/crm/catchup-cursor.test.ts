import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createCatchup } from '../../../src/jobs/catchup.js';
import { parseHubSpotEvents } from '../../../src/crm/hubspot/webhook.js';
import { jobs, syncCursors } from '../../../src/db/schema.js';
import { recordWebhook } from '../../../src/jobs/intake.js';
import { flavours } from '../../support/db.js';
import { useHubspotPortal } from '../../support/crm.js';

/**
 * Review 2026-12, M5: one HubSpot record with a future `createdate` moved the
 * sweep cursor to it (2099), and lost webhooks were never recovered after.
 */

const TOKEN = 'pat-eu1-catchup-cursor-0123456789';

describe.each(flavours)('catch-up cursor never passes the clock, on %s', (flavour) => {
  const fakes = useHubspotPortal(flavour, TOKEN);

  const arrived = (portal: string, objectId: number) =>
    recordWebhook(
      fakes.database,
      'hubspot',
      parseHubSpotEvents([{ eventId: objectId, subscriptionId: 1, portalId: Number(portal), occurredAt: Date.now(), subscriptionType: 'company.creation', objectId }]),
    );
  const cursorOf = async (portal: string) =>
    (await fakes.database.db.select().from(syncCursors).where(eq(syncCursors.key, `catchup:hubspot:${portal}:company`)))[0]?.cursor;
  const jobIds = async (portal: string) => (await fakes.database.db.select().from(jobs).where(eq(jobs.accountId, portal))).map((j) => j.objectId).sort();

  it('lists a record from the future but keeps the cursor at the sweep, so a later lost lead is still found', async () => {
    const { portal, kit } = await fakes.portal(70_000_000);
    const { database, hubspot } = fakes;
    const catchup = createCatchup({ database, crm: kit.crm, logger: kit.logger });
    await arrived(portal, 8801);
    hubspot.seed('company', '8801', { name: 'Arrived BV' }, new Date(Date.now() - 60_000));
    hubspot.seed('company', '8802', { name: 'Typo BV' }, new Date('2099-01-01T00:00:00Z'), { indexedAt: new Date() });
    const now = new Date();
    await catchup.runOnce(now);
    expect(Date.parse((await cursorOf(portal)) ?? ''), await cursorOf(portal)).toBeLessThanOrEqual(now.getTime());
    expect(await jobIds(portal)).toEqual(['8801', '8802']);

    // A webhook lost after that sweep: the next sweep recovers it.
    hubspot.seed('company', '8803', { name: 'Lost later BV' }, new Date());
    await catchup.runOnce(new Date(Date.now() + 1_000));
    expect(await jobIds(portal)).toEqual(['8801', '8802', '8803']);
  });

  it('takes a cursor already stored ahead of the clock back to now', async () => {
    const { portal, kit } = await fakes.portal(60_000_000);
    const { database, hubspot } = fakes;
    const catchup = createCatchup({ database, crm: kit.crm, logger: kit.logger });
    await arrived(portal, 8901);
    await database.db.insert(syncCursors).values({ key: `catchup:hubspot:${portal}:company`, cursor: '2099-01-01T00:00:00.000Z', ok: true, updatedAt: new Date() });
    hubspot.seed('company', '8902', { name: 'Lost BV' }, new Date(Date.now() - 60_000));
    const now = new Date();
    await catchup.runOnce(now);
    expect(await jobIds(portal)).toContain('8902');
    expect(Date.parse((await cursorOf(portal)) ?? '')).toBeLessThanOrEqual(now.getTime());
  });

  it('M4: a sweep whose CRM never answers ends at its deadline, recorded as failed, and the next sweep runs', async () => {
    const { portal, kit } = await fakes.portal(50_000_000);
    const { database, hubspot } = fakes;
    const catchup = createCatchup({ database, crm: kit.crm, logger: kit.logger, deadlineMs: 1_000 });
    await arrived(portal, 8701);
    hubspot.fail({ hang: true, match: /search$/, times: 1_000 });
    const report = await catchup.runOnce();
    const mine = report.accounts.filter((a) => a.accountId === portal);
    expect(mine.length, JSON.stringify(report)).toBeGreaterThan(0);
    for (const a of mine) expect(a.error, JSON.stringify(a)).toMatch(/passed its deadline/);
    // The lock was let go: the next sweep runs (and meets the same silence, within its deadline).
    expect((await catchup.runOnce()).ran).toBe(true);
  });
});
