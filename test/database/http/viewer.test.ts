import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerEnvironmentAccount } from '../../../src/accounts/repository.js';
import { crmAccounts } from '../../../src/db/schema.js';
import type { AppRouter } from '../../../src/http/context.js';
import { operationsOf } from '../../../src/http/routes/docs.js';
import { VIEWER_ROUTES } from '../../../src/http/routes/admin-routes.js';
import { type TestService, bodyOf, createApp, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { leadRef, seedEnrichment, seedJob, uniqueId } from '../../support/seed.js';

/**
 * Issue 24.7, a client's view: an account's viewer token shows that account's leads, read-only.
 * Two HubSpot portals hold leads, one of them under the same object id in both; the viewer of
 * portal A sees A's leads on the status page, its search, the lead page and the JSON routes,
 * never B's (another account asked for by name: 403; B's lead: 404), and every write and every
 * other admin route answers it 403. Rotating or revoking the token ends it and its sessions;
 * the admin keeps seeing everything.
 */

const ADMIN = 'admin-token-viewer-tests-0123456789';
const A = '71110001';
const B = '71110002';

type Json = Record<string, any>;

describe.each(flavours)('a client’s viewer token on %s', (flavour) => {
  let database: TestDatabase;
  let service: TestService;
  let app: AppRouter;
  const shared = uniqueId();
  const onlyB = uniqueId();
  const onlyA = uniqueId();
  let deadA = 0;
  let deadB = 0;

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    const db = database.db;
    await registerEnvironmentAccount(db, 'hubspot', A);
    await registerEnvironmentAccount(db, 'hubspot', B);
    const lead = async (accountId: string, objectId: string, company: string) => {
      const ref = leadRef({ accountId, objectId });
      const job = await seedJob(db, ref, { status: 'done', payload: { lead: { company, domain: `${objectId}.example` }, event: { type: 'company.creation' } } });
      await seedEnrichment(db, ref, job.id);
      return ref;
    };
    await lead(A, shared, 'Alfa Gedeeld B.V.');
    await lead(B, shared, 'Beta Gedeeld B.V.');
    await lead(A, onlyA, 'Alfa Eigen B.V.');
    await lead(B, onlyB, 'Beta Geheim B.V.');
    deadA = (await seedJob(db, leadRef({ accountId: A }), { status: 'dead', lastError: 'hubspot: 404 Alfa dood', payload: { lead: { company: 'Alfa Dood B.V.' } } })).id;
    deadB = (await seedJob(db, leadRef({ accountId: B }), { status: 'dead', lastError: 'hubspot: 404 Beta dood', payload: { lead: { company: 'Beta Dood B.V.' } } })).id;
    service = await createTestService(database, testConfig({ ADMIN_TOKEN: ADMIN, PUBLIC_URL: 'http://localhost' }));
    app = createApp(service.deps);
  }, 60_000);
  afterAll(async () => {
    await service?.runtime.stop();
    await database?.drop();
  });

  const call = async (path: string, init: { method?: string; auth?: string; cookie?: string; body?: string; html?: boolean } = {}) => {
    const headers: Record<string, string> = { origin: 'http://localhost' };
    if (init.auth) headers.authorization = `Bearer ${init.auth}`;
    if (init.cookie) headers.cookie = init.cookie;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.html) headers.accept = 'text/html';
    const res = await app.request(path, { method: init.method ?? 'GET', headers, body: init.body });
    const body = await bodyOf(res);
    return { status: res.status, type: res.headers.get('content-type') ?? '', json: body.json as Json, text: body.text, res };
  };
  const issue = async (accountId = A, source = 'hubspot') => {
    const res = await call(`/v1/accounts/${source}/${encodeURIComponent(accountId)}/viewer-token`, { method: 'POST', auth: ADMIN });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({ source, accountId });
    return res.json.viewerToken as string;
  };
  const signIn = async (token: string) => {
    const res = await app.request('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
    expect(res.status).toBe(303);
    return res.headers.get('set-cookie')!.split(';')[0];
  };

  it('is made by the admin only, shown once, and stored as a hash', async () => {
    const token = await issue();
    expect(token).toMatch(/^vwr_[A-Za-z0-9_-]{43}$/);
    const rows = await database.db.select().from(crmAccounts).where(eq(crmAccounts.accountId, A));
    expect(rows[0].viewerTokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token.slice(4));
    const listed = (await call('/v1/accounts?source=hubspot', { auth: ADMIN })).json.accounts as Json[];
    expect(listed.find((a) => a.accountId === A)).toMatchObject({ hasViewerToken: true });
    expect(listed.find((a) => a.accountId === B)).toMatchObject({ hasViewerToken: false });
    expect((await call('/v1/accounts/hubspot/99999/viewer-token', { method: 'POST', auth: ADMIN })).status).toBe(404);
  });

  it('shows its own account on the status page, in search and on the lead page, never the other account', async () => {
    const token = await issue();
    const page = await call('/', { auth: token, html: true });
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain('Alfa Gedeeld B.V.');
    expect(page.text).toContain('Alfa Eigen B.V.');
    expect(page.text).toContain('Alfa Dood B.V.');
    expect(page.text).not.toContain('Beta');
    expect(page.text).not.toContain(B);
    // The service-wide boxes and every write button are left out.
    for (const gone of ['id="write-back"', 'id="backfills"', '/v1/jobs/retry', `/v1/jobs/${deadA}/retry`]) expect(page.text).not.toContain(gone);
    const search = await call(`/?q=${encodeURIComponent('Gedeeld')}`, { auth: token, html: true });
    expect(search.text).toContain('Alfa Gedeeld B.V.');
    expect(search.text).not.toContain('Beta Gedeeld B.V.');
    expect((await call(`/?q=Geheim`, { auth: token, html: true })).text).not.toContain('Beta Geheim');
    const other = await call(`/?account=hubspot:${B}`, { auth: token, html: true });
    expect(other.status, other.text).toBe(403);
    expect(other.type).toContain('application/problem+json');
    expect(other.json).toMatchObject({ type: 'urn:verrijk:problem:viewer-forbidden', requestId: expect.any(String) });
    expect((await call(`/?account=hubspot:${A}`, { auth: token, html: true })).status).toBe(200);

    const leadPage = await call(`/leads/hubspot/${shared}`, { auth: token, html: true });
    expect(leadPage.status).toBe(200);
    expect(leadPage.text).toContain('Alfa Gedeeld B.V.');
    expect(leadPage.text).not.toContain('Beta');
    expect(leadPage.text).not.toContain('/enrich');
    expect((await call(`/leads/hubspot/${shared}?account=${B}`, { auth: token, html: true })).status).toBe(404);
    const hidden = await call(`/leads/hubspot/${onlyB}`, { auth: token, html: true });
    expect(hidden.status).toBe(404);
    expect(hidden.text).not.toContain('Beta');
  });

  it('reads its own leads, jobs and account through the JSON routes, and cannot reach the other account', async () => {
    const token = await issue();
    const lead = await call(`/v1/leads/hubspot/${shared}`, { auth: token });
    expect(lead.status, lead.text).toBe(200);
    expect(lead.json.lead).toMatchObject({ accountId: A, objectId: shared });
    expect(lead.json.alsoKnownAs).toEqual([]);
    for (const path of [`/v1/leads/hubspot/${shared}?account=${B}`, `/v1/leads/hubspot/${onlyB}`, `/v1/leads/pipedrive/${shared}`]) {
      const res = await call(path, { auth: token });
      expect(res.status, `${path}: ${res.text}`).toBe(404);
      expect(res.type).toContain('application/problem+json');
    }
    const jobs = await call('/v1/jobs?limit=100', { auth: token });
    expect(jobs.status, jobs.text).toBe(200);
    expect(jobs.json.jobs.length).toBeGreaterThanOrEqual(3);
    expect(new Set(jobs.json.jobs.map((j: Json) => `${j.source}:${j.accountId}`))).toEqual(new Set([`hubspot:${A}`]));
    const dead = await call('/v1/jobs?status=dead', { auth: token });
    expect(dead.json.jobs.map((j: Json) => j.id)).toEqual([deadA]);
    expect((await call(`/v1/jobs?source=hubspot&account=${B}`, { auth: token })).status).toBe(403);
    expect((await call('/v1/jobs?source=pipedrive', { auth: token })).status).toBe(403);
    const accounts = await call('/v1/accounts', { auth: token });
    expect(accounts.json.accounts.map((a: Json) => a.accountId)).toEqual([A]);
  });

  it('gets 403 on every write and on every admin route outside its view, as problem+json', async () => {
    const token = await issue();
    const doc = (await (await app.request('/openapi.json')).json()) as Json;
    const checked: string[] = [];
    for (const { method, path, op } of operationsOf(doc)) {
      const id = `${method.toUpperCase()} ${path}`;
      if (!op.security?.length || VIEWER_ROUTES.has(id) || id === 'GET /' || id === 'GET /leads/{source}/{id}') continue;
      const concrete = path.replace(/\{(\w+)\}/g, (_, name: string) => {
        const p = (op.parameters ?? []).find((x: Json) => x.in === 'path' && x.name === name);
        return encodeURIComponent(String(p?.example ?? p?.schema?.example));
      });
      const res = await call(concrete, { method: method.toUpperCase(), auth: token, body: method === 'get' || method === 'delete' ? undefined : '{}' });
      expect(res.status, `${id}: ${res.text}`).toBe(403);
      expect(res.json).toMatchObject({ type: 'urn:verrijk:problem:viewer-forbidden' });
      checked.push(id);
    }
    for (const id of ['POST /v1/leads/{source}/{id}/enrich', 'POST /v1/jobs/{id}/retry', 'POST /v1/jobs/retry', 'POST /v1/accounts', 'PATCH /v1/accounts/{source}/{accountId}', 'POST /v1/accounts/{source}/{accountId}/viewer-token', 'GET /v1/cbs/tables', 'GET /v1/backfills']) {
      expect(checked).toContain(id);
    }
    // Its own lead and its own dead letter too: a viewer changes nothing.
    expect((await call(`/v1/leads/hubspot/${shared}/enrich?account=${A}`, { method: 'POST', auth: token })).status).toBe(403);
    expect((await call(`/v1/jobs/${deadA}/retry`, { method: 'POST', auth: token })).status).toBe(403);
    const still = await call(`/v1/jobs?status=dead&source=hubspot&account=${A}`, { auth: ADMIN });
    expect(still.json.jobs.map((j: Json) => j.id)).toEqual([deadA]);
  });

  it('signs in at /login with the same form: the session shows the account read-only, and ends when the token is rotated or revoked', async () => {
    const first = await issue();
    const cookie = await signIn(first);
    const page = await call('/', { cookie, html: true });
    expect(page.text).toContain('Alfa Eigen B.V.');
    expect(page.text).not.toContain('Beta');
    expect((await call('/v1/jobs/retry?status=dead', { method: 'POST', cookie })).status).toBe(403);
    expect((await call(`/v1/leads/hubspot/${onlyB}`, { cookie })).status).toBe(404);

    // Signing out ends that session on the server; the token still signs in again.
    const other = await signIn(first);
    expect((await app.request('/logout', { method: 'POST', headers: { cookie: other, origin: 'http://localhost' } })).status).toBe(303);
    expect((await call('/v1/jobs', { cookie: other })).status).toBe(401);
    expect((await call('/v1/jobs', { cookie })).status).toBe(200);

    // Rotated: the old token and its session stop working, the new one works.
    const second = await issue();
    expect(second).not.toBe(first);
    expect((await call('/v1/jobs', { auth: first })).status).toBe(401);
    expect((await call('/v1/jobs', { cookie })).status).toBe(401);
    expect((await call('/', { cookie, html: true })).text).toContain('action="/login"');
    const fresh = await signIn(second);
    expect((await call('/v1/jobs', { auth: second })).status).toBe(200);
    expect((await call('/v1/jobs', { cookie: fresh })).status).toBe(200);

    // Revoked: neither the token nor its session opens anything.
    const revoked = await call(`/v1/accounts/hubspot/${A}/viewer-token`, { method: 'DELETE', auth: ADMIN });
    expect(revoked.status, revoked.text).toBe(204);
    expect((await call('/v1/jobs', { auth: second })).status).toBe(401);
    expect((await call('/v1/jobs', { cookie: fresh })).status).toBe(401);
    expect((await call('/v1/accounts', { auth: ADMIN })).json.accounts.find((a: Json) => a.accountId === A)).toMatchObject({ hasViewerToken: false });
    // The login form does not take a revoked token either.
    const again = await app.request('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: second }).toString() });
    expect(again.status).toBe(401);
  });

  it('keeps a session for an account id with dots and colons (a generic tenant)', async () => {
    const tenant = 'klant.een:eu';
    await registerEnvironmentAccount(database.db, 'generic', tenant);
    const ref = leadRef({ source: 'generic', accountId: tenant, objectType: 'lead' });
    const job = await seedJob(database.db, ref, { status: 'done', payload: { lead: { company: 'Gamma Tenant B.V.' } } });
    await seedEnrichment(database.db, ref, job.id);
    const token = await issue(tenant, 'generic');
    const cookie = await signIn(token);
    const jobs = await call('/v1/jobs', { cookie });
    expect(jobs.status, jobs.text).toBe(200);
    expect(jobs.json.jobs.map((j: Json) => `${j.source}:${j.accountId}`)).toEqual([`generic:${tenant}`]);
    const page = await call('/', { cookie, html: true });
    expect(page.text).toContain('Gamma Tenant B.V.');
    expect(page.text).not.toContain('Alfa');
  });

  it('leaves the admin seeing every account', async () => {
    const page = await call('/', { auth: ADMIN, html: true });
    for (const name of ['Alfa Gedeeld B.V.', 'Beta Gedeeld B.V.', 'Beta Geheim B.V.', 'Alfa Dood B.V.', 'Beta Dood B.V.']) expect(page.text).toContain(name);
    expect(page.text).toContain('id="write-back"');
    expect(page.text).toContain(`/v1/jobs/${deadB}/retry`);
    const lead = await call(`/v1/leads/hubspot/${shared}?account=${B}`, { auth: ADMIN });
    expect(lead.json.lead).toMatchObject({ accountId: B });
    const jobs = await call('/v1/jobs?source=hubspot&limit=100', { auth: ADMIN });
    expect(new Set(jobs.json.jobs.map((j: Json) => j.accountId))).toEqual(new Set([A, B]));
  });
});
