import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmHttp } from '../../../src/crm/http.js';
import { createRateLimiter } from '../../../src/crm/rate-limiter.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { queryRows } from '../../../src/db/client.js';
import { uniqueAccount } from '../../support/crm.js';
import { mostInAnyWindow } from '../../support/fakes/crm-fake-base.js';

/**
 * The limiter's budget is the account, as the CRMs count (Pipedrive: the daily budget per
 * company, a token per company; HubSpot: per portal), never a hash of the token: an OAuth
 * access token that is refreshed mid-run keeps its account's window, and two accounts do
 * not hold each other back.
 */

const LIMIT = 20;
const WINDOW_MS = 2_000;

interface Seen {
  at: number;
  account: string;
  token: string;
}

/** A loopback CRM that takes any token and logs when each request arrived, for which account (`/orgs/{account}`). */
async function startCountingCrm(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ at: Date.now(), account: String(req.url?.split('/')[2]), token: String(req.headers['x-api-token']) });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('the rate limiter budget is the account, not the token', () => {
  let database: TestDatabase;
  let crm: Awaited<ReturnType<typeof startCountingCrm>>;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    crm = await startCountingCrm();
  });
  afterAll(async () => {
    await crm?.close();
    await database?.drop();
  });

  it('a token refreshed mid-run keeps its account window; another account has a window of its own', async () => {
    const logger = createLogger({ level: 'silent' });
    const metrics = createMetrics();
    const limiter = createRateLimiter({ database, metrics, logger, limits: { pipedrive: { limit: LIMIT, windowMs: WINDOW_MS } } });
    const client = (token: string) =>
      createCrmHttp({
        crm: 'pipedrive',
        baseUrl: crm.url,
        authHeaders: { 'x-api-token': token },
        limiter,
        metrics,
        logger,
        observe: () => ({}),
        throttle: (_h, _b, now) => ({ until: new Date(now + WINDOW_MS), policy: '429', daily: false }),
        maxWaitMs: 60_000,
      });
    // Company A's access token before and after a refresh; company B's own token.
    const before = client('oauth-access-token-company-a-before');
    const after = client('oauth-access-token-company-a-after-refresh');
    const other = client('api-token-company-b-0123456789');
    const a = uniqueAccount('company');
    const b = uniqueAccount('company');
    const calls = [
      ...Array.from({ length: 30 }, (_, i) => (i < 15 ? before : after).send(a, { op: 'read', method: 'GET', path: `/orgs/${a}/${i}` })),
      ...Array.from({ length: 30 }, (_, i) => other.send(b, { op: 'read', method: 'GET', path: `/orgs/${b}/${i}` })),
    ];
    const results = await Promise.allSettled(calls);
    await Promise.all([before.close(), after.close(), other.close()]);
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    expect(failed, failed.join('\n')).toEqual([]);

    const ofA = crm.seen.filter((s) => s.account === a);
    const ofB = crm.seen.filter((s) => s.account === b);
    expect(new Set(ofA.map((s) => s.token)).size, 'company A was called with both tokens').toBe(2);
    expect(mostInAnyWindow(ofA, WINDOW_MS), 'company A, both tokens together').toBeLessThanOrEqual(LIMIT);
    expect(mostInAnyWindow(ofB, WINDOW_MS), 'company B').toBeLessThanOrEqual(LIMIT);
    // The grants are counted per company, under the account's key, whatever the token.
    const keys = await queryRows<{ key: string; n: number | string }>(
      database.db,
      sql`select key, count(*) as n from rate_limit_grants where key in (${`pipedrive:${a}`}, ${`pipedrive:${b}`}) or key like 'pipedrive:cred-%' group by key order by key`,
    );
    expect(keys.map((k) => `${k.key}=${Number(k.n)}`).sort()).toEqual([`pipedrive:${a}=30`, `pipedrive:${b}=30`].sort());
  }, 120_000);
});
