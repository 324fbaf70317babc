import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSecrets } from '../../../src/config.js';
import { redactSensitive } from '../../../src/logger.js';
import { bodyOf, createApp, createTestService, memoryLogger, testConfig } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { hubspotV3Headers, standardWebhookHeaders } from '../../support/signed.js';

/**
 * Secrets never reach the log: a whole run with every secret configured (admin
 * calls, signed webhooks, a login, a failing request) is captured line by line
 * and searched for each configured value.
 */

const ENV = {
  PUBLIC_URL: 'https://verrijk.example.nl',
  ADMIN_TOKEN: 'adm1n-t0ken-7f3c9a2b5e8d1f4a',
  HUBSPOT_ACCESS_TOKEN: 'pat-eu1-5c2a7e10-9b8d-4f3e-a1c2-d3e4f5a6b7c8',
  HUBSPOT_CLIENT_SECRET: 'hs-client-secret-4d9e2f7a1b3c',
  PIPEDRIVE_API_TOKEN: 'pd-api-token-0a1b2c3d4e5f6a7b8c9d',
  PIPEDRIVE_WEBHOOK_USER: 'verrijk-hook',
  PIPEDRIVE_WEBHOOK_PASSWORD: 'pd-hook-password-e5f6a7b8c9d0',
  GENERIC_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  GENERIC_CRM_URL: 'https://crm.example.nl/api',
  GENERIC_CRM_TOKEN: 'generic-crm-token-9c8b7a6f5e4d',
};

describe('log redaction over a whole flow', () => {
  let database: TestDatabase;
  const stops: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    await database?.drop();
  });

  it('prints none of the configured secrets', async () => {
    const config = testConfig({ ...ENV, LOG_LEVEL: 'trace' });
    const secrets = configSecrets(config);
    expect(secrets).toHaveLength(7);
    const mem = memoryLogger('trace');
    // The whole runtime logs into the same memory: what it says while it is built is checked too.
    const service = await createTestService(database, config, { logger: mem.logger(secrets) });
    stops.push(() => service.runtime.stop());
    const deps = service.deps;
    const app = createApp(deps);
    // A handler that misbehaves the classic ways: logs request headers and fails with a secret in the message.
    app.get('/test/boom', (c) => {
      c.get('log').info({ req: { headers: Object.fromEntries(c.req.raw.headers) } }, 'incoming headers');
      throw new Error(`upstream rejected token ${ENV.HUBSPOT_ACCESS_TOKEN}`);
    });
    const bearer = { authorization: `Bearer ${ENV.ADMIN_TOKEN}` };
    const responses: Response[] = [];

    // Admin: bearer, a wrong token that is another secret, a browser login and a cookie request.
    responses.push(await app.request('/v1/jobs', { headers: bearer }));
    responses.push(await app.request('/v1/cbs/tables', { headers: { authorization: `Bearer ${ENV.HUBSPOT_ACCESS_TOKEN}` } }));
    const login = await app.request('/login', { method: 'POST', body: new URLSearchParams({ token: ENV.ADMIN_TOKEN }) });
    responses.push(login);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    responses.push(await app.request('/', { headers: { cookie } }));
    responses.push(await app.request('/v1/leads/hubspot/1', { headers: bearer }));

    // Signed webhooks for each source (and a query string carrying a token, as Pipedrive v1 URLs do).
    const hsBody = JSON.stringify([{ eventId: 1, subscriptionType: 'company.creation', portalId: 12345678, objectId: 987, occurredAt: Date.now(), attemptNumber: 0 }]);
    responses.push(
      await app.request('/webhooks/hubspot', {
        method: 'POST',
        body: hsBody,
        headers: { ...hubspotV3Headers(ENV.HUBSPOT_CLIENT_SECRET, ENV.PUBLIC_URL, hsBody), 'x-hubspot-signature-version': 'v3' },
      }),
    );
    const pdBody = JSON.stringify({ meta: { action: 'create', entity: 'organization', id: 'e1', company_id: '77', entity_id: '5', version: '2.0' }, data: { id: 5, name: 'Acme' }, previous: null });
    const basic = Buffer.from(`${ENV.PIPEDRIVE_WEBHOOK_USER}:${ENV.PIPEDRIVE_WEBHOOK_PASSWORD}`).toString('base64');
    responses.push(
      await app.request(`/webhooks/pipedrive?api_token=${ENV.PIPEDRIVE_API_TOKEN}`, {
        method: 'POST',
        body: pdBody,
        headers: { 'content-type': 'application/json', authorization: `Basic ${basic}` },
      }),
    );
    const gBody = JSON.stringify({ type: 'lead.created', lead: { id: 'L1', company: 'Acme', sbi: '62.01', employees: 12 } });
    const msgId = `msg_${Date.now()}`;
    responses.push(
      await app.request('/webhooks/generic', { method: 'POST', body: gBody, headers: standardWebhookHeaders(ENV.GENERIC_WEBHOOK_SECRET, msgId, gBody) }),
    );

    // A failing request.
    const boom = await app.request('/test/boom', { headers: { ...bearer, cookie, 'x-api-token': ENV.PIPEDRIVE_API_TOKEN } });
    expect(boom.status).toBe(500);
    responses.push(boom);

    // Responses never echo a secret either (the session cookie is derived, not the token).
    for (const res of responses) {
      const body = await bodyOf(res);
      for (const s of secrets) expect(body.text, `response to ${res.url}`).not.toContain(s);
      for (const s of secrets) expect(res.headers.get('set-cookie') ?? '').not.toContain(s);
    }

    const log = mem.lines.join('\n');
    expect(mem.lines.length).toBeGreaterThanOrEqual(responses.length);
    expect(log).toContain('"path":"/webhooks/pipedrive"');
    expect(log).toContain('upstream rejected token');
    for (const s of secrets) expect(log, `secret ${s.slice(0, 6)}… in the log`).not.toContain(s);
    expect(log).not.toContain(cookie.split('=')[1]);
    for (const line of mem.lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('redact paths alone keep credentials out of structured fields (no value scrubbing)', () => {
    const mem = memoryLogger('info');
    const log = mem.logger([]);
    log.info({
      req: { headers: { authorization: 'Bearer AAA111', cookie: 'verrijk_admin=BBB222', 'x-hubspot-signature-v3': 'CCC333', 'webhook-signature': 'v1,DDD444', 'x-api-token': 'EEE555' } },
      headers: { authorization: 'Basic FFF666', 'x-hubspot-signature': 'GGG777' },
      hubspot: { accessToken: 'HHH888', clientSecret: 'III999' },
      pipedrive: { apiToken: 'JJJ000', webhookPassword: 'KKK111' },
      generic: { webhookSecret: 'whsec_LLL222', crmToken: 'MMM333' },
      adminToken: 'NNN444',
      token: 'OOO555',
    });
    const line = mem.lines.join('\n');
    for (const v of ['AAA111', 'BBB222', 'CCC333', 'DDD444', 'EEE555', 'FFF666', 'GGG777', 'HHH888', 'III999', 'JJJ000', 'KKK111', 'LLL222', 'MMM333', 'NNN444', 'OOO555']) {
      expect(line, v).not.toContain(v);
    }
    expect(line).toContain('[Redacted]');
  });

  it('censors sensitive keys at any depth and in any letter case, without touching the logged object', () => {
    const logged = {
      outer: { inner: { deeper: { Authorization: 'Bearer PPP111' } } },
      list: [{ apiToken: 'QQQ222' }, 7, 'plain'],
      jobIds: [1, 2, 3],
      mentions: 'the word token in a message is fine',
    };
    const snapshot = JSON.stringify(logged);
    const clean = redactSensitive(logged);
    expect(clean).toEqual({
      outer: { inner: { deeper: { Authorization: '[Redacted]' } } },
      list: [{ apiToken: '[Redacted]' }, 7, 'plain'],
      jobIds: [1, 2, 3],
      mentions: 'the word token in a message is fine',
    });
    expect(JSON.stringify(logged)).toBe(snapshot);
    // Nothing to censor: the very same object, no copy.
    const innocent = { method: 'POST', path: '/webhooks/generic', jobIds: [1] };
    expect(redactSensitive(innocent)).toBe(innocent);

    const mem = memoryLogger('info');
    mem.logger([]).child({ crmToken: 'RRR333' }).info({ nested: { list: [{ password: 'SSS444' }] } }, 'hello');
    expect(mem.lines.join('\n')).not.toMatch(/RRR333|SSS444/);
  });
});
