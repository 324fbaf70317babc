import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthThrottle } from '../../../src/http/auth-throttle.js';
import { type TestService, bodyOf, createApp, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';

/**
 * Finding 14: logout ends the session on the server (the cookie stayed valid
 * for up to 12 h), and sign-in and Bearer guesses are throttled per client
 * (~1,400 and ~3,400 guesses per second got answered).
 */

const TOKEN = 'admin-token-session-0123456789';
const form = (token: string) => ({ method: 'POST', body: `token=${encodeURIComponent(token)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });

describe.each(flavours)('admin sessions and guesses on %s', (flavour) => {
  let database: TestDatabase;
  let service: TestService;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    service = await createTestService(database, testConfig({ ADMIN_TOKEN: TOKEN, PUBLIC_URL: 'http://localhost' }));
  });
  afterAll(async () => {
    await service?.runtime.stop();
    await database?.drop();
  });
  // A fresh app per call (its own guess throttle, as another instance would have), over the one runtime.
  const appWith = () => createApp(service.deps);

  it('logout ends the session: the old cookie no longer opens the admin API or the status page, on any instance', async () => {
    const app = appWith();
    const login = await app.request('/login', form(TOKEN));
    expect(login.status, (await bodyOf(login)).text).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    expect((await app.request('/v1/jobs', { headers: { cookie } })).status).toBe(200);

    const logout = await app.request('/logout', { method: 'POST', headers: { cookie, origin: 'http://localhost' } });
    expect(logout.status).toBe(303);
    for (const instance of [app, appWith()]) {
      const api = await instance.request('/v1/jobs', { headers: { cookie } });
      expect(api.status, (await bodyOf(api)).text).toBe(401);
      const page = await instance.request('/', { headers: { cookie, accept: 'text/html' } });
      expect(await page.text()).toContain('action="/login"');
    }
    // A new sign-in works again.
    const again = await app.request('/login', form(TOKEN));
    const fresh = again.headers.get('set-cookie')!.split(';')[0];
    expect((await app.request('/v1/jobs', { headers: { cookie: fresh } })).status).toBe(200);
  });

  it('throttles sign-in guesses: after 10 wrong tokens a client gets 429, even with the right one', async () => {
    const app = appWith();
    for (let i = 0; i < 10; i++) expect((await app.request('/login', form(`wrong-${i}`))).status).toBe(401);
    const blocked = await app.request('/login', form(TOKEN));
    expect(blocked.status, (await bodyOf(blocked)).text).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('throttles Bearer guesses: after 10 wrong tokens a client gets 429 problem+json, even with the right one', async () => {
    const app = appWith();
    for (let i = 0; i < 10; i++) expect((await app.request('/v1/jobs', { headers: { authorization: `Bearer wrong-${i}` } })).status).toBe(401);
    const blocked = await app.request('/v1/jobs', { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = await bodyOf(blocked);
    expect(blocked.status, body.text).toBe(429);
    expect(blocked.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('does not count requests that present no credential (a browser without a session)', async () => {
    const app = appWith();
    for (let i = 0; i < 30; i++) expect((await app.request('/v1/jobs')).status).toBe(401);
    expect((await app.request('/v1/jobs', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});

describe('the guess throttle', () => {
  it('keeps clients apart, refills over time and remembers a bounded number of clients', () => {
    let now = 0;
    const throttle = createAuthThrottle({ burst: 3, refillPerMinute: 6, maxClients: 100, now: () => now });
    for (let i = 0; i < 3; i++) throttle.failed('a');
    expect(throttle.retryAfterMs('a')).toBeGreaterThan(0);
    expect(throttle.retryAfterMs('b')).toBe(0);
    now += 10_000; // one token back after 60 s / 6
    expect(throttle.retryAfterMs('a')).toBe(0);
    for (let i = 0; i < 1_000; i++) throttle.failed(`client-${i}`);
    expect(throttle.clients()).toBeLessThanOrEqual(100);
  });
});
