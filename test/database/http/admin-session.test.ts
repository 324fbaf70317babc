import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthThrottle } from '../../../src/http/auth-throttle.js';
import { type TestService, bodyOf, createApp, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';

/**
 * Finding 14: logout ends the session on the server (the cookie stayed valid
 * for up to 12 h), and sign-in and Bearer guesses are throttled per client
 * (~1,400 and ~3,400 guesses per second got answered). Review 2026-12: L1
 * (parallel sign-ins all evaluated) and L2 (anyone behind the same proxy
 * locks the admin out; TRUST_PROXY).
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

  it('evaluates no more parallel sign-ins than the throttle has tokens (review 2026-12, L1: checked before the body, charged after)', async () => {
    const app = appWith();
    // 30 guesses sent at once: each passes the check before any body is read.
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => app.request('/login', form(`wrong-${i}`))));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length, statuses.join(' ')).toBe(10);
    expect(statuses.filter((s) => s === 429).length, statuses.join(' ')).toBe(20);
  });

  it('charges nothing for a right sign-in: 10 of them in a row still leave room for the admin', async () => {
    const app = appWith();
    for (let i = 0; i < 12; i++) {
      const res = await app.request('/login', form(TOKEN));
      expect(res.status, (await bodyOf(res)).text).toBe(303);
    }
  });

  it('with TRUST_PROXY, keys guesses on the X-Forwarded-For client, so one client cannot lock the admin out (review 2026-12, L2)', async () => {
    const app = createApp({ ...service.deps, config: { ...service.deps.config, trustProxy: true } });
    const from = (client: string) => ({ 'x-forwarded-for': `203.0.113.9, ${client}` });
    for (let i = 0; i < 12; i++) await app.request('/v1/jobs', { headers: { authorization: `Bearer wrong-${i}`, ...from('198.51.100.1') } });
    const attacker = await app.request('/v1/jobs', { headers: { authorization: `Bearer ${TOKEN}`, ...from('198.51.100.1') } });
    expect(attacker.status, (await bodyOf(attacker)).text).toBe(429);
    const admin = await app.request('/v1/jobs', { headers: { authorization: `Bearer ${TOKEN}`, ...from('198.51.100.2') } });
    expect(admin.status, (await bodyOf(admin)).text).toBe(200);
    // The client's own earlier entries are claims, not addresses: varying them changes nothing.
    const spoofed = await app.request('/v1/jobs', { headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '1.2.3.4, 198.51.100.1' } });
    expect(spoofed.status, (await bodyOf(spoofed)).text).toBe(429);
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
