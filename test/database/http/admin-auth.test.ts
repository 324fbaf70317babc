import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { secretEqual, signatureEqual } from '../../../src/constant-time.js';
import { createSessionValue, verifySessionValue } from '../../../src/http/admin-auth.js';
import type { AppRouter } from '../../../src/http/context.js';
import { operationsOf } from '../../../src/http/routes/docs.js';
import { type TestService, bodyOf, createApp, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';

const TOKEN = 'admin-token-for-tests-0123456789';

/**
 * The routes under test come from the app's own /openapi.json: every operation
 * that declares `security` is an admin route and gets every auth check below,
 * so a route added later is checked without anyone listing it. A route without
 * `security` must be one of the deliberately open ones.
 */
const OPEN_OPERATIONS = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /docs',
  // An OAuth install starts in the CRM user's browser and comes back from the CRM: the signed, single-use state is its credential.
  'GET /oauth/{crm}/install',
  'GET /oauth/{crm}/callback',
  'GET /v1/lookup',
  'POST /webhooks/hubspot',
  'POST /webhooks/pipedrive',
  'POST /webhooks/generic',
  'POST /login',
  'POST /logout',
];

/** What an admin route answers when authorised, for a request valid apart from authentication (on an empty database). */
const OK_STATUS: Record<string, number> = {
  'GET /v1/leads/{source}/{id}': 404,
  'POST /v1/leads/{source}/{id}/enrich': 404,
  'GET /v1/jobs': 200,
  'POST /v1/jobs/{id}/retry': 404,
  'POST /v1/jobs/retry': 202,
  'GET /v1/cbs/tables': 200,
  'POST /v1/cbs/refresh': 202,
  'POST /v1/rate-limits/{key}/release': 404,
  'GET /v1/accounts': 200,
  // No body: the registration is an invalid request; nothing is registered to change or delete.
  'POST /v1/accounts': 400,
  'PATCH /v1/accounts/{source}/{accountId}': 404,
  'DELETE /v1/accounts/{source}/{accountId}': 404,
  // No account is registered to give a viewer token to (or take it from).
  'POST /v1/accounts/{source}/{accountId}/viewer-token': 404,
  'DELETE /v1/accounts/{source}/{accountId}/viewer-token': 404,
  'GET /v1/backfills': 200,
  // No body: an invalid request; no backfill exists to read, report or change.
  'POST /v1/backfills': 400,
  'GET /v1/backfills/{id}': 404,
  'GET /v1/backfills/{id}/report': 404,
  'GET /v1/backfills/{id}/report.csv': 404,
  'POST /v1/backfills/{id}/pause': 404,
  'POST /v1/backfills/{id}/resume': 404,
  'POST /v1/backfills/{id}/cancel': 404,
};

/** The HTML pages: secured, but they answer a login form (or how to enable the admin) instead of a 401. */
const STATUS_PAGES = ['GET /', 'GET /leads/{source}/{id}'];

type Json = Record<string, any>;

/** Each operation of the app's /openapi.json, with a request path built from its parameters' examples. */
async function documentedOperations(app: AppRouter): Promise<Operation[]> {
  const doc = (await (await app.request('/openapi.json')).json()) as Json;
  return operationsOf(doc).map(({ method, path, op }) => {
    const example = (name: string) => {
      const p = (op.parameters ?? []).find((x: Json) => x.in === 'path' && x.name === name);
      const value = p?.example ?? p?.schema?.example;
      if (value === undefined) throw new Error(`${method} ${path}: path parameter ${name} has no example in the document`);
      return encodeURIComponent(String(value));
    };
    return { id: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path: path.replace(/\{(\w+)\}/g, (_, n) => example(n)), secured: !!op.security?.length, op };
  });
}

interface Operation {
  id: string;
  method: string;
  path: string;
  secured: boolean;
  op: Json;
}

describe.each(flavours)('admin authentication on %s', (flavour) => {
  let database: TestDatabase;
  let enabled: TestService;
  let disabled: TestService;
  /** Every operation of the document; the admin routes are those with `security` (the status pages aside: they show a login form). */
  let OPERATIONS: Operation[] = [];
  let ADMIN_ROUTES: Operation[] = [];
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    // A short refresh wait: POST /v1/cbs/refresh answers 202 while the refresh runs.
    const ops = { cbsRefreshWaitMs: 20 };
    enabled = await createTestService(database, testConfig({ ADMIN_TOKEN: TOKEN }), { ops });
    disabled = await createTestService(database, testConfig({}), { ops });
    // This file is about who gets in: the real store's refresh is kept from asking CBS (it never finishes).
    vi.spyOn(enabled.deps.cbs, 'refresh').mockReturnValue(new Promise(() => {}));
    OPERATIONS = await documentedOperations(enabled.app);
    ADMIN_ROUTES = OPERATIONS.filter((o) => o.secured && !STATUS_PAGES.includes(o.id));
  });
  afterAll(async () => {
    await enabled?.runtime.stop();
    await disabled?.runtime.stop();
    await database?.drop();
  });
  // A fresh app (and so a fresh guess throttle) per call, over the runtime built once.
  const appWith = (env: Record<string, string> = { ADMIN_TOKEN: TOKEN }) => createApp((env.ADMIN_TOKEN ? enabled : disabled).deps);

  describe('the OpenAPI document', () => {
    it('declares security on every operation that is not deliberately open', () => {
      expect(OPERATIONS.filter((o) => !o.secured).map((o) => o.id).sort()).toEqual([...OPEN_OPERATIONS].sort());
      expect(ADMIN_ROUTES.map((r) => r.id)).toContain('POST /v1/rate-limits/{key}/release');
    });

    it('knows what each admin route answers when authorised', () => {
      expect(ADMIN_ROUTES.map((o) => o.id).sort()).toEqual(Object.keys(OK_STATUS).sort());
    });

    it('documents every error of every operation as problem+json (the HTML status page and login form aside)', () => {
      for (const o of OPERATIONS) {
        for (const [status, response] of Object.entries<Json>(o.op.responses ?? {})) {
          if (Number(status) < 400 || !response.content) continue;
          const types = Object.keys(response.content);
          if (types.includes('text/html')) expect([...STATUS_PAGES, 'POST /login'], `${o.id} ${status}`).toContain(o.id);
          // Not ready is a readiness report (which check failed), not an error.
          else if (o.id === 'GET /readyz' && status === '503') expect(types).toEqual(['application/json']);
          else expect(types, `${o.id} ${status}`).toEqual(['application/problem+json']);
        }
      }
    });
  });

  it('every admin route of the document: 401 admin-disabled when ADMIN_TOKEN is unset, even with a token', async () => {
    for (const r of ADMIN_ROUTES) {
      const res = await appWith({}).request(r.path, { method: r.method, headers: { authorization: `Bearer ${TOKEN}` } });
      const body = await bodyOf(res);
      expect(res.status, `${r.id}: ${body.text}`).toBe(401);
      expect(res.headers.get('content-type'), r.id).toBe('application/problem+json');
      expect(body.json.type, r.id).toBe('urn:verrijk:problem:admin-disabled');
      expect(body.json.detail).toMatch(/ADMIN_TOKEN/);
    }
  });

  it('every admin route of the document: 401 without credentials', async () => {
    for (const r of ADMIN_ROUTES) {
      const res = await appWith().request(r.path, { method: r.method });
      const body = await bodyOf(res);
      expect(res.status, `${r.id}: ${body.text}`).toBe(401);
      expect(res.headers.get('content-type'), r.id).toBe('application/problem+json');
      expect(body.json.type, r.id).toBe('urn:verrijk:problem:unauthorized');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('every admin route of the document: 401 with a wrong token', async () => {
    for (const r of ADMIN_ROUTES) {
      for (const header of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ', `Basic ${TOKEN}`, TOKEN]) {
        const res = await appWith().request(r.path, { method: r.method, headers: { authorization: header } });
        const body = await bodyOf(res);
        expect(res.status, `${r.id} ${header}: ${body.text}`).toBe(401);
        expect(body.json.type, r.id).toBe('urn:verrijk:problem:unauthorized');
        expect(body.text).not.toContain(TOKEN);
      }
    }
  });

  it('every admin route of the document: passes with the right token', async () => {
    for (const r of ADMIN_ROUTES) {
      const res = await appWith().request(r.path, { method: r.method, headers: { authorization: `Bearer ${TOKEN}` } });
      const body = await bodyOf(res);
      expect(res.status, `${r.id}: ${body.text}`).toBe(OK_STATUS[r.id]);
      if (res.status >= 400) {
        expect(res.headers.get('content-type'), body.text).toBe('application/problem+json');
        expect(body.json.requestId, body.text).toBeTruthy();
      }
    }
  });

  it('GET / shows the login form without credentials, the status page with them, and how to enable the admin when it is disabled', async () => {
    const form = await appWith().request('/', { headers: { accept: 'text/html' } });
    const formBody = await bodyOf(form);
    expect(form.status, formBody.text).toBe(200);
    expect(formBody.text).toContain('action="/login"');
    expect(formBody.text).not.toContain('id="leads"');

    const page = await appWith().request('/', { headers: { authorization: `Bearer ${TOKEN}` } });
    const pageBody = await bodyOf(page);
    expect(page.status, pageBody.text).toBe(200);
    expect(pageBody.text).toContain('id="leads"');

    const wrong = await appWith().request('/', { headers: { authorization: 'Bearer nope-nope-nope-nope' } });
    expect(wrong.status, (await bodyOf(wrong)).text).toBe(401);

    // A newcomer's browser and curl alike get a page saying what to set, and where the API docs are.
    for (const headers of [{ accept: 'text/html' }, {}, { authorization: `Bearer ${TOKEN}` }] as Record<string, string>[]) {
      const disabled = await appWith({}).request('/', { headers });
      const body = await bodyOf(disabled);
      expect(disabled.status, body.text).toBe(200);
      expect(disabled.headers.get('content-type'), body.text).toMatch(/^text\/html/);
      expect(body.text).toContain('Zet ADMIN_TOKEN (minstens 16 tekens) in het .env-bestand of in de omgeving');
      expect(body.text).toContain('<a href="/docs">/docs</a>');
      expect(body.text).not.toContain('action="/login"');
    }
    const lead = await appWith({}).request('/leads/hubspot/1');
    const leadBody = await bodyOf(lead);
    expect(lead.status, leadBody.text).toBe(200);
    expect(leadBody.text).toContain('id="admin-disabled"');
  });

  it('logs in with the form: an HttpOnly SameSite=Strict cookie that is not the token, accepted by admin routes', async () => {
    const app = appWith();
    const bad = await app.request('/login', { method: 'POST', body: new URLSearchParams({ token: 'wrong-token-wrong-token' }) });
    const badBody = await bodyOf(bad);
    expect(bad.status, badBody.text).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    expect(badBody.text).toContain('Dat token klopt niet.');

    const empty = await app.request('/login', { method: 'POST', body: new URLSearchParams({}) });
    expect(empty.status, (await bodyOf(empty)).text).toBe(401);

    const login = await app.request('/login', { method: 'POST', body: new URLSearchParams({ token: TOKEN }) });
    expect(login.status, (await bodyOf(login)).text).toBe(303);
    expect(login.headers.get('location')).toBe('/');
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^verrijk_admin=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(';')[0];

    const page = await app.request('/', { headers: { cookie } });
    expect((await bodyOf(page)).text).toContain('id="leads"');
    const jobs = await app.request('/v1/jobs', { headers: { cookie } });
    expect(jobs.status, (await bodyOf(jobs)).text).toBe(200);

    // State changes with a cookie need proof that the form came from this site.
    const noOrigin = await app.request('/v1/jobs/retry', { method: 'POST', headers: { cookie } });
    const noOriginBody = await bodyOf(noOrigin);
    expect(noOrigin.status, noOriginBody.text).toBe(403);
    expect(noOriginBody.json.type).toBe('urn:verrijk:problem:cross-origin');
    const evil = await app.request('/v1/jobs/retry', { method: 'POST', headers: { cookie, origin: 'https://evil.example' } });
    expect(evil.status, (await bodyOf(evil)).text).toBe(403);
    const same = await app.request('http://localhost/v1/jobs/retry', { method: 'POST', headers: { cookie, origin: 'http://localhost' } });
    expect(same.status, (await bodyOf(same)).text).toBe(202);
    const viaReferer = await app.request('http://localhost/v1/jobs/retry', {
      method: 'POST',
      headers: { cookie, referer: 'http://localhost/', accept: 'text/html' },
    });
    expect(viaReferer.status, (await bodyOf(viaReferer)).text).toBe(303);

    const logout = await app.request('/logout', { method: 'POST', headers: { cookie } });
    expect(logout.status).toBe(303);
    expect(logout.headers.get('set-cookie')).toMatch(/verrijk_admin=;.*Max-Age=0/i);
  });

  it('refuses forged, expired and other-token session cookies', async () => {
    const app = appWith();
    const forged = [
      'verrijk_admin=1',
      `verrijk_admin=${TOKEN}`,
      `verrijk_admin=${createSessionValue('another-token-another-token')}`,
      `verrijk_admin=${createSessionValue(TOKEN, Date.now() - 13 * 3600_000)}`,
    ];
    for (const cookie of forged) {
      const res = await app.request('/v1/jobs', { headers: { cookie } });
      expect(res.status, `${cookie}: ${(await bodyOf(res)).text}`).toBe(401);
    }
  });
});

describe('session values', () => {
  it('verify only for the token that made them and only until they expire', () => {
    const v = createSessionValue(TOKEN, 1_000_000);
    expect(verifySessionValue(TOKEN, v, 1_000_000)).toBe(true);
    expect(verifySessionValue(`${TOKEN}!`, v, 1_000_000)).toBe(false);
    expect(verifySessionValue(TOKEN, v, 1_000_000 + 12 * 3600_000 + 1000)).toBe(false);
    expect(verifySessionValue(TOKEN, v.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), 1_000_000)).toBe(false);
    expect(verifySessionValue(TOKEN, undefined)).toBe(false);
  });
  it('compares secrets of any length, and signatures of their public length, safely', () => {
    expect(secretEqual('abc', 'abc')).toBe(true);
    expect(secretEqual('abc', 'abcd')).toBe(false);
    expect(secretEqual('', 'x')).toBe(false);
    expect(signatureEqual('c2lnbmF0dXJl', 'c2lnbmF0dXJl')).toBe(true);
    expect(signatureEqual('c2lnbmF0dXJm', 'c2lnbmF0dXJl')).toBe(false);
    expect(signatureEqual('c2lnbmF0dXJl=', 'c2lnbmF0dXJl')).toBe(false);
    expect(signatureEqual('', 'x')).toBe(false);
    // Multi-byte characters: compared as bytes, never thrown on.
    expect(signatureEqual('é', 'e')).toBe(false);
  });
});
