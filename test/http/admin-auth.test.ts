import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretEqual, signatureEqual } from '../../src/constant-time.js';
import { createSessionValue, verifySessionValue } from '../../src/http/admin-auth.js';
import { baseDeps, bodyOf, createApp, testConfig } from '../helpers/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../helpers/db.js';

const TOKEN = 'admin-token-for-tests-0123456789';

/** Every admin route with a request that is valid apart from authentication, and what it answers when authorised. */
const ADMIN_ROUTES: Array<{ method: string; path: string; ok: number }> = [
  { method: 'GET', path: '/v1/leads/hubspot/123', ok: 404 },
  { method: 'POST', path: '/v1/leads/hubspot/123/enrich', ok: 404 },
  { method: 'GET', path: '/v1/jobs?status=dead', ok: 200 },
  { method: 'POST', path: '/v1/jobs/1/retry', ok: 404 },
  { method: 'POST', path: '/v1/jobs/retry?status=dead', ok: 202 },
  { method: 'GET', path: '/v1/cbs/tables', ok: 200 },
  { method: 'POST', path: '/v1/cbs/refresh', ok: 503 },
  { method: 'POST', path: '/v1/rate-limits/pipedrive:cred-0123456789ab/release', ok: 503 },
];

describe.each(flavours)('admin authentication on %s', (flavour) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
  });
  afterAll(async () => {
    await database?.drop();
  });
  const appWith = (env: Record<string, string> = { ADMIN_TOKEN: TOKEN }) => createApp(baseDeps(database, testConfig(env)));

  it.each(ADMIN_ROUTES)('$method $path: 401 admin-disabled when ADMIN_TOKEN is unset, even with a token', async (r) => {
    const res = await appWith({}).request(r.path, { method: r.method, headers: { authorization: `Bearer ${TOKEN}` } });
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(body.json.type).toBe('urn:verrijk:problem:admin-disabled');
    expect(body.json.detail).toMatch(/ADMIN_TOKEN/);
  });

  it.each(ADMIN_ROUTES)('$method $path: 401 without credentials', async (r) => {
    const res = await appWith().request(r.path, { method: r.method });
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(body.json.type).toBe('urn:verrijk:problem:unauthorized');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it.each(ADMIN_ROUTES)('$method $path: 401 with a wrong token', async (r) => {
    for (const header of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ', `Basic ${TOKEN}`, TOKEN]) {
      const res = await appWith().request(r.path, { method: r.method, headers: { authorization: header } });
      const body = await bodyOf(res);
      expect(res.status, `${header}: ${body.text}`).toBe(401);
      expect(body.json.type).toBe('urn:verrijk:problem:unauthorized');
      expect(body.text).not.toContain(TOKEN);
    }
  });

  it.each(ADMIN_ROUTES)('$method $path: passes with the right token', async (r) => {
    const res = await appWith().request(r.path, { method: r.method, headers: { authorization: `Bearer ${TOKEN}` } });
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(r.ok);
  });

  it('GET / shows the login form without credentials, the status page with them, and 401 when admin is disabled', async () => {
    const form = await appWith().request('/', { headers: { accept: 'text/html' } });
    const formBody = await bodyOf(form);
    expect(form.status, formBody.text).toBe(200);
    expect(formBody.text).toContain('action="/login"');
    expect(formBody.text).not.toContain('Recent enrichments');

    const page = await appWith().request('/', { headers: { authorization: `Bearer ${TOKEN}` } });
    const pageBody = await bodyOf(page);
    expect(page.status, pageBody.text).toBe(200);
    expect(pageBody.text).toContain('Recent enrichments');

    const wrong = await appWith().request('/', { headers: { authorization: 'Bearer nope-nope-nope-nope' } });
    expect(wrong.status, (await bodyOf(wrong)).text).toBe(401);

    const disabledHtml = await appWith({}).request('/', { headers: { accept: 'text/html' } });
    const disabledBody = await bodyOf(disabledHtml);
    expect(disabledHtml.status, disabledBody.text).toBe(401);
    expect(disabledBody.text).toContain('Admin is disabled');
    const disabledJson = await appWith({}).request('/');
    expect(disabledJson.headers.get('content-type')).toBe('application/problem+json');
  });

  it('logs in with the form: an HttpOnly SameSite=Strict cookie that is not the token, accepted by admin routes', async () => {
    const app = appWith();
    const bad = await app.request('/login', { method: 'POST', body: new URLSearchParams({ token: 'wrong-token-wrong-token' }) });
    const badBody = await bodyOf(bad);
    expect(bad.status, badBody.text).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    expect(badBody.text).toContain('not right');

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
    expect((await bodyOf(page)).text).toContain('Recent enrichments');
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
