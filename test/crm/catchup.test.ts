import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatchup } from '../../src/crm/catchup.js';
import { parseHubSpotEvents } from '../../src/crm/hubspot/webhook.js';
import { jobs, syncCursors } from '../../src/db/schema.js';
import { recordWebhook } from '../../src/jobs/intake.js';
import { testConfig } from '../helpers/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../helpers/db.js';
import { startFakeHubspot, type FakeHubspot } from '../fakes/hubspot-server.js';
import { crmKit } from './support.js';

const TOKEN = 'pat-eu1-catchup-token-0123456789';

describe.each(flavours)('catch-up sweep on %s', (flavour) => {
  let database: TestDatabase;
  let hubspot: FakeHubspot;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    hubspot = await startFakeHubspot({ token: TOKEN });
  });
  afterAll(async () => {
    await hubspot?.close();
    await database?.drop();
  });

  it('enqueues the companies whose webhook never arrived, once, with the webhook dedupe key', async () => {
    const portal = String(90_000_000 + Math.floor(Math.random() * 1_000_000));
    const t0 = Date.now() - 60_000;
    hubspot.seed('company', '8001', { name: 'Arrived BV' }, new Date(t0 + 1_000));
    hubspot.seed('company', '8002', { name: 'Lost BV' }, new Date(t0 + 2_000));
    hubspot.seed('company', '8003', { name: 'Also lost BV' }, new Date(t0 + 3_000));
    // 8001's creation webhook did arrive.
    await recordWebhook(
      database,
      'hubspot',
      parseHubSpotEvents([{ eventId: 1, subscriptionId: 1, portalId: Number(portal), occurredAt: t0, subscriptionType: 'company.creation', objectId: 8001 }]),
    );
    const cfg = testConfig({ HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_URL: hubspot.url });
    const { crm } = crmKit(database, cfg);
    const catchup = createCatchup({ database, crm, logger: crmKit(database, cfg).logger });

    const first = await catchup.runOnce();
    expect(first.ran).toBe(true);
    const mine = first.accounts.find((a) => a.accountId === portal);
    expect(mine).toMatchObject({ listed: 3, enqueued: 2 });
    const queued = await database.db.select().from(jobs).where(eq(jobs.accountId, portal));
    expect(queued.map((j) => `${j.objectId}:${j.reason}`).sort()).toEqual(['8001:webhook', '8002:catchup', '8003:catchup']);
    const [cursor] = await database.db.select().from(syncCursors).where(eq(syncCursors.key, `catchup:hubspot:${portal}`));
    expect(cursor.cursor).toBe(new Date(t0 + 3_000).toISOString());

    // A late webhook for 8002 is a duplicate; a second sweep finds nothing new.
    const late = await recordWebhook(
      database,
      'hubspot',
      parseHubSpotEvents([{ eventId: 2, subscriptionId: 1, portalId: Number(portal), occurredAt: t0, subscriptionType: 'company.creation', objectId: 8002 }]),
    );
    expect(late.accepted).toBe(0);
    const second = await catchup.runOnce();
    expect(second.accounts.find((a) => a.accountId === portal)).toMatchObject({ enqueued: 0 });
    expect(hubspot.requests.filter((r) => r.path.endsWith('/search')).every((r) => r.status === 200)).toBe(true);
  });
});
