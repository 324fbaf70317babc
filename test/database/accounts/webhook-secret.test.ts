import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestService, type TestService, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { startMultiAccountCrm, type MultiAccountCrm } from '../../support/fakes/multi-account.js';
import { hubspotCreation, hubspotV3Headers, SECRETS, SECURITY_ENV } from '../../support/signed.js';

/**
 * A HubSpot account registered with its own `clientSecret` (it installed an app of its
 * own, which signs with that app's secret): its webhooks are verified with that secret
 * and no other; an account without one keeps HUBSPOT_CLIENT_SECRET. A body signed with
 * one account's secret cannot speak for another account, and the app's secret cannot
 * speak for an account that has its own. The header-only pre-check still refuses before
 * the body is read.
 */

const ADMIN = 'webhook-secret-admin-token-0123456789';
const KEY = randomBytes(32).toString('base64');
const OWN = { portal: 63_000_001, token: 'pat-eu1-own-secret-portal-01234567', secret: 'portal-one-own-app-client-secret' };
const SHARED = { portal: 63_000_002, token: 'pat-eu1-shared-secret-portal-0123456' };

const send = (service: TestService, secret: string, events: unknown[]) => {
  const body = JSON.stringify(events);
  return service.app.request(new Request('http://127.0.0.1/webhooks/hubspot', { method: 'POST', body, headers: hubspotV3Headers(secret, SECRETS.publicUrl, body) }));
};

describe.each(flavours)('per-account HubSpot client secrets on %s', (flavour) => {
  let database: TestDatabase;
  let router: MultiAccountCrm;
  const fakes: FakeHubspot[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    for (const a of [OWN, SHARED]) fakes.push(await startFakeHubspot({ token: a.token, portalId: a.portal }));
    router = await startMultiAccountCrm(
      { own: { url: fakes[0].url, token: OWN.token }, shared: { url: fakes[1].url, token: SHARED.token } },
      { status: 401, body: { status: 'error', category: 'INVALID_AUTHENTICATION' } },
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all([router?.close(), ...fakes.map((f) => f.close())]);
    await database?.drop();
  });

  async function serviceWith(env: Record<string, string>) {
    const service = await createTestService(
      database,
      testConfig({ PUBLIC_URL: SECRETS.publicUrl, ADMIN_TOKEN: ADMIN, ACCOUNTS_ENCRYPTION_KEY: KEY, HUBSPOT_BASE_URL: router.url, ...env }),
    );
    return service;
  }
  const register = async (service: TestService, body: Record<string, unknown>) => {
    const res = await service.app.request('/v1/accounts', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'hubspot', ...body }),
    });
    const text = await res.text();
    expect(res.status, text).toBe(201);
    expect(text).not.toContain(OWN.secret);
  };

  it('verifies an account’s webhooks with its own secret, the others with HUBSPOT_CLIENT_SECRET, and never across', async () => {
    const service = await serviceWith({ HUBSPOT_CLIENT_SECRET: SECURITY_ENV.HUBSPOT_CLIENT_SECRET });
    await register(service, { accountId: String(OWN.portal), accessToken: OWN.token, clientSecret: OWN.secret });
    await register(service, { accountId: String(SHARED.portal), accessToken: SHARED.token });
    const ok = async (res: Response) => {
      const text = await res.text();
      expect(res.status, text).toBe(200);
      return JSON.parse(text) as { accepted: number };
    };
    const refused = async (res: Response, why: RegExp) => {
      const text = await res.text();
      expect(res.status, text).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(text).toMatch(why);
      expect(text).not.toContain(OWN.secret);
    };

    expect(await ok(await send(service, OWN.secret, [hubspotCreation(OWN.portal, 1001)]))).toMatchObject({ accepted: 1 });
    expect(await ok(await send(service, SECRETS.hubspot, [hubspotCreation(SHARED.portal, 1002)]))).toMatchObject({ accepted: 1 });
    // The app's secret cannot speak for the account with its own; its own secret cannot speak for another.
    await refused(await send(service, SECRETS.hubspot, [hubspotCreation(OWN.portal, 1003)]), /own client secret/);
    await refused(await send(service, OWN.secret, [hubspotCreation(SHARED.portal, 1004)]), new RegExp(`account ${SHARED.portal}`));
    await refused(await send(service, OWN.secret, [hubspotCreation(OWN.portal, 1005), hubspotCreation(SHARED.portal, 1005)]), new RegExp(`account ${SHARED.portal}`));
    // A secret nobody holds.
    await refused(await send(service, 'some-other-app-client-secret-000', [hubspotCreation(OWN.portal, 1006)]), /does not match/);
    // Headers alone still decide first: a stale timestamp is refused whatever the body.
    const body = JSON.stringify([hubspotCreation(OWN.portal, 1007)]);
    const stale = { ...hubspotV3Headers(OWN.secret, SECRETS.publicUrl, body), 'x-hubspot-request-timestamp': String(Date.now() - 10 * 60_000) };
    await refused(await service.app.request(new Request('http://127.0.0.1/webhooks/hubspot', { method: 'POST', body, headers: stale })), /5 minutes/);

    const metric = await service.deps.metrics.registry.getSingleMetricAsString('verrijk_webhooks_rejected_total');
    expect(metric).toMatch(/source="hubspot",reason="signature"\} 4\b/);

    // Removing the account's secret hands its webhooks back to HUBSPOT_CLIENT_SECRET.
    const patch = await service.app.request(`/v1/accounts/hubspot/${OWN.portal}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientSecret: null }),
    });
    expect(patch.status, await patch.text()).toBe(200);
    expect(await ok(await send(service, SECRETS.hubspot, [hubspotCreation(OWN.portal, 1008)]))).toMatchObject({ accepted: 1 });
    await refused(await send(service, OWN.secret, [hubspotCreation(OWN.portal, 1009)]), /does not match/);
    await service.runtime.stop();
  }, 120_000);

  it('takes HubSpot webhooks without HUBSPOT_CLIENT_SECRET once an account has its own secret', async () => {
    const service = await serviceWith({});
    const before = await send(service, OWN.secret, [hubspotCreation(OWN.portal, 2001)]);
    const beforeText = await before.text();
    expect(before.status, beforeText).toBe(401);
    expect(beforeText).toContain('not configured');
    await register(service, { accountId: String(OWN.portal), accessToken: OWN.token, clientSecret: OWN.secret });
    const after = await send(service, OWN.secret, [hubspotCreation(OWN.portal, 2002)]);
    const afterText = await after.text();
    expect(after.status, afterText).toBe(200);
    expect(JSON.parse(afterText)).toMatchObject({ accepted: 1 });
    await service.runtime.stop();
  }, 120_000);

  it('an account secret that no configured key opens still keeps the app secret from speaking for that account', async () => {
    // Another key, and the old one not kept as a previous key: OWN's sealed secret no longer opens.
    const service = await serviceWith({ HUBSPOT_CLIENT_SECRET: SECURITY_ENV.HUBSPOT_CLIENT_SECRET, ACCOUNTS_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    const asApp = await send(service, SECRETS.hubspot, [hubspotCreation(OWN.portal, 3001)]);
    const asAppText = await asApp.text();
    expect(asApp.status, asAppText).toBe(401);
    expect(asAppText).toContain('own client secret');
    const asOwn = await send(service, OWN.secret, [hubspotCreation(OWN.portal, 3002)]);
    expect(asOwn.status, await asOwn.text()).toBe(401);
    // Every other portal's webhooks go on.
    const other = await send(service, SECRETS.hubspot, [hubspotCreation(SHARED.portal, 3003)]);
    const otherText = await other.text();
    expect(other.status, otherText).toBe(200);
    expect(JSON.parse(otherText)).toMatchObject({ accepted: 1 });
    await service.runtime.stop();
  }, 120_000);
});
