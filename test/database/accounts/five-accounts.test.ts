import { randomBytes } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../../src/db/schema.js';
import { createTestService, type TestService, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { startMultiAccountCrm, type MultiAccountCrm } from '../../support/fakes/multi-account.js';
import { type FakePipedrive, startFakePipedrive } from '../../support/fakes/pipedrive-server.js';
import { FINAL, waitUntil } from '../../support/service-kit.js';
import { hubspotCreation, hubspotV3, pipedrive, pipedriveCreate, SECURITY_ENV } from '../../support/signed.js';

/**
 * Issue 24, "done when" (without the OAuth parts, which are h24b's): one service, three
 * HubSpot portals (one by HUBSPOT_ACCESS_TOKEN, two registered by POST /v1/accounts with
 * static tokens) and two Pipedrive companies (one by PIPEDRIVE_API_TOKEN, one registered),
 * behind one CRM address each, every token bound to its own account. Every account holds
 * records with the SAME ids and different contents, so a card read or written with another
 * account's token shows: the written SBI code would be the other account's. Webhooks of all
 * five accounts arrive interleaved, with events of an unknown portal and an unknown company.
 */

const ADMIN = 'accounts-admin-token-0123456789';
const HS = [
  { name: 'hs-env', portal: 61_000_001, token: 'pat-eu1-portal-one-0123456789', sbi: '10.71' },
  { name: 'hs-b', portal: 61_000_002, token: 'pat-eu1-portal-two-0123456789', sbi: '47.11' },
  { name: 'hs-c', portal: 61_000_003, token: 'pat-eu1-portal-three-012345678', sbi: '56.10' },
];
const PD = [
  { name: 'pd-env', company: 71_000_001, token: 'pipedrive-company-one-0123456789', sbi: '10.71' },
  { name: 'pd-b', company: 71_000_002, token: 'pipedrive-company-two-0123456789', sbi: '47.11' },
];
const HS_IDS = [9101, 9102, 9103, 9104];
const PD_IDS = [9201, 9202, 9203];
const UNKNOWN_PORTAL = 61_000_999;
const UNKNOWN_COMPANY = 71_000_999;

describe.each(flavours)('five CRM accounts in one service, on %s', (flavour) => {
  let database: TestDatabase;
  let service: TestService;
  let hubspotRouter: MultiAccountCrm;
  let pipedriveRouter: MultiAccountCrm;
  const hubspots = new Map<string, FakeHubspot>();
  const pipedrives = new Map<string, FakePipedrive>();

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    for (const a of HS) {
      const fake = await startFakeHubspot({ token: a.token, portalId: a.portal, limit: 20, windowMs: 2_000 });
      for (const id of HS_IDS) fake.seed('company', String(id), { name: `${a.name} bedrijf ${id}`, sbi_code: a.sbi, numberofemployees: '12' });
      hubspots.set(a.name, fake);
    }
    for (const a of PD) {
      const fake = await startFakePipedrive({ token: a.token, companyId: a.company, limit: 20, windowMs: 2_000 });
      for (const id of PD_IDS) fake.seedOrganization(id, `${a.name} organisatie ${id}`, {});
      pipedrives.set(a.name, fake);
    }
    hubspotRouter = await startMultiAccountCrm(Object.fromEntries(HS.map((a) => [a.name, { url: hubspots.get(a.name)!.url, token: a.token }])), {
      status: 401,
      body: { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION' },
    });
    pipedriveRouter = await startMultiAccountCrm(Object.fromEntries(PD.map((a) => [a.name, { url: pipedrives.get(a.name)!.url, token: a.token }])), {
      status: 401,
      body: { success: false, error: 'unauthorized access', errorCode: 401 },
    });
    const config = testConfig({
      ...SECURITY_ENV,
      ADMIN_TOKEN: ADMIN,
      ACCOUNTS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      HUBSPOT_ACCESS_TOKEN: HS[0].token,
      HUBSPOT_BASE_URL: hubspotRouter.url,
      PIPEDRIVE_API_TOKEN: PD[0].token,
      PIPEDRIVE_BASE_URL: pipedriveRouter.url,
      JOB_POLL_MS: '50',
      WORKER_CONCURRENCY: '2',
    });
    service = await createTestService(database, config);
  }, 120_000);

  afterAll(async () => {
    await service?.runtime.stop();
    await Promise.all([hubspotRouter?.close(), pipedriveRouter?.close(), ...[...hubspots.values(), ...pipedrives.values()].map((f) => f.close())]);
    await database?.drop();
  });

  const admin = (path: string, init: RequestInit = {}) =>
    service.app.request(path, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

  it('registers the accounts, writes every card with its own account’s credential and ignores the unknown ones', async () => {
    // The environment's accounts register themselves at start, from the credential's own account check.
    await service.runtime.start();
    for (const body of [
      { source: 'hubspot', accountId: String(HS[1].portal), accessToken: HS[1].token },
      { source: 'hubspot', accountId: String(HS[2].portal), accessToken: HS[2].token },
      { source: 'pipedrive', accountId: String(PD[1].company), apiToken: PD[1].token },
    ]) {
      const res = await admin('/v1/accounts', { method: 'POST', body: JSON.stringify(body) });
      const text = await res.text();
      expect(res.status, text).toBe(201);
      expect(text).not.toContain(body.accessToken ?? body.apiToken);
    }
    const listed = await admin('/v1/accounts');
    const listText = await listed.text();
    expect(listed.status, listText).toBe(200);
    for (const a of [...HS, ...PD]) expect(listText).not.toContain(a.token);
    const accounts = (JSON.parse(listText) as { accounts: Array<{ source: string; accountId: string; origin: string; state: string }> }).accounts;
    expect(accounts.map((a) => `${a.source}:${a.accountId}:${a.origin}:${a.state}`).sort()).toEqual(
      [
        `hubspot:${HS[0].portal}:environment:active`,
        `hubspot:${HS[1].portal}:registry:active`,
        `hubspot:${HS[2].portal}:registry:active`,
        `pipedrive:${PD[0].company}:environment:active`,
        `pipedrive:${PD[1].company}:registry:active`,
      ].sort(),
    );

    // Interleaved: one event per account in turn, the unknown portal and company among them.
    let unknownSent = 0;
    for (let i = 0; i < HS_IDS.length; i++) {
      for (const a of HS) {
        const res = await service.app.request(hubspotV3([hubspotCreation(a.portal, HS_IDS[i])]));
        expect(res.status, await res.clone().text()).toBe(200);
        if (i < PD_IDS.length) {
          const pd = PD[HS.indexOf(a) % PD.length];
          if (HS.indexOf(a) < PD.length) {
            const r = await service.app.request(pipedrive(pipedriveCreate(pd.company, PD_IDS[i])));
            expect(r.status, await r.clone().text()).toBe(200);
          }
        }
      }
      const unknown = await service.app.request(hubspotV3([hubspotCreation(UNKNOWN_PORTAL, HS_IDS[i])]));
      const unknownBody = await unknown.text();
      expect(unknown.status, unknownBody).toBe(200);
      expect(JSON.parse(unknownBody)).toMatchObject({ accepted: 0, ignored: 1 });
      unknownSent++;
    }
    const unknownPd = await service.app.request(pipedrive(pipedriveCreate(UNKNOWN_COMPANY, PD_IDS[0])));
    expect(JSON.parse(await unknownPd.text())).toMatchObject({ accepted: 0, ignored: 1 });

    // No job was made for an unknown account.
    const strays = await database.db
      .select()
      .from(jobs)
      .where(inArray(jobs.accountId, [String(UNKNOWN_PORTAL), String(UNKNOWN_COMPANY)]));
    expect(strays).toEqual([]);

    const expected = HS.length * HS_IDS.length + PD.length * PD_IDS.length;
    await waitUntil(
      async () => {
        const rows = await database.db.select({ status: jobs.status }).from(jobs);
        return rows.length === expected && rows.every((r) => FINAL.has(r.status));
      },
      90_000,
      'every job of the five accounts finished',
    );
    const rows = await database.db.select().from(jobs);
    for (const j of rows) expect(j.status, JSON.stringify({ account: j.accountId, id: j.objectId, error: j.lastError, history: j.history })).toBe('done');

    // Every card holds the enrichment of ITS OWN record: read and written with its own account's token.
    const engine = await service.deps.enrichment.enricher();
    for (const a of HS) {
      const fake = hubspots.get(a.name)!;
      for (const id of HS_IDS) {
        const card = fake.cards.get(`company:${id}`)!;
        const own = engine.toCard(engine.resolve({ sbi: a.sbi, employees: '12', company: `${a.name} bedrijf ${id}` }), new Date());
        expect(card.cbs_sbi_code, `${a.name} company ${id}`).toBe(own.cbs_sbi_code);
        expect(card.name).toBe(`${a.name} bedrijf ${id}`);
      }
    }
    // The three portals' SBI codes differ, so a card written with another portal's token would show it.
    expect(new Set(HS.map((a) => hubspots.get(a.name)!.cards.get(`company:${HS_IDS[0]}`)!.cbs_sbi_code)).size).toBe(HS.length);
    for (const a of PD) {
      const fake = pipedrives.get(a.name)!;
      const writes = fake.requests.filter((r) => r.method === 'PATCH' && /\/organizations\/\d+$/.test(r.path));
      expect(writes.map((r) => Number(r.path.split('/').at(-1))).sort(), `${a.name} writes`).toEqual(PD_IDS);
      for (const r of writes) expect(JSON.stringify(r.body)).not.toContain(a.name === 'pd-env' ? 'pd-b organisatie' : 'pd-env organisatie');
    }
    // Each account's fake saw only its own token (the router sends a token to its account alone), and none was refused.
    expect(hubspotRouter.unknownTokens).toBe(0);
    expect(pipedriveRouter.unknownTokens).toBe(0);
    for (const a of HS) expect(hubspotRouter.byAccount.get(a.name) ?? 0, a.name).toBeGreaterThan(0);
    for (const a of PD) expect(pipedriveRouter.byAccount.get(a.name) ?? 0, a.name).toBeGreaterThan(0);

    // The unknown portal's events are ignored and counted.
    const metric = await service.deps.metrics.registry.getSingleMetricAsString('verrijk_account_events_ignored_total');
    expect(metric).toMatch(new RegExp(`source="hubspot",reason="unknown_account"\\} ${unknownSent}\\b`));
    expect(metric).toMatch(/source="pipedrive",reason="unknown_account"\} 1\b/);

    // No account's rolling window ever saw more than its limit.
    for (const fake of [...hubspots.values(), ...pipedrives.values()]) expect(fake.maxInAnyWindow()).toBeLessThanOrEqual(20);

    // A webhook for a registered account goes through its own credential only: no job of one account under another's id.
    const perAccount = await database.db.select({ accountId: jobs.accountId }).from(jobs).where(and(eq(jobs.source, 'hubspot')));
    expect(new Set(perAccount.map((r) => r.accountId))).toEqual(new Set(HS.map((a) => String(a.portal))));
  }, 180_000);
});
