import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOAuthInstalls } from '../../../src/accounts/oauth/install.js';
import { signState, stateKey, verifyState } from '../../../src/accounts/oauth/state.js';
import { createOAuthTokens } from '../../../src/accounts/oauth/tokens.js';
import { credentialsOf, getAccount, updateTokens } from '../../../src/accounts/repository.js';
import { createSecretBox } from '../../../src/accounts/secret-box.js';
import { CrmError } from '../../../src/crm/crm-error.js';
import { createCrmHttp } from '../../../src/crm/http.js';
import { createRateLimiter } from '../../../src/crm/rate-limiter.js';
import { queryRows } from '../../../src/db/client.js';
import { outcomeOfError } from '../../../src/jobs/retry-policy.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { bodyOf, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakeAuthServer, startFakeAuthServer } from '../../support/fakes/oauth-servers.js';

/**
 * OAuth installs end to end against loopback authorization servers of HubSpot and
 * Pipedrive: the install redirect with a signed state, the callback exchanging the
 * code, the tokens sealed through the account repository, the refresh ahead of
 * expiry done once across two instances, and a refused refresh marking the account
 * needs_reconnect with its leads waiting, until an install connects it again.
 */

const KEY = randomBytes(32);
const HS = { id: 'hubspot-client-id-0001', secret: 'hubspot-client-secret-0123456789' };
const PD = { id: 'pipedrive-client-id-0001', secret: 'pipedrive-client-secret-0123456789' };
const PUBLIC_URL = 'https://verrijk.example.nl';
const logger = createLogger({ level: 'silent' });

describe.each(flavours)('OAuth installs on %s', (flavour) => {
  let database: TestDatabase;
  let hubspot: FakeAuthServer;
  let pipedrive: FakeAuthServer;
  let config: ReturnType<typeof testConfig>;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    hubspot = await startFakeAuthServer('hubspot', HS);
    pipedrive = await startFakeAuthServer('pipedrive', PD);
    config = testConfig({
      PUBLIC_URL,
      ACCOUNTS_ENCRYPTION_KEY: KEY.toString('base64'),
      HUBSPOT_CLIENT_ID: HS.id,
      HUBSPOT_CLIENT_SECRET: HS.secret,
      HUBSPOT_OAUTH_AUTHORIZE_URL: `${hubspot.url}/oauth/authorize`,
      HUBSPOT_OAUTH_TOKEN_URL: `${hubspot.url}/oauth/2026-03/token`,
      HUBSPOT_BASE_URL: hubspot.url,
      PIPEDRIVE_CLIENT_ID: PD.id,
      PIPEDRIVE_CLIENT_SECRET: PD.secret,
      PIPEDRIVE_OAUTH_BASE_URL: pipedrive.url,
    });
  });
  afterAll(async () => {
    await Promise.all([hubspot?.close(), pipedrive?.close()]);
    await database?.drop();
  });

  const box = () => createSecretBox(KEY);

  /** The browser's round trip: install → consent at the fake → callback. */
  async function install(app: Awaited<ReturnType<typeof createTestService>>['app'], crm: 'hubspot' | 'pipedrive', account: string) {
    const start = await app.request(`/oauth/${crm}/install`);
    expect(start.status, (await bodyOf(start.clone())).text).toBe(302);
    const to = new URL(start.headers.get('location')!);
    const server = crm === 'hubspot' ? hubspot : pipedrive;
    expect(`${to.origin}${to.pathname}`).toBe(`${server.url}/oauth/authorize`);
    expect(to.searchParams.get('client_id')).toBe(crm === 'hubspot' ? HS.id : PD.id);
    expect(to.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/oauth/${crm}/callback`);
    const state = to.searchParams.get('state')!;
    const code = server.consent(account, to.searchParams.get('redirect_uri')!);
    const callback = `/oauth/${crm}/callback?${new URLSearchParams({ code, state })}`;
    return { callback, state, scope: to.searchParams.get('scope'), res: await app.request(callback) };
  }

  it('HubSpot: install, callback, tokens sealed in the registry; the state works once and only signed', async () => {
    const { app } = await createTestService(database, config);
    const portal = '4242001';
    const { res, callback, scope } = await install(app, 'hubspot', portal);
    const { json, text } = await bodyOf(res);
    expect(res.status, text).toBe(200);
    expect(json).toEqual({ source: 'hubspot', accountId: portal, state: 'active' });
    expect(scope?.split(' ')).toContain('crm.objects.companies.write');

    const account = await getAccount(database.db, 'hubspot', portal);
    expect(account).toMatchObject({ authKind: 'oauth', state: 'active' });
    expect(account!.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
    const creds = (await credentialsOf(database.db, box(), 'hubspot', portal)) as { accessToken: string; refreshToken: string };
    expect(hubspot.accountOfToken(creds.accessToken)).toBe(portal);
    // Sealed at rest: the raw column holds neither token.
    const [raw] = await queryRows<{ credentials: string }>(database.db, sql`select credentials from crm_accounts where source = 'hubspot' and account_id = ${portal}`);
    expect(raw.credentials).not.toContain(creds.accessToken);
    expect(raw.credentials).not.toContain(creds.refreshToken);

    // The same callback again (a replay, a reload): refused, nothing exchanged.
    const exchanges = hubspot.tokenRequests.length;
    const again = await app.request(callback);
    expect(again.status, (await bodyOf(again)).text).toBe(400);
    expect(hubspot.tokenRequests.length).toBe(exchanges);
    // A state this service did not sign, or signed for the other CRM.
    const forged = signState(stateKey(randomBytes(32)), 'hubspot');
    const bad = await app.request(`/oauth/hubspot/callback?code=x&state=${encodeURIComponent(forged)}`);
    expect(bad.status).toBe(400);
    const other = signState(stateKey(KEY), 'pipedrive');
    const wrongCrm = await app.request(`/oauth/hubspot/callback?code=x&state=${encodeURIComponent(other)}`);
    const wrongBody = await bodyOf(wrongCrm);
    expect(wrongCrm.status, wrongBody.text).toBe(400);
    expect(wrongBody.json.detail).toMatch(/another CRM/);
    expect(hubspot.tokenRequests.length).toBe(exchanges);
  });

  it('a state expires after 10 minutes', () => {
    const key = stateKey(KEY);
    const state = signState(key, 'hubspot', Date.now() - 11 * 60_000);
    expect(verifyState(key, state, 'hubspot')).toMatchObject({ ok: false, reason: expect.stringMatching(/10 minutes/) });
    expect(verifyState(key, signState(key, 'hubspot'), 'hubspot').ok).toBe(true);
  });

  it('Pipedrive: Basic client auth, api_domain stored and used as the base of the calls', async () => {
    const { app } = await createTestService(database, config);
    const company = '7700123';
    const { res } = await install(app, 'pipedrive', company);
    const { json, text } = await bodyOf(res);
    expect(res.status, text).toBe(200);
    expect(json).toEqual({ source: 'pipedrive', accountId: company, state: 'active' });
    const creds = (await credentialsOf(database.db, box(), 'pipedrive', company)) as { accessToken: string; apiDomain: string };
    expect(creds.apiDomain).toBe(pipedrive.url);
    // A call for that company goes to its api_domain with its own token.
    const installs = createOAuthInstalls({ config, database, logger });
    const tokens = createOAuthTokens({ database, box: box(), providers: installs.providers, logger });
    const metrics = createMetrics();
    const http = createCrmHttp({
      crm: 'pipedrive',
      baseUrl: 'http://127.0.0.1:9',
      authHeaders: {},
      credentialsFor: (accountId, signal) => tokens.credentialsFor('pipedrive', accountId, signal),
      limiter: createRateLimiter({ database, metrics, logger }),
      metrics,
      logger,
      observe: () => ({}),
      throttle: (_h, _b, now) => ({ until: new Date(now + 2_000), policy: '429', daily: false }),
    });
    const who = await http.send<{ account: string }>(company, { op: 'read', method: 'GET', path: '/whoami' });
    await http.close();
    expect(who.body.account).toBe(company);
  });

  it('two instances refreshing the same expiring token: one refresh, both get the new token', async () => {
    const { app } = await createTestService(database, config);
    const portal = '4242002';
    expect((await install(app, 'hubspot', portal)).res.status).toBe(200);
    const creds = await credentialsOf(database.db, box(), 'hubspot', portal);
    // The access token expires in a minute: inside the refresh margin.
    await updateTokens(database.db, box(), 'hubspot', portal, creds!, new Date(Date.now() + 60_000));
    const installs = createOAuthInstalls({ config, database, logger });
    const refreshed: string[] = [];
    const instance = () => createOAuthTokens({ database, box: box(), providers: installs.providers, logger, onRefresh: (_s, a) => refreshed.push(a) });
    const [a, b] = [instance(), instance()];
    const got = await Promise.all([a.credentialsFor('hubspot', portal), b.credentialsFor('hubspot', portal), a.credentialsFor('hubspot', portal), b.credentialsFor('hubspot', portal)]);
    expect(hubspot.refreshes.get(portal), JSON.stringify(hubspot.tokenRequests)).toBe(1);
    expect(refreshed).toEqual([portal]);
    const tokens = new Set(got.map((g) => g.headers.authorization));
    expect(tokens.size).toBe(1);
    const token = [...tokens][0].replace('Bearer ', '');
    expect(token).not.toBe((creds as { accessToken: string }).accessToken);
    expect(hubspot.accountOfToken(token)).toBe(portal);
    expect((await getAccount(database.db, 'hubspot', portal))!.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
  });

  it('a refused refresh: needs_reconnect, the leads wait (no dead letter), a new install resumes the account', async () => {
    const { app } = await createTestService(database, config);
    const company = '7700456';
    expect((await install(app, 'pipedrive', company)).res.status).toBe(200);
    const creds = await credentialsOf(database.db, box(), 'pipedrive', company);
    await updateTokens(database.db, box(), 'pipedrive', company, creds!, new Date(Date.now() - 1_000));
    pipedrive.revoke(company);
    const installs = createOAuthInstalls({ config, database, logger });
    const tokens = createOAuthTokens({ database, box: box(), providers: installs.providers, logger });

    const err = await tokens.credentialsFor('pipedrive', company).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CrmError);
    expect((err as CrmError).failure.kind).toBe('reconnect');
    expect((err as CrmError).message).not.toContain((creds as { accessToken: string }).accessToken);
    const outcome = outcomeOfError(err);
    expect(outcome).toMatchObject({ kind: 'retry', waiting: true });
    const account = await getAccount(database.db, 'pipedrive', company);
    expect(account).toMatchObject({ state: 'needs_reconnect', stateReason: expect.stringContaining('install the app again') });
    // While it waits, no further refresh is tried.
    const before = pipedrive.tokenRequests.length;
    await expect(tokens.credentialsFor('pipedrive', company)).rejects.toBeInstanceOf(CrmError);
    expect(pipedrive.tokenRequests.length).toBe(before);

    // The customer installs again: active, and calls work with the new token.
    const reinstall = await install(app, 'pipedrive', company);
    expect(reinstall.res.status, (await bodyOf(reinstall.res)).text).toBe(200);
    expect(await getAccount(database.db, 'pipedrive', company)).toMatchObject({ state: 'active', stateReason: null });
    const fresh = await tokens.credentialsFor('pipedrive', company);
    expect(pipedrive.accountOfToken(fresh.headers.authorization.replace('Bearer ', ''))).toBe(company);
  });

  it('a CRM without client id and secret: the install routes answer 404 problem+json', async () => {
    const { app } = await createTestService(database, testConfig({ ACCOUNTS_ENCRYPTION_KEY: KEY.toString('base64') }));
    const res = await app.request('/oauth/hubspot/install');
    const { json, text } = await bodyOf(res);
    expect(res.status, text).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(json.detail).toContain('HUBSPOT_CLIENT_ID');
  });
});
