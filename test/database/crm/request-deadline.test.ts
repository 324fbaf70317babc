import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmError } from '../../../src/crm/crm-error.js';
import { CRM_CONNECTIONS, createCrmHttp } from '../../../src/crm/http.js';
import { createRateLimiter } from '../../../src/crm/rate-limiter.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { uniqueAccount } from '../../support/crm.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakeGenericCrm, startFakeGenericCrm } from '../../support/fakes/generic-crm-server.js';

/**
 * A granted request can reach the CRM long after its grant: it hangs, or it
 * waits in the client's pool for a connection that a hanging request holds.
 * The CRM counts it when it arrives. Counted from its grant, the limiter let
 * the next requests through while these were still on their way, and they all
 * arrived together (the chaos run saw 51 in a window of 50). Every request now
 * has one deadline, the wait for a connection included, and a grant counts in
 * the window until its request has settled, then a window more.
 *
 * The fake stamps arrivals off the wire (its relay runs on a thread of its own, wire-clock.ts): in this
 * thread a PGlite query holds the event loop, and under load the fake had stamped requests that reached
 * its socket over seconds as one burst (36 in a 500 ms window of 20).
 */

const TOKEN = 'generic-crm-deadline-token-0123456789';
const LIMIT = 20;
const WINDOW_MS = 500;
/** Long enough that, counted from their grants, two more windows' worth would queue up behind the hanging ones. */
const DEADLINE_MS = 2_000;

describe.each(flavours)('a CRM request on its way counts until it has settled, on %s', (flavour) => {
  let database: TestDatabase;
  let fake: FakeGenericCrm;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    fake = await startFakeGenericCrm({ token: TOKEN, limit: LIMIT, windowMs: WINDOW_MS });
    fake.seed('1', { name: 'Wachtrij BV' });
  });
  afterAll(async () => {
    await fake?.close();
    await database?.drop();
  });

  it('never lets requests held up behind hanging ones pile into one window, and aborts them at the deadline', async () => {
    const logger = createLogger({ level: 'silent' });
    const metrics = createMetrics();
    const limiter = createRateLimiter({ database, metrics, logger, limits: { generic: { limit: LIMIT, windowMs: WINDOW_MS } }, requestDeadlineMs: DEADLINE_MS });
    const http = createCrmHttp({
      crm: 'generic',
      baseUrl: fake.url,
      authHeaders: { authorization: `Bearer ${TOKEN}` },
      limiter,
      metrics,
      logger,
      observe: () => ({}),
      throttle: (_h, _b, now) => ({ until: new Date(now + WINDOW_MS), policy: '429', daily: false }),
    });
    // The first requests hang and hold every connection; the rest of the first window's grants wait in the pool.
    fake.fail({ hang: true, times: CRM_CONNECTIONS });
    const accountId = uniqueAccount('deadline');
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 3 * LIMIT }, () =>
        http.send(accountId, { op: 'read', method: 'GET', path: '/leads/1' }).then(
          (r) => ({ ok: r.status, ms: Date.now() - started }),
          (err: unknown) => ({ err, ms: Date.now() - started }),
        ),
      ),
    );
    await http.close();
    expect(fake.maxInAnyWindow(WINDOW_MS), `arrivals (ms): ${JSON.stringify(fake.requests.map((q) => q.at - started))}`).toBeLessThanOrEqual(LIMIT);

    const aborted = results.filter((r) => 'err' in r);
    const summary = JSON.stringify(results.map((r) => ('err' in r ? `${(r.err as Error).message} @${r.ms}` : `${r.ok} @${r.ms}`)));
    // The hanging ones end at the deadline (not at the pool's 15 s headers timeout), as retries; so may others
    // that waited for a connection until their deadline. How many those are depends on the machine's speed: on a
    // loaded 2-core box, PGlite's grants and the requests share one starved event loop and 56 of 60 met the 2 s
    // deadline, with the window count still within the limit (issue 28). What ended them is checked, not when.
    expect(aborted.length, summary).toBeGreaterThanOrEqual(CRM_CONNECTIONS);
    for (const r of aborted) {
      expect(r.err, summary).toBeInstanceOf(CrmError);
      expect((r.err as CrmError).failure.kind).toBe('retry');
      expect((r.err as Error).message).toContain(`took longer than ${DEADLINE_MS} ms`);
    }
    for (const r of results) if (!('err' in r)) expect(r.ok, summary).toBe(200);
    expect(fake.count(429), summary).toBe(0);
  }, 180_000);

  it('does not send a request whose grant reached it after the deadline (a starved process)', async () => {
    const logger = createLogger({ level: 'silent' });
    const metrics = createMetrics();
    const deadlineMs = 300;
    const limiter = createRateLimiter({ database, metrics, logger, limits: { generic: { limit: LIMIT, windowMs: WINDOW_MS } }, requestDeadlineMs: deadlineMs });
    // A CRM and credential of its own, so its budget starts empty: on the first test's credential the window
    // may still hold that test's last grants (they count a window past settling), the first ask is then
    // refused, and the grant is asked again after the starvation below (CI saw that: 200, not a refusal).
    const starvedFake = await startFakeGenericCrm({ token: `${TOKEN}-starved`, limit: LIMIT, windowMs: WINDOW_MS });
    starvedFake.seed('1', { name: 'Wachtrij BV' });
    const http = createCrmHttp({
      crm: 'generic',
      baseUrl: starvedFake.url,
      authHeaders: { authorization: `Bearer ${TOKEN}-starved` },
      limiter,
      metrics,
      logger,
      observe: () => ({}),
      throttle: (_h, _b, now) => ({ until: new Date(now + WINDOW_MS), policy: '429', daily: false }),
    });
    const before = starvedFake.requests.length;
    // The grant is asked for synchronously inside send(); then this process gets no CPU for longer than the
    // deadline (a loaded machine gave 17 s between asking and the grant coming back, issue 28). Blocking the
    // event loop is how a starved process looks from inside; the clock moves on whatever the machine's speed.
    const sent = http.send(uniqueAccount('starved'), { op: 'read', method: 'GET', path: '/leads/1' }).then(
      (r) => r.status,
      (err: unknown) => err,
    );
    const until = performance.now() + deadlineMs + 100;
    while (performance.now() < until) {
      // starved
    }
    const outcome = await sent;
    await http.close();
    const after = starvedFake.requests.length;
    await starvedFake.close();
    expect(outcome, String(outcome)).toBeInstanceOf(CrmError);
    expect((outcome as CrmError).failure.kind).toBe('retry');
    expect((outcome as Error).message).toContain('the grant came too late to send');
    // Counted from its grant it would have gone out now, after its window count had ended: it never left.
    expect(after - before).toBe(0);
  }, 120_000);
});
