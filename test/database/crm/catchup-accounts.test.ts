import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatchup } from '../../../src/jobs/catchup.js';
import { parseHubSpotEvents } from '../../../src/crm/hubspot/webhook.js';
import { parsePipedriveEvent } from '../../../src/crm/pipedrive/webhook.js';
import { jobs, syncCursors } from '../../../src/db/schema.js';
import { recordWebhook } from '../../../src/jobs/intake.js';
import { testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { ALL_VERRIJK_SCOPES } from '../../support/fakes/hubspot-scopes.js';
import { startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { startFakePipedrive } from '../../support/fakes/pipedrive-server.js';
import { crmKit } from '../../support/crm.js';

/**
 * Review 2026-12, M3 (the rest of old 8): the sweep listed the token's records once per
 * account id any webhook had named and filed them under each, so a sender with the
 * webhook credentials who named 20 company_ids gave every recent organization 20 jobs
 * (`new_catchup_accounts.mjs`). The sweep runs once per credential, under the account
 * the CRM says the credential belongs to.
 */

const PD_TOKEN = 'pipedrive-catchup-accounts-0123456789';
const HS_TOKEN = 'pat-eu1-catchup-accounts-0123456789';
const random = (base: number) => base + Math.floor(Math.random() * 1_000_000);

describe.each(flavours)('catch-up sweeps once per credential, on %s', (flavour) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
  });
  afterAll(async () => {
    await database?.drop();
  });

  const jobsOf = async (ids: string[]) =>
    (await database.db.select().from(jobs).where(eq(jobs.reason, 'catchup'))).filter((j) => ids.includes(j.objectId)).map((j) => `${j.objectId}@${j.accountId}`).sort();

  it('M3: webhooks naming 20 other company_ids leave each recent organization one job, under the token’s company', async () => {
    const company = random(13_000_000);
    const pipedrive = await startFakePipedrive({ token: PD_TOKEN, companyId: company });
    try {
      const now = new Date();
      const real = [910001, 910002, 910003, 910004, 910005];
      for (const id of real) pipedrive.seedOrganization(id, `Echt ${id} B.V.`, {}, new Date(now.getTime() - 60_000));
      // The repro: one creation webhook each, naming organizations under 20 made-up company_ids.
      for (let i = 0; i < 20; i++) {
        const event = { meta: { action: 'create', entity: 'organization', company_id: 700_000 + i, id: `ev-${company}-${i}`, entity_id: 920_000 + i }, data: { id: 920_000 + i, name: `Vals ${i}` }, previous: null };
        expect((await recordWebhook(database, 'pipedrive', parsePipedriveEvent(event))).accepted).toBe(1);
      }
      const kit = crmKit(database, testConfig({ PIPEDRIVE_API_TOKEN: PD_TOKEN, PIPEDRIVE_BASE_URL: pipedrive.url }));
      const catchup = createCatchup({ database, crm: kit.crm, logger: kit.logger, metrics: kit.metrics });

      const report = await catchup.runOnce(now);
      // Before the fix: 20 jobs per organization, one under each named company_id, none under ours.
      expect(await jobsOf(real.map(String)), JSON.stringify(report)).toEqual(real.map((id) => `${id}@${company}`));
      expect(report.accounts.map((a) => `${a.accountId}:${a.objectType}:${a.enqueued}`).sort(), JSON.stringify(report)).toEqual([`${company}:organization:5`, `${company}:person:0`]);
      expect(report.skipped, JSON.stringify(report)).toEqual([]);
      const lists = pipedrive.requests.filter((r) => /^\/api\/v2\/(organizations|persons)$/.test(r.path));
      // Per object type: the new records, and the changed ones (update times); never once per named company.
      expect(lists.map((r) => r.path).sort(), 'two listings per object type').toEqual(['/api/v2/organizations', '/api/v2/organizations', '/api/v2/persons', '/api/v2/persons']);
      const cursors = await database.db.select().from(syncCursors).where(like(syncCursors.key, 'catchup:pipedrive:%'));
      expect(cursors.map((c) => c.key).sort()).toEqual([`catchup:pipedrive:${company}:organization`, `catchup:pipedrive:${company}:person`]);

      // The account is asked once per credential, not per sweep.
      await catchup.runOnce(new Date(now.getTime() + 1_000));
      expect(pipedrive.requests.filter((r) => r.path === '/api/v1/users/me').length).toBe(1);
      expect(await jobsOf(real.map(String))).toEqual(real.map((id) => `${id}@${company}`));
    } finally {
      await pipedrive.close();
    }
  });

  it('Pipedrive: a failed account lookup skips the sweep, logged and counted, and the next sweep asks again', async () => {
    const company = random(14_000_000);
    const pipedrive = await startFakePipedrive({ token: PD_TOKEN, companyId: company });
    try {
      pipedrive.seedOrganization(930001, 'Later B.V.', {}, new Date(Date.now() - 60_000));
      pipedrive.fail({ status: 503, match: /users\/me/, times: 1 });
      const kit = crmKit(database, testConfig({ PIPEDRIVE_API_TOKEN: PD_TOKEN, PIPEDRIVE_BASE_URL: pipedrive.url }));
      const catchup = createCatchup({ database, crm: kit.crm, logger: kit.logger, metrics: kit.metrics });
      const first = await catchup.runOnce();
      expect(first.accounts, JSON.stringify(first)).toEqual([]);
      expect(first.skipped, JSON.stringify(first)).toMatchObject([{ source: 'pipedrive', reason: 'lookup_failed' }]);
      expect(await kit.metrics.registry.getSingleMetricAsString('verrijk_catchup_skipped_total')).toMatch(/source="pipedrive",reason="lookup_failed"\} 1/);
      expect(pipedrive.requests.filter((r) => /^\/api\/v2\/(organizations|persons)$/.test(r.path))).toEqual([]);

      const second = await catchup.runOnce();
      expect(second.skipped, JSON.stringify(second)).toEqual([]);
      expect(await jobsOf(['930001'])).toEqual([`930001@${company}`]);
    } finally {
      await pipedrive.close();
    }
  });

  const hubspotCreation = (portal: number, objectId: number) =>
    recordWebhook(database, 'hubspot', parseHubSpotEvents([{ eventId: objectId, subscriptionId: 1, portalId: portal, occurredAt: Date.now(), subscriptionType: 'company.creation', objectId }]));

  it('HubSpot: the portal the account details state, whatever portals webhooks named', async () => {
    const portal = random(20_000_000);
    const hubspot = await startFakeHubspot({ token: HS_TOKEN, portalId: portal });
    try {
      hubspot.seed('company', '8501', { name: 'Echt BV' }, new Date(Date.now() - 60_000));
      for (let i = 0; i < 5; i++) await hubspotCreation(random(30_000_000), 8_600 + i);
      const kit = crmKit(database, testConfig({ HUBSPOT_ACCESS_TOKEN: HS_TOKEN, HUBSPOT_BASE_URL: hubspot.url }));
      const report = await createCatchup({ database, crm: kit.crm, logger: kit.logger }).runOnce();
      expect(report.accounts.map((a) => `${a.accountId}:${a.objectType}`).sort(), JSON.stringify(report)).toEqual([`${portal}:company`, `${portal}:contact`]);
      expect(await jobsOf(['8501'])).toEqual([`8501@${portal}`]);
      // Per object type: one search for new records and one for changed records (update times).
      expect(hubspot.requests.filter((r) => r.path.endsWith('/search')).length, 'two searches per object type').toBe(4);
    } finally {
      await hubspot.close();
    }
  });

  it('HubSpot without the oauth scope: no signed webhook yet skips the sweep; then the latest signed webhook’s portal is swept', async () => {
    await database.db.delete(jobs).where(eq(jobs.source, 'hubspot'));
    const portal = random(40_000_000);
    const hubspot = await startFakeHubspot({ token: HS_TOKEN, portalId: portal, scopes: ALL_VERRIJK_SCOPES.filter((s) => s !== 'oauth') });
    try {
      hubspot.seed('company', '8701', { name: 'Zonder Scope BV' }, new Date(Date.now() - 60_000));
      const kit = crmKit(database, testConfig({ HUBSPOT_ACCESS_TOKEN: HS_TOKEN, HUBSPOT_BASE_URL: hubspot.url }));
      const catchup = createCatchup({ database, crm: kit.crm, logger: kit.logger, metrics: kit.metrics });
      const first = await catchup.runOnce();
      expect(first.skipped, JSON.stringify(first)).toMatchObject([{ source: 'hubspot', reason: 'no_signed_webhook' }]);
      expect(await kit.metrics.registry.getSingleMetricAsString('verrijk_catchup_skipped_total')).toMatch(/source="hubspot",reason="no_signed_webhook"\} 1/);
      expect(hubspot.requests.filter((r) => r.path.endsWith('/search'))).toEqual([]);

      // An older webhook from another portal, then the latest from ours.
      await hubspotCreation(random(50_000_000), 8_801);
      await hubspotCreation(portal, 8_802);
      const second = await catchup.runOnce();
      expect(second.skipped, JSON.stringify(second)).toEqual([]);
      expect(second.accounts.map((a) => a.accountId), JSON.stringify(second)).toEqual([String(portal), String(portal)]);
      expect(await jobsOf(['8701'])).toEqual([`8701@${portal}`]);
      // Refused once, not asked again on every sweep.
      expect(hubspot.requests.filter((r) => r.path.startsWith('/account-info/')).length).toBe(1);
    } finally {
      await hubspot.close();
    }
  });
});
