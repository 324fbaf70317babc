import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../../src/db/schema.js';
import { bodyOf, createTestService, type TestService, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';

/**
 * Backfills and the account registry (issues 24 and 27): a backfill lists its account through
 * `registry.bind`. A paused account's backfill is accepted and waits, saying why, listing nothing
 * (no request reaches the CRM) until the account is active again; an account that is not
 * registered is refused with problem+json. The listing is driven by `runOnce` (the runtime is not
 * started), so "nothing listed while paused" does not depend on timing.
 */

const TOKEN = 'pat-eu1-backfill-accounts-token-0123';
const ADMIN_TOKEN = 'backfill-accounts-admin-token-0123456789';

describe.each(flavours)('backfills of registered accounts (%s)', (flavour) => {
  let database: TestDatabase;
  let hubspot: FakeHubspot;
  let service: TestService;
  const portal = 48_000_000 + Math.floor(Math.random() * 1_000_000);

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    hubspot = await startFakeHubspot({ token: TOKEN, portalId: portal });
    for (let i = 0; i < 30; i++) hubspot.seed('company', String(620_000 + i), { name: `Geregistreerd ${i} B.V.`, sbi_code: '6201', numberofemployees: '12' });
    // No HubSpot token in the environment: the portal is known only through the registry.
    service = await createTestService(
      database,
      testConfig({ ADMIN_TOKEN, ACCOUNTS_ENCRYPTION_KEY: randomBytes(32).toString('base64'), HUBSPOT_BASE_URL: hubspot.url, CRM_CATCHUP_CRON: 'off', CARD_REFRESH_CRON: 'off' }),
    );
  }, 120_000);
  afterAll(async () => {
    await service?.runtime.stop();
    await hubspot?.close();
    await database?.drop();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await service.app.request(path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return bodyOf(res).then((b) => ({ status: res.status, type: res.headers.get('content-type') ?? '', ...b }));
  };
  const searches = () => hubspot.requests.filter((r) => r.path.endsWith('/search')).length;

  it('waits while the account is paused, listing nothing, and lists once it is active', async () => {
    const registered = await api('POST', '/v1/accounts', { source: 'hubspot', accountId: String(portal), accessToken: TOKEN });
    expect(registered.status, registered.text).toBe(201);
    const paused = await api('PATCH', `/v1/accounts/hubspot/${portal}`, { state: 'paused', stateReason: 'client on holiday' });
    expect(paused.status, paused.text).toBe(200);

    const started = await api('POST', '/v1/backfills', { source: 'hubspot', objectType: 'companies', accountId: String(portal) });
    expect(started.status, started.text).toBe(202);
    const id = started.json.id as number;
    expect(started.json, started.text).toMatchObject({ state: 'listing', listed: 0 });
    expect(started.json.lastError, started.text).toMatch(/^waiting: hubspot account \d+: /);

    const before = searches();
    await service.deps.backfills.runOnce();
    await service.deps.backfills.runOnce();
    const waiting = await api('GET', `/v1/backfills/${id}`);
    expect(waiting.json, waiting.text).toMatchObject({ state: 'listing', listed: 0, enqueued: 0 });
    expect(waiting.json.lastError, waiting.text).toContain('waiting');
    expect(searches(), 'no listing request while the account is paused').toBe(before);

    const resumed = await api('PATCH', `/v1/accounts/hubspot/${portal}`, { state: 'active' });
    expect(resumed.status, resumed.text).toBe(200);
    await service.deps.backfills.runOnce();
    const listed = await api('GET', `/v1/backfills/${id}`);
    expect(listed.json, listed.text).toMatchObject({ state: 'listed', listed: 30, enqueued: 30, lastError: null, progress: { total: 30 } });
    expect(searches()).toBeGreaterThan(before);
    const [{ n }] = await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(jobs)
      .where(and(eq(jobs.reason, 'backfill'), eq(jobs.accountId, String(portal))));
    expect(Number(n)).toBe(30);
  });

  it('refuses an account that is not registered with problem+json', async () => {
    const got = await api('POST', '/v1/backfills', { source: 'hubspot', objectType: 'companies', accountId: '999999999' });
    expect(got.status, got.text).toBe(409);
    expect(got.type).toContain('application/problem+json');
    expect(got.json, got.text).toMatchObject({ status: 409, requestId: expect.any(String) });
    expect(got.json.detail, got.text).toMatch(/999999999/);
    const [{ n }] = await database.db.select({ n: sql<number>`count(*)::int` }).from(jobs).where(eq(jobs.accountId, '999999999'));
    expect(Number(n)).toBe(0);
    expect(got.text).not.toContain(TOKEN);
  });
});
