import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatchup } from '../../../src/jobs/catchup.js';
import { parseHubSpotEvents } from '../../../src/crm/hubspot/webhook.js';
import { jobs, syncCursors } from '../../../src/db/schema.js';
import { recordWebhook } from '../../../src/jobs/intake.js';
import { testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { startFakeHubspot, type FakeHubspot } from '../../support/fakes/hubspot-server.js';
import { startFakePipedrive, type FakePipedrive } from '../../support/fakes/pipedrive-server.js';
import { crmKit, makeJobs } from '../../support/crm.js';

const TOKEN = 'pat-eu1-catchup-token-0123456789';
const PD_TOKEN = 'pipedrive-catchup-token-0123456789';
/** The company the Pipedrive token belongs to (`GET /api/v1/users/me`): the account the sweep files under. */
const PD_COMPANY = 11_000_000 + Math.floor(Math.random() * 1_000_000);

describe.each(flavours)('catch-up sweep on %s', (flavour) => {
  let database: TestDatabase;
  let hubspot: FakeHubspot;
  let pipedrive: FakePipedrive;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    pipedrive = await startFakePipedrive({ token: PD_TOKEN, companyId: PD_COMPANY });
  });
  afterAll(async () => {
    await Promise.all([hubspot?.close(), pipedrive?.close()]);
    await database?.drop();
  });

  // The sweep lists the portal the token belongs to (account details), never one a webhook merely
  // named (review 2026-12, M3): each test gets a fake HubSpot whose token belongs to its own portal.
  const fakeFor = async (portal: string) => {
    await hubspot?.close();
    hubspot = await startFakeHubspot({ token: TOKEN, portalId: Number(portal) });
  };

  const creationArrived = (portal: string, objectId: number, at: number, eventId = 1) =>
    recordWebhook(
      database,
      'hubspot',
      parseHubSpotEvents([{ eventId, subscriptionId: 1, portalId: Number(portal), occurredAt: at, subscriptionType: 'company.creation', objectId }]),
    );

  it('enqueues the companies whose webhook never arrived, once, with the webhook dedupe key', async () => {
    const portal = String(90_000_000 + Math.floor(Math.random() * 1_000_000));
    await fakeFor(portal);
    const t0 = Date.now() - 60_000;
    hubspot.seed('company', '8001', { name: 'Arrived BV' }, new Date(t0 + 1_000));
    hubspot.seed('company', '8002', { name: 'Lost BV' }, new Date(t0 + 2_000));
    hubspot.seed('company', '8003', { name: 'Also lost BV' }, new Date(t0 + 3_000));
    // 8001's creation webhook did arrive.
    await creationArrived(portal, 8001, t0);
    const cfg = testConfig({ HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_URL: hubspot.url });
    const { crm } = crmKit(database, cfg);
    const catchup = createCatchup({ database, crm, logger: crmKit(database, cfg).logger });

    const first = await catchup.runOnce();
    expect(first.ran).toBe(true);
    const mine = first.accounts.find((a) => a.accountId === portal);
    expect(mine).toMatchObject({ listed: 3, enqueued: 2 });
    const queued = await database.db.select().from(jobs).where(eq(jobs.accountId, portal));
    expect(queued.map((j) => `${j.objectId}:${j.reason}`).sort()).toEqual(['8001:webhook', '8002:catchup', '8003:catchup']);
    const [cursor] = await database.db.select().from(syncCursors).where(eq(syncCursors.key, `catchup:hubspot:${portal}:company`));
    expect(cursor.cursor).toBe(new Date(t0 + 3_000).toISOString());

    // A late webhook for 8002 is a duplicate; a second sweep finds nothing new.
    const late = await creationArrived(portal, 8002, t0, 2);
    expect(late.accepted).toBe(0);
    const second = await catchup.runOnce();
    expect(second.accounts.find((a) => a.accountId === portal)).toMatchObject({ enqueued: 0 });
    expect(hubspot.requests.filter((r) => r.path.endsWith('/search')).every((r) => r.status === 200)).toBe(true);
  });

  const jobsOf = async (accountId: string, ids?: RegExp) =>
    (await database.db.select().from(jobs).where(eq(jobs.accountId, accountId)))
      .filter((j) => !ids || ids.test(j.objectId))
      .map((j) => `${j.objectType}:${j.objectId}:${j.reason}`)
      .sort();

  it('HubSpot: sweeps contacts too, and finds a company the search index listed late', async () => {
    const portal = String(80_000_000 + Math.floor(Math.random() * 1_000_000));
    await fakeFor(portal);
    const t0 = Date.now() - 60_000;
    hubspot.seed('company', '8101', { name: 'Arrived BV' }, new Date(t0 + 1_000));
    // Created before 8103 but not yet in the search index at the first sweep.
    hubspot.seed('company', '8102', { name: 'Late Index BV' }, new Date(t0 + 2_000), { indexedAt: new Date(Date.now() + 3_600_000) });
    hubspot.seed('company', '8103', { name: 'Lost BV' }, new Date(t0 + 3_000));
    hubspot.seed('contact', '9101', { company: 'Lost Contact BV' }, new Date(t0 + 4_000));
    await creationArrived(portal, 8101, t0);
    const cfg = testConfig({ HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_URL: hubspot.url });
    const kit = crmKit(database, cfg);
    const catchup = createCatchup({ database, crm: kit.crm, logger: kit.logger });

    const mine = /^(81|91)\d\d$/;
    // Search allows 5 requests/s per token, and every portal in this file shares the fake's token: let the last test's searches age out.
    await new Promise((r) => setTimeout(r, 1_100));
    await catchup.runOnce();
    expect(await jobsOf(portal, mine)).toEqual(['company:8101:webhook', 'company:8103:catchup', 'contact:9101:catchup']);
    // Now the index lists it, after the cursor has passed its creation time.
    hubspot.seed('company', '8102', { name: 'Late Index BV' }, new Date(t0 + 2_000), { indexedAt: new Date() });
    await new Promise((r) => setTimeout(r, 1_100));
    await catchup.runOnce();
    expect(await jobsOf(portal, mine)).toEqual(['company:8101:webhook', 'company:8102:catchup', 'company:8103:catchup', 'contact:9101:catchup']);
    // The overlap lists some leads again; each still has one job.
    const before = (await jobsOf(portal)).length;
    await new Promise((r) => setTimeout(r, 1_100));
    const third = await catchup.runOnce();
    expect(third.accounts.filter((a) => a.accountId === portal && a.error)).toEqual([]);
    expect((await jobsOf(portal)).length).toBe(before);
  });

  it('Pipedrive: sweeps organizations and persons in the order the API sorts (update time), missing none', async () => {
    const account = String(PD_COMPANY);
    await makeJobs(database, [{ source: 'pipedrive', accountId: account, objectType: 'organization', objectId: '1' }]);
    const t = (s: number) => new Date(Date.now() - 900_000 + s * 1_000);
    pipedrive.seedOrganization(1, 'Known B.V.', {}, t(0));
    // 11 was created first but edited last: it comes after more than a sweep's worth (500) of the others.
    pipedrive.seedOrganization(11, 'Early But Edited B.V.', {}, t(1), t(800));
    for (let i = 0; i < 600; i++) pipedrive.seedOrganization(1_000 + i, `Batch ${i} B.V.`, {}, t(2 + i));
    pipedrive.seedPerson(21, 'Lost Person', 1_000, t(700));
    const cfg = testConfig({ PIPEDRIVE_API_TOKEN: PD_TOKEN, PIPEDRIVE_BASE_URL: pipedrive.url });
    const kit = crmKit(database, cfg);
    const catchup = createCatchup({ database, crm: kit.crm, logger: kit.logger });
    for (let i = 0; i < 3; i++) await catchup.runOnce();
    const all = await jobsOf(account);
    expect(all).toContain('organization:11:catchup');
    expect(all).toContain('person:21:catchup');
    expect(all).toContain('organization:1:webhook');
    expect(all.filter((j) => j.startsWith('organization:1') && j.endsWith(':catchup')).length).toBe(601);
    expect(all.length, 'one job per lead').toBe(603);
    const lists = pipedrive.requests.filter((r) => r.method === 'GET' && /\/api\/v2\/(organizations|persons)$/.test(r.path));
    expect(lists.every((r) => new URL(r.url, 'http://x').searchParams.get('sort_by') === 'update_time')).toBe(true);
  });
});
