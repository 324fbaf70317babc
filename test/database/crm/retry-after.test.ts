import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmError } from '../../../src/crm/crm-error.js';
import { parseRetryAfter } from '../../../src/outbound/retry.js';
import { queryRows } from '../../../src/db/client.js';
import { limiterKey } from '../../../src/crm/rate-limiter.js';
import { rateLimitViews } from '../../../src/ops/status.js';
import { bodyOf, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { crmKit, uniqueAccount } from '../../support/crm.js';
import { startFakeGenericCrm, type FakeGenericCrm } from '../../support/fakes/generic-crm-server.js';
import { startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { startFakePipedrive, type FakePipedrive } from '../../support/fakes/pipedrive-server.js';

/**
 * Findings 7 and 17: a CRM's Retry-After (or reset header) is honoured only up
 * to CRM_MAX_PAUSE_MS. A year-long value paused the account for a year, unseen;
 * `99999999999999` threw `RangeError: Invalid time value` in the limiter and was
 * retried as an unclassified error.
 */

const GEN_TOKEN = 'generic-token-retry-after-0123456789';
const PD_TOKEN = 'pipedrive-token-retry-after-0123456789';
const MINUTE = 60_000;
const YEAR_S = String(365 * 24 * 3600);
const ADMIN_TOKEN = 'admin-token-retry-after-0123456789';
const HS_TOKEN = 'pat-eu1-retry-after-0123456789';

describe('Retry-After bounds', () => {
  it.each(['99999999999999', '9'.repeat(400), '1e3', 'Fri, 31 Dec 9999 23:59:59 GMT', YEAR_S])('parses %s into a finite delay no longer than two days', (value) => {
    const ms = parseRetryAfter(value.length > 40 ? value : value, 1_700_000_000_000);
    if (ms === undefined) return;
    expect(Number.isFinite(ms)).toBe(true);
    expect(ms).toBeLessThanOrEqual(48 * 3600 * 1000);
    expect(() => new Date(1_700_000_000_000 + ms).toISOString()).not.toThrow();
  });

  describe('through the CRM client and the limiter', () => {
    let database: TestDatabase;
    let generic: FakeGenericCrm;
    let pipedrive: FakePipedrive;
    beforeAll(async () => {
      database = await createTestDatabase('pglite');
      generic = await startFakeGenericCrm({ token: GEN_TOKEN, limit: 1000 });
      pipedrive = await startFakePipedrive({ token: PD_TOKEN, limit: 1000 });
    });
    afterAll(async () => {
      await Promise.all([generic?.close(), pipedrive?.close()]);
      await database?.drop();
    });

    const kitFor = (env: Record<string, string> = {}) =>
      crmKit(database, testConfig({ GENERIC_CRM_URL: generic.url, GENERIC_CRM_TOKEN: GEN_TOKEN, PIPEDRIVE_API_TOKEN: PD_TOKEN, PIPEDRIVE_BASE_URL: pipedrive.url, ...env }));
    const pausedUntil = async () => {
      const rows = await queryRows<{ ms: string | number | null }>(database.db, sql`select max(extract(epoch from paused_until) * 1000) as ms from rate_limit_state`);
      return Number(rows[0].ms ?? 0);
    };
    const readError = async (kit: ReturnType<typeof crmKit>, source: 'generic' | 'pipedrive', objectId: string, objectType: string) => {
      const account = source === 'generic' ? 'default' : uniqueAccount('5');
      try {
        await kit.crm.adapter(source)!.readLeads(account, [{ source, accountId: account, objectType, objectId }]);
      } catch (err) {
        return err;
      }
      return undefined;
    };

    it('a 429 with Retry-After 99999999999999 is a classified rate limit, paused at most CRM_MAX_PAUSE_MS (default 15 min)', async () => {
      const kit = kitFor();
      generic.seed('ra-1', { company: 'x' });
      generic.fail({ status: 429, headers: { 'Retry-After': '99999999999999' } });
      const started = Date.now();
      const err = await readError(kit, 'generic', 'ra-1', 'lead');
      expect(err, String(err)).toBeInstanceOf(CrmError);
      const failure = (err as CrmError).failure;
      expect(failure.kind).toBe('rate_limited');
      const until = (failure as { until: Date }).until.getTime();
      expect(until).toBeGreaterThan(started);
      expect(until).toBeLessThanOrEqual(Date.now() + 15 * MINUTE);
      expect(await pausedUntil()).toBeLessThanOrEqual(Date.now() + 15 * MINUTE);
      expect((await kit.metrics.registry.getSingleMetricAsString('verrijk_crm_pause_capped_total'))).toMatch(/verrijk_crm_pause_capped_total\{crm="generic"\} 1/);
      await database.db.execute(sql`update rate_limit_state set paused_until = null`);
    });

    it('a year-long Retry-After on a 429 and on a 503 is capped at the configured CRM_MAX_PAUSE_MS', async () => {
      const kit = kitFor({ CRM_MAX_PAUSE_MS: String(2 * MINUTE) });
      generic.seed('ra-2', { company: 'x' });
      generic.fail({ status: 429, headers: { 'Retry-After': YEAR_S } });
      const limited = (await readError(kit, 'generic', 'ra-2', 'lead')) as CrmError;
      expect(limited.failure.kind).toBe('rate_limited');
      expect((limited.failure as { until: Date }).until.getTime()).toBeLessThanOrEqual(Date.now() + 2 * MINUTE);
      await database.db.execute(sql`update rate_limit_state set paused_until = null`);

      generic.fail({ status: 503, headers: { 'Retry-After': YEAR_S } });
      const outage = (await readError(kit, 'generic', 'ra-2', 'lead')) as CrmError;
      expect(outage.failure.kind).toBe('retry');
      const notBefore = (outage.failure as { notBefore?: Date }).notBefore;
      expect(notBefore).toBeDefined();
      expect(notBefore!.getTime()).toBeLessThanOrEqual(Date.now() + 2 * MINUTE);
    });

    it('a HubSpot 429 naming an unknown policy (U+0000, any text) is a plain 429: bounded metric labels, a storable pause reason', async () => {
      const hubspot = await startFakeHubspot({ token: HS_TOKEN, limit: 1000 });
      try {
        const kit = crmKit(database, testConfig({ HUBSPOT_ACCESS_TOKEN: HS_TOKEN, HUBSPOT_BASE_URL: hubspot.url }));
        hubspot.seed('company', '31337', { name: 'Policy BV' });
        for (const policy of ['X\u0000Y', `made-up-${Date.now()}`]) {
          hubspot.fail({ status: 429, policy });
          const account = uniqueAccount('4');
          const err = await kit.crm.adapter('hubspot')!.readLeads(account, [{ source: 'hubspot', accountId: account, objectType: 'company', objectId: '31337' }]).catch((e) => e);
          expect(err, String(err)).toBeInstanceOf(CrmError);
          expect((err as CrmError).failure.kind).toBe('rate_limited');
          await database.db.execute(sql`update rate_limit_state set paused_until = null`);
        }
        const text = await kit.metrics.registry.getSingleMetricAsString('verrijk_crm_429_total');
        expect(text).toContain('policy="429"');
        expect(text).not.toContain('made-up');
        await kit.crm.close();
      } finally {
        await hubspot.close();
      }
    });

    it('a long (daily) pause shows on the status page data and is releasable from the admin API', async () => {
      const kit = kitFor();
      const key = { crm: 'pipedrive' as const, accountId: `cred-release${Date.now()}` };
      const until = await kit.limiter.pause(key, new Date(Date.now() + 20 * 3_600_000), 'DAILY');
      expect(until.getTime()).toBeGreaterThan(Date.now() + 19 * 3_600_000);
      expect((await kit.limiter.tryAcquire(key)).granted).toBe(false);
      const views = await rateLimitViews(database.db);
      // Stored on the database's clock (review L5): the same moment, give or take the statement's own time.
      expect(Math.abs((views.find((v) => v.key === limiterKey(key))?.pausedUntil?.getTime() ?? 0) - until.getTime())).toBeLessThan(1_000);

      // The service's own limiter releases it: the pause is state in the database, shared by every limiter on it.
      const service = await createTestService(database, testConfig({ ADMIN_TOKEN }));
      const app = service.app;
      const post = (k: string, headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` }) =>
        app.request(`/v1/rate-limits/${encodeURIComponent(k)}/release`, { method: 'POST', headers });
      expect((await post(limiterKey(key), {})).status).toBe(401);
      const released = await post(limiterKey(key));
      expect(released.status, (await bodyOf(released)).text).toBe(200);
      expect((await kit.limiter.tryAcquire(key)).granted).toBe(true);
      const again = await post(limiterKey(key));
      expect(again.status, (await bodyOf(again)).text).toBe(404);
      expect((await post('hubspot:../x')).status).toBe(400);
      await service.runtime.stop();
    });

    it('a Pipedrive reset header of 99999999999999 s with nothing remaining pauses at most CRM_MAX_PAUSE_MS, without a RangeError', async () => {
      const kit = kitFor();
      pipedrive.seedOrganization(4242, 'Reset BV');
      pipedrive.fail({ status: 500, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '99999999999999' } });
      const err = await readError(kit, 'pipedrive', '4242', 'organization');
      expect(err, String(err)).toBeInstanceOf(CrmError);
      expect(await pausedUntil()).toBeLessThanOrEqual(Date.now() + 15 * MINUTE);
      await database.db.execute(sql`update rate_limit_state set paused_until = null`);
    });
  });
});
