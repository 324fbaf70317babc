import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestService, bodyOf, createApp, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { SECRETS, SECURITY_ENV, hubspotV3, pipedrive } from '../../support/signed.js';

/**
 * Review 2026-12, L3: wrong Pipedrive webhook passwords were answered at 773
 * guesses a second. Failed Basic credentials are now throttled per client
 * (30 at once, then one per 2 s); HMAC signatures are not (a forged one hits
 * with odds of 2^-256 at any rate), so no one can lock HubSpot out that way.
 */

const basic = (password: string) => `Basic ${Buffer.from(`${SECRETS.pipedriveUser}:${password}`).toString('base64')}`;
const envelope = { meta: { action: 'create', entity: 'organization', id: 'evt-1', company_id: 5001, entity_id: 77 }, data: { id: 77, name: 'Bakkerij' } };

describe('failed webhook credentials', () => {
  let database: TestDatabase;
  let service: TestService;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    service = await createTestService(database, testConfig(SECURITY_ENV));
  });
  afterAll(async () => {
    await service?.runtime.stop();
    await database?.drop();
  });

  const guess = (app: ReturnType<typeof createApp>, password: string, headers: Record<string, string> = {}) =>
    app.request('/webhooks/pipedrive', { method: 'POST', body: JSON.stringify(envelope), headers: { 'content-type': 'application/json', authorization: basic(password), ...headers } });

  it('answers 429 with Retry-After after 30 wrong Pipedrive passwords from one client, the right one included', async () => {
    const app = createApp(service.deps);
    for (let i = 0; i < 30; i++) {
      const res = await guess(app, `wrong-password-${i}`);
      expect(res.status, (await bodyOf(res)).text).toBe(401);
    }
    const blocked = await guess(app, SECRETS.pipedrivePassword);
    const body = await bodyOf(blocked);
    expect(blocked.status, body.text).toBe(429);
    expect(blocked.headers.get('content-type'), body.text).toBe('application/problem+json');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('keeps clients apart behind a trusted proxy: the CRM still gets through while another client is throttled', async () => {
    const app = createApp({ ...service.deps, config: { ...service.deps.config, trustProxy: true } });
    for (let i = 0; i < 31; i++) await guess(app, `wrong-password-${i}`, { 'x-forwarded-for': '198.51.100.7' });
    expect((await guess(app, SECRETS.pipedrivePassword, { 'x-forwarded-for': '198.51.100.7' })).status).toBe(429);
    const crm = await app.request(pipedrive(envelope).url, { method: 'POST', body: JSON.stringify(envelope), headers: { ...Object.fromEntries(pipedrive(envelope).headers), 'x-forwarded-for': '185.166.140.1' } });
    expect(crm.status, (await bodyOf(crm)).text).toBe(200);
  });

  it('does not throttle forged HubSpot signatures: the right one still gets through after 100 wrong ones', async () => {
    const app = createApp(service.deps);
    const events = [{ eventId: 1, subscriptionId: 1, portalId: 777, appId: 9, occurredAt: Date.now(), subscriptionType: 'company.creation', objectId: 4242 }];
    for (let i = 0; i < 100; i++) {
      const signed = hubspotV3(events);
      const headers = Object.fromEntries(signed.headers);
      headers['x-hubspot-signature-v3'] = Buffer.alloc(32, i).toString('base64');
      const res = await app.request(signed.url, { method: 'POST', body: JSON.stringify(events), headers });
      expect(res.status, (await bodyOf(res)).text).toBe(401);
    }
    const right = await app.request(hubspotV3(events));
    expect(right.status, (await bodyOf(right)).text).toBe(200);
  });
});
