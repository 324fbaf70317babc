import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsOf } from '../../../src/accounts/repository.js';
import { memoryLogger, servicesOn } from '../../support/app.js';
import { makeJobs } from '../../support/crm.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { type FakePipedrive, startFakePipedrive } from '../../support/fakes/pipedrive-server.js';

/** POST/GET/PATCH/DELETE /v1/accounts (issue 24): the auth paths, validation, the credential check, and never a secret out. */

const ADMIN = 'accounts-api-admin-token-0123456';
const HS_TOKEN = 'pat-eu1-admin-accounts-0123456789';
const PD_TOKEN = 'pipedrive-admin-accounts-0123456789';
const PORTAL = 62_000_001;
const COMPANY = 72_000_001;

describe.each(flavours)('admin API /v1/accounts on %s', (flavour) => {
  let database: TestDatabase;
  let hubspot: FakeHubspot;
  let pipedrive: FakePipedrive;
  const log = memoryLogger('debug');
  const services = servicesOn(() => database, { logger: log.logger([]) });
  const key = randomBytes(32).toString('base64');
  const env = () => ({ ADMIN_TOKEN: ADMIN, ACCOUNTS_ENCRYPTION_KEY: key, HUBSPOT_BASE_URL: hubspot.url, PIPEDRIVE_BASE_URL: pipedrive.url });

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    hubspot = await startFakeHubspot({ token: HS_TOKEN, portalId: PORTAL });
    pipedrive = await startFakePipedrive({ token: PD_TOKEN, companyId: COMPANY });
  }, 60_000);
  afterAll(async () => {
    await services.stop();
    await Promise.all([hubspot?.close(), pipedrive?.close()]);
    await database?.drop();
  });

  const call = async (path: string, init: RequestInit & { env?: Record<string, string>; auth?: string | null } = {}) => {
    const { app } = await services.get(init.env ?? env());
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (init.auth !== null) headers.authorization = `Bearer ${init.auth ?? ADMIN}`;
    const res = await app.request(path, { ...init, headers });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };

  it('refuses every route without the admin token, as problem+json', async () => {
    for (const [method, path] of [['GET', '/v1/accounts'], ['POST', '/v1/accounts'], ['PATCH', '/v1/accounts/hubspot/1'], ['DELETE', '/v1/accounts/hubspot/1']]) {
      const res = await call(path, { method, auth: null, body: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(401);
      expect(res.type).toContain('application/problem+json');
    }
  });

  it('registers a HubSpot portal after checking the token belongs to it, and never returns or logs the token', async () => {
    const res = await call('/v1/accounts', { method: 'POST', body: JSON.stringify({ source: 'hubspot', accountId: String(PORTAL), accessToken: HS_TOKEN, clientSecret: 'portal-client-secret-0123' }) });
    expect(res.status, res.text).toBe(201);
    expect(JSON.parse(res.text)).toMatchObject({ source: 'hubspot', accountId: String(PORTAL), state: 'active', origin: 'registry', authKind: 'static', hasWebhookSecret: true });
    expect(JSON.parse(res.text).lastVerifiedAt).toMatch(/^\d{4}-/);
    expect(res.text).not.toContain(HS_TOKEN);
    expect(res.text).not.toContain('portal-client-secret');
    const { deps } = await services.get(env());
    expect(await credentialsOf(database.db, deps.accounts.box!, 'hubspot', String(PORTAL))).toEqual({ accessToken: HS_TOKEN });
    const list = await call('/v1/accounts?source=hubspot');
    expect(list.status, list.text).toBe(200);
    expect(list.text).toContain(String(PORTAL));
    expect(list.text).not.toContain(HS_TOKEN);
    expect(log.lines.join('\n')).not.toContain(HS_TOKEN);
    expect(log.lines.join('\n')).not.toContain('portal-client-secret');
  });

  it('refuses a token that belongs to another account (409) and one the CRM refuses (400)', async () => {
    const other = await call('/v1/accounts', { method: 'POST', body: JSON.stringify({ source: 'pipedrive', accountId: '999', apiToken: PD_TOKEN }) });
    expect(other.status, other.text).toBe(409);
    expect(other.type).toContain('application/problem+json');
    expect(JSON.parse(other.text).detail).toContain(String(COMPANY));
    expect(other.text).not.toContain(PD_TOKEN);
    const refused = await call('/v1/accounts', { method: 'POST', body: JSON.stringify({ source: 'pipedrive', accountId: String(COMPANY), apiToken: 'pipedrive-not-a-real-token-000' }) });
    expect(refused.status, refused.text).toBe(400);
    const list = await call('/v1/accounts?source=pipedrive');
    expect(JSON.parse(list.text).accounts).toEqual([]);
  });

  it('validates the body and the path with the bad fields named', async () => {
    for (const body of [{}, { source: 'hubspot', accountId: 'abc', accessToken: 'x' }, { source: 'salesforce', accountId: '1' }, { source: 'pipedrive', accountId: '1', accessToken: 'x' }, { source: 'generic', accountId: 't', url: 'ftp://x' }]) {
      const res = await call('/v1/accounts', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status, `${JSON.stringify(body)}: ${res.text}`).toBe(400);
      expect(res.type).toContain('application/problem+json');
    }
    const badState = await call(`/v1/accounts/hubspot/${PORTAL}`, { method: 'PATCH', body: JSON.stringify({ state: 'needs_reconnect' }) });
    expect(badState.status, badState.text).toBe(400);
    const missing = await call('/v1/accounts/hubspot/123', { method: 'PATCH', body: JSON.stringify({ state: 'paused' }) });
    expect(missing.status, missing.text).toBe(404);
  });

  it('pauses, resumes, filters by state and deletes', async () => {
    const paused = await call(`/v1/accounts/hubspot/${PORTAL}`, { method: 'PATCH', body: JSON.stringify({ state: 'paused', stateReason: 'client on holiday' }) });
    expect(paused.status, paused.text).toBe(200);
    expect(JSON.parse(paused.text)).toMatchObject({ state: 'paused', stateReason: 'client on holiday' });
    expect(JSON.parse((await call('/v1/accounts?state=paused')).text).accounts.map((a: { accountId: string }) => a.accountId)).toEqual([String(PORTAL)]);
    const resumed = await call(`/v1/accounts/hubspot/${PORTAL}`, { method: 'PATCH', body: JSON.stringify({ state: 'active', clientSecret: null }) });
    expect(JSON.parse(resumed.text)).toMatchObject({ state: 'active', stateReason: null, hasWebhookSecret: false });
    const gone = await call(`/v1/accounts/hubspot/${PORTAL}`, { method: 'DELETE' });
    expect(gone.status, gone.text).toBe(204);
    expect((await call(`/v1/accounts/hubspot/${PORTAL}`, { method: 'DELETE' })).status).toBe(404);
  });

  it("stores a Pipedrive company's customFieldLimit, shows it, changes and clears it, and refuses it elsewhere", async () => {
    const created = await call('/v1/accounts', { method: 'POST', body: JSON.stringify({ source: 'pipedrive', accountId: String(COMPANY), apiToken: PD_TOKEN, customFieldLimit: 30 }) });
    expect(created.status, created.text).toBe(201);
    expect(JSON.parse(created.text)).toMatchObject({ accountId: String(COMPANY), customFieldLimit: 30 });
    const listed = JSON.parse((await call('/v1/accounts?source=pipedrive')).text).accounts;
    expect(listed).toEqual([expect.objectContaining({ accountId: String(COMPANY), customFieldLimit: 30 })]);
    const raised = await call(`/v1/accounts/pipedrive/${COMPANY}`, { method: 'PATCH', body: JSON.stringify({ customFieldLimit: 100 }) });
    expect(JSON.parse(raised.text)).toMatchObject({ customFieldLimit: 100 });
    const cleared = await call(`/v1/accounts/pipedrive/${COMPANY}`, { method: 'PATCH', body: JSON.stringify({ customFieldLimit: null }) });
    expect(JSON.parse(cleared.text)).toMatchObject({ customFieldLimit: null });
    for (const bad of [-1, 1.5, '30']) {
      const res = await call(`/v1/accounts/pipedrive/${COMPANY}`, { method: 'PATCH', body: JSON.stringify({ customFieldLimit: bad }) });
      expect(res.status, `${bad}: ${res.text}`).toBe(400);
    }
    const hubspotLimit = await call('/v1/accounts', { method: 'POST', body: JSON.stringify({ source: 'hubspot', accountId: String(PORTAL), accessToken: HS_TOKEN, customFieldLimit: 30 }) });
    expect(hubspotLimit.status, hubspotLimit.text).toBe(400);
    expect((await call(`/v1/accounts/pipedrive/${COMPANY}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('without ACCOUNTS_ENCRYPTION_KEY stores no credential (409, saying why)', async () => {
    const res = await call('/v1/accounts', { method: 'POST', env: { ...env(), ACCOUNTS_ENCRYPTION_KEY: '' }, body: JSON.stringify({ source: 'hubspot', accountId: String(PORTAL), accessToken: HS_TOKEN }) });
    expect(res.status, res.text).toBe(409);
    expect(JSON.parse(res.text).detail).toContain('ACCOUNTS_ENCRYPTION_KEY');
  });

  it('GET /v1/jobs filters by account within a source, and refuses an account without its source', async () => {
    const lead = (accountId: string, objectId: string) => ({ source: 'hubspot' as const, accountId, objectType: 'company', objectId });
    await makeJobs(database, [lead('62000101', '1'), lead('62000101', '2'), lead('62000102', '3')]);
    const mine = await call('/v1/jobs?source=hubspot&account=62000101');
    expect(mine.status, mine.text).toBe(200);
    expect(JSON.parse(mine.text).jobs.map((j: { accountId: string; objectId: string }) => `${j.accountId}:${j.objectId}`).sort()).toEqual(['62000101:1', '62000101:2']);
    const alone = await call('/v1/jobs?account=62000101');
    expect(alone.status, alone.text).toBe(400);
    expect(alone.type).toContain('application/problem+json');
  });
});
