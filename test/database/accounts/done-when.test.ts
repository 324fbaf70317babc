import { randomBytes } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsOf, updateTokens } from '../../../src/accounts/repository.js';
import { createSecretBox } from '../../../src/accounts/secret-box.js';
import { jobs } from '../../../src/db/schema.js';
import { bodyOf, createTestService, type TestService, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { startMultiAccountCrm, type MultiAccountCrm } from '../../support/fakes/multi-account.js';
import { type FakeAuthServer, startFakeAuthServer } from '../../support/fakes/oauth-servers.js';
import { type FakePipedrive, startFakePipedrive } from '../../support/fakes/pipedrive-server.js';
import { FINAL, waitUntil } from '../../support/service-kit.js';
import { hubspotCreation, hubspotV3, pipedrive, pipedriveCreate, SECURITY_ENV } from '../../support/signed.js';

/**
 * Issue 24, "done when", whole: one service against three HubSpot portals, two of them
 * installed by OAuth through `/oauth/hubspot/install` and the callback against the fake
 * authorization server, one on a static token (HUBSPOT_ACCESS_TOKEN), and two Pipedrive
 * companies (PIPEDRIVE_API_TOKEN and one registered by POST /v1/accounts), all behind one
 * address per CRM that routes each request to the account its token belongs to (as the
 * real APIs find the account from the token). Every account holds records with the SAME
 * ids and different SBI codes, so a card read or written with another account's token
 * shows another account's code. Webhooks of all five arrive interleaved with events of an
 * unknown portal; half-way, one installed portal's access token expires (at the CRM too):
 * it must be refreshed exactly once, with no call refused.
 */

const ADMIN = 'done-when-admin-token-0123456789';
const KEY = randomBytes(32);
const CLIENT = { id: 'verrijk-oauth-app-client-id', secret: SECURITY_ENV.HUBSPOT_CLIENT_SECRET };
const STATIC = { name: 'hs-static', portal: 62_000_001, token: 'pat-eu1-static-portal-0123456789', sbi: '10.71' };
const OAUTH = [
  { name: 'hs-oauth-a', portal: 62_000_002, sbi: '47.11' },
  { name: 'hs-oauth-b', portal: 62_000_003, sbi: '56.10' },
];
const HS: Array<{ name: string; portal: number; sbi: string; token?: string }> = [STATIC, ...OAUTH];
/** A static token the portal's fake holds; an installed portal's fake is reached with its OAuth tokens only. */
const staticTokenOf = (a: (typeof HS)[number]) => a.token ?? `no-static-token-${a.portal}`;
const PD = [
  { name: 'pd-env', company: 72_000_001, token: 'pipedrive-done-when-one-0123456789' },
  { name: 'pd-api', company: 72_000_002, token: 'pipedrive-done-when-two-0123456789' },
];
const HS_IDS = [9301, 9302, 9303, 9304, 9305, 9306];
const PD_IDS = [9401, 9402, 9403, 9404];
const UNKNOWN_PORTAL = 62_000_999;
const LIMIT = 20;
/** The installed portal whose token expires mid-run. */
const EXPIRING = OAUTH[0];

describe.each(flavours)('issue 24 done-when: two OAuth portals, a static one, two Pipedrive companies and an unknown portal, on %s', (flavour) => {
  let database: TestDatabase;
  let service: TestService;
  let auth: FakeAuthServer;
  let hubspotRouter: MultiAccountCrm;
  let pipedriveRouter: MultiAccountCrm;
  const hubspots = new Map<string, FakeHubspot>();
  const pipedrives = new Map<string, FakePipedrive>();

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    auth = await startFakeAuthServer('hubspot', CLIENT);
    for (const a of HS) {
      const oauth = a !== STATIC;
      const fake = await startFakeHubspot({
        token: staticTokenOf(a),
        portalId: a.portal,
        limit: LIMIT,
        windowMs: 2_000,
        ...(oauth ? { acceptToken: (t: string) => auth.accountOfToken(t) === String(a.portal) } : {}),
      });
      for (const id of HS_IDS) fake.seed('company', String(id), { name: `${a.name} bedrijf ${id}`, sbi_code: a.sbi, numberofemployees: '12' });
      hubspots.set(a.name, fake);
    }
    for (const a of PD) {
      const fake = await startFakePipedrive({ token: a.token, companyId: a.company, limit: LIMIT, windowMs: 2_000 });
      for (const id of PD_IDS) fake.seedOrganization(id, `${a.name} organisatie ${id}`, {});
      pipedrives.set(a.name, fake);
    }
    hubspotRouter = await startMultiAccountCrm(
      Object.fromEntries(
        HS.map((a) => [
          a.name,
          { url: hubspots.get(a.name)!.url, token: staticTokenOf(a), accepts: (t: string) => auth.accountOfToken(t) === String(a.portal) },
        ]),
      ),
      { status: 401, body: { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION' } },
    );
    pipedriveRouter = await startMultiAccountCrm(Object.fromEntries(PD.map((a) => [a.name, { url: pipedrives.get(a.name)!.url, token: a.token }])), {
      status: 401,
      body: { success: false, error: 'unauthorized access', errorCode: 401 },
    });
    const config = testConfig({
      ...SECURITY_ENV,
      ADMIN_TOKEN: ADMIN,
      ACCOUNTS_ENCRYPTION_KEY: KEY.toString('base64'),
      HUBSPOT_ACCESS_TOKEN: STATIC.token,
      HUBSPOT_CLIENT_ID: CLIENT.id,
      HUBSPOT_OAUTH_AUTHORIZE_URL: `${auth.url}/oauth/authorize`,
      HUBSPOT_OAUTH_TOKEN_URL: `${auth.url}/oauth/2026-03/token`,
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
    await Promise.all([auth?.close(), hubspotRouter?.close(), pipedriveRouter?.close(), ...[...hubspots.values(), ...pipedrives.values()].map((f) => f.close())]);
    await database?.drop();
  });

  const admin = (path: string, init: RequestInit = {}) =>
    service.app.request(path, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

  async function install(portal: number) {
    const start = await service.app.request('/oauth/hubspot/install');
    expect(start.status, (await bodyOf(start)).text).toBe(302);
    const to = new URL(start.headers.get('location')!);
    const code = auth.consent(String(portal), to.searchParams.get('redirect_uri')!);
    const done = await service.app.request(`/oauth/hubspot/callback?${new URLSearchParams({ code, state: to.searchParams.get('state')! })}`);
    const body = await bodyOf(done);
    expect(done.status, body.text).toBe(200);
    expect(body.text).not.toMatch(/hubspot-(access|refresh)-/);
  }

  /** One event per account in turn, an unknown portal's among them; the ids from `ids`. */
  async function sendRound(ids: number[], pdIds: number[]) {
    let unknown = 0;
    for (let i = 0; i < ids.length; i++) {
      for (const a of HS) {
        const res = await service.app.request(hubspotV3([hubspotCreation(a.portal, ids[i])]));
        expect(res.status, await res.clone().text()).toBe(200);
        expect(JSON.parse(await res.text()), `${a.name} ${ids[i]}`).toMatchObject({ accepted: 1 });
        const pd = PD[(i + HS.indexOf(a)) % PD.length];
        const pdId = pdIds[i];
        if (pdId !== undefined && HS.indexOf(a) < PD.length) {
          const r = await service.app.request(pipedrive(pipedriveCreate(pd.company, pdId)));
          expect(r.status, await r.clone().text()).toBe(200);
        }
      }
      const stray = await service.app.request(hubspotV3([hubspotCreation(UNKNOWN_PORTAL, ids[i])]));
      const strayBody = await stray.text();
      expect(stray.status, strayBody).toBe(200);
      expect(JSON.parse(strayBody)).toMatchObject({ accepted: 0, ignored: 1 });
      unknown++;
    }
    return unknown;
  }

  const allFinished = (expected: number, what: string) =>
    waitUntil(
      async () => {
        const rows = await database.db.select({ status: jobs.status }).from(jobs);
        return rows.length === expected && rows.every((r) => FINAL.has(r.status));
      },
      120_000,
      what,
    );

  it('writes every card with its own account’s credential, ignores and counts the unknown portal, refreshes the expiring token once and keeps every window', async () => {
    await service.runtime.start();
    // Two portals install the OAuth app; the third is the static token's; one Pipedrive company is registered.
    for (const a of OAUTH) await install(a.portal);
    const registered = await admin('/v1/accounts', { method: 'POST', body: JSON.stringify({ source: 'pipedrive', accountId: String(PD[1].company), apiToken: PD[1].token }) });
    expect(registered.status, (await bodyOf(registered)).text).toBe(201);

    const listed = await admin('/v1/accounts');
    const listText = await listed.text();
    expect(listed.status, listText).toBe(200);
    for (const a of PD) expect(listText).not.toContain(a.token);
    expect(listText).not.toContain(STATIC.token);
    expect(listText).not.toMatch(/hubspot-(access|refresh)-/);
    const accounts = (JSON.parse(listText) as { accounts: Array<{ source: string; accountId: string; authKind: string; state: string }> }).accounts;
    expect(accounts.map((a) => `${a.source}:${a.accountId}:${a.authKind}:${a.state}`).sort()).toEqual(
      [
        `hubspot:${STATIC.portal}:static:active`,
        `hubspot:${OAUTH[0].portal}:oauth:active`,
        `hubspot:${OAUTH[1].portal}:oauth:active`,
        `pipedrive:${PD[0].company}:static:active`,
        `pipedrive:${PD[1].company}:static:active`,
      ].sort(),
    );

    // First half, interleaved.
    const half = HS_IDS.length / 2;
    const pdHalf = PD_IDS.length / 2;
    let unknownSent = await sendRound(HS_IDS.slice(0, half), PD_IDS.slice(0, pdHalf));
    const firstExpected = HS.length * half + PD_IDS.slice(0, pdHalf).length * PD.length;
    await allFinished(firstExpected, 'the first half finished');
    expect(auth.refreshes.get(String(EXPIRING.portal)) ?? 0, 'no refresh before expiry').toBe(0);

    // Mid-run, the installed portal's access token expires: at HubSpot (every call with it would be a 401) and in the registry.
    auth.expireAccessTokens(String(EXPIRING.portal));
    const box = createSecretBox(KEY);
    const creds = await credentialsOf(database.db, box, 'hubspot', String(EXPIRING.portal));
    await updateTokens(database.db, box, 'hubspot', String(EXPIRING.portal), creds!, new Date(Date.now() - 1_000));

    unknownSent += await sendRound(HS_IDS.slice(half), PD_IDS.slice(pdHalf));
    const expected = HS.length * HS_IDS.length + PD.length * PD_IDS.length;
    await allFinished(expected, 'every job of the five accounts finished');

    const rows = await database.db.select().from(jobs);
    for (const j of rows) expect(j.status, JSON.stringify({ account: j.accountId, id: j.objectId, error: j.lastError, history: j.history })).toBe('done');

    // Every card holds the enrichment of ITS OWN record, read and written with its own account's token.
    const engine = await service.deps.enrichment.enricher();
    for (const a of HS) {
      const fake = hubspots.get(a.name)!;
      for (const id of HS_IDS) {
        const card = fake.cards.get(`company:${id}`)!;
        const own = engine.toCard(engine.resolve({ sbi: a.sbi, employees: '12', company: `${a.name} bedrijf ${id}` }), new Date());
        expect(card.cbs_sbi_code, `${a.name} company ${id}`).toBe(own.cbs_sbi_code);
      }
      // Nothing was refused: no call with a stale or foreign token reached any portal.
      expect(fake.count(401), `${a.name} 401s`).toBe(0);
    }
    expect(new Set(HS.map((a) => hubspots.get(a.name)!.cards.get(`company:${HS_IDS[0]}`)!.cbs_sbi_code)).size).toBe(HS.length);
    for (const a of PD) {
      const writes = pipedrives.get(a.name)!.requests.filter((r) => r.method === 'PATCH' && /\/organizations\/\d+$/.test(r.path));
      expect(writes.map((r) => Number(r.path.split('/').at(-1))).sort(), `${a.name} writes`).toEqual(PD_IDS);
      const other = PD.find((b) => b !== a)!;
      for (const r of writes) expect(JSON.stringify(r.body)).not.toContain(`${other.name} organisatie`);
    }
    expect(hubspotRouter.unknownTokens, 'a HubSpot call carried a token no portal knows').toBe(0);
    expect(pipedriveRouter.unknownTokens).toBe(0);
    for (const a of HS) expect(hubspotRouter.byAccount.get(a.name) ?? 0, a.name).toBeGreaterThan(0);

    // The expired token was refreshed exactly once; the other installed portal never needed one.
    expect(auth.refreshes.get(String(EXPIRING.portal))).toBe(1);
    expect(auth.refreshes.get(String(OAUTH[1].portal)) ?? 0).toBe(0);
    expect(auth.tokenRequests.filter((r) => !r.ok)).toEqual([]);

    // The unknown portal: never a job, ignored and counted.
    expect(await database.db.select().from(jobs).where(inArray(jobs.accountId, [String(UNKNOWN_PORTAL)]))).toEqual([]);
    const metric = await service.deps.metrics.registry.getSingleMetricAsString('verrijk_account_events_ignored_total');
    expect(metric).toMatch(new RegExp(`source="hubspot",reason="unknown_account"\\} ${unknownSent}\\b`));

    // No account's rolling window ever saw more than its limit.
    for (const [name, fake] of [...hubspots, ...pipedrives]) expect(fake.maxInAnyWindow(), name).toBeLessThanOrEqual(LIMIT);

    // Jobs are kept under their own account ids only.
    const hsJobs = await database.db.select({ accountId: jobs.accountId }).from(jobs).where(eq(jobs.source, 'hubspot'));
    expect(new Set(hsJobs.map((r) => r.accountId))).toEqual(new Set(HS.map((a) => String(a.portal))));
  }, 300_000);
});
