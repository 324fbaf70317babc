import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../../src/db/schema.js';
import { createTestService, type TestService, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { startMultiAccountCrm, type MultiAccountCrm } from '../../support/fakes/multi-account.js';
import { FINAL, waitUntil } from '../../support/service-kit.js';
import { hubspotCreation, hubspotV3, SECURITY_ENV } from '../../support/signed.js';

/**
 * An account's `mappingOverride` decides its writes: a portal registered with its own
 * mapping gets its card in the properties it names (and only those), while the other
 * portal of the same service keeps the deployment's mapping. An override that is not a
 * valid mapping of its CRM is refused at POST and PATCH, never stored; an account served
 * by the environment's credential cannot take one (it follows CRM_MAPPING_FILE).
 */

const ADMIN = 'mapping-override-admin-token-012345';
const ENV = { portal: 64_000_001, token: 'pat-eu1-mapping-env-portal-0123456' };
const OWN = { portal: 64_000_002, token: 'pat-eu1-mapping-own-portal-0123456' };
const OVERRIDE = { cbs_sbi_code: 'klant_sbi', cbs_sector: 'klant_sector' };

describe.each(flavours)('an account’s mappingOverride on %s', (flavour) => {
  let database: TestDatabase;
  let service: TestService;
  let router: MultiAccountCrm;
  const fakes: FakeHubspot[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    for (const a of [ENV, OWN]) {
      const fake = await startFakeHubspot({ token: a.token, portalId: a.portal });
      fake.seed('company', '5001', { name: 'Bakkerij Mapping', sbi_code: '10.71', numberofemployees: '12' });
      fakes.push(fake);
    }
    router = await startMultiAccountCrm(
      { env: { url: fakes[0].url, token: ENV.token }, own: { url: fakes[1].url, token: OWN.token } },
      { status: 401, body: { status: 'error', category: 'INVALID_AUTHENTICATION' } },
    );
    service = await createTestService(
      database,
      testConfig({
        ...SECURITY_ENV,
        ADMIN_TOKEN: ADMIN,
        ACCOUNTS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        HUBSPOT_ACCESS_TOKEN: ENV.token,
        HUBSPOT_BASE_URL: router.url,
        JOB_POLL_MS: '50',
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await service?.runtime.stop();
    await Promise.all([router?.close(), ...fakes.map((f) => f.close())]);
    await database?.drop();
  });

  const admin = (path: string, method: string, body?: unknown) =>
    service.app.request(path, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });

  it('refuses an invalid override at POST and PATCH and on an environment account, never storing it', async () => {
    await service.runtime.start();
    const bad = await admin('/v1/accounts', 'POST', { source: 'hubspot', accountId: String(OWN.portal), accessToken: OWN.token, mappingOverride: { not_a_field: 'x', cbs_sector: 'Has Capitals' } });
    const badText = await bad.text();
    expect(bad.status, badText).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(badText).toContain('mappingOverride.not_a_field');
    expect(badText).toContain('mappingOverride.cbs_sector');
    const listed = await (await admin('/v1/accounts', 'GET')).text();
    expect(listed).not.toContain(String(OWN.portal));

    const onEnv = await admin(`/v1/accounts/hubspot/${ENV.portal}`, 'PATCH', { mappingOverride: OVERRIDE });
    const onEnvText = await onEnv.text();
    expect(onEnv.status, onEnvText).toBe(400);
    expect(onEnvText).toContain('CRM_MAPPING_FILE');
  });

  it('writes the overriding account’s card in its own properties and the other account’s in the deployment’s', async () => {
    const reg = await admin('/v1/accounts', 'POST', { source: 'hubspot', accountId: String(OWN.portal), accessToken: OWN.token, mappingOverride: OVERRIDE });
    expect(reg.status, await reg.text()).toBe(201);
    const badPatch = await admin(`/v1/accounts/hubspot/${OWN.portal}`, 'PATCH', { mappingOverride: { cbs_sbi_code: 'a', cbs_sector: 'a' } });
    const badPatchText = await badPatch.text();
    expect(badPatch.status, badPatchText).toBe(400);
    expect(badPatchText).toContain('already targets');

    for (const a of [ENV, OWN]) {
      const res = await service.app.request(hubspotV3([hubspotCreation(a.portal, 5001)]));
      const text = await res.text();
      expect(res.status, text).toBe(200);
      expect(JSON.parse(text)).toMatchObject({ accepted: 1 });
    }
    await waitUntil(
      async () => {
        const rows = await database.db.select({ status: jobs.status }).from(jobs);
        return rows.length === 2 && rows.every((r) => FINAL.has(r.status));
      },
      60_000,
      'both jobs finished',
    );
    const rows = await database.db.select().from(jobs);
    for (const j of rows) expect(j.status, JSON.stringify({ account: j.accountId, error: j.lastError, history: j.history })).toBe('done');

    const envCard = fakes[0].cards.get('company:5001')!;
    const ownCard = fakes[1].cards.get('company:5001')!;
    expect(envCard.cbs_sbi_code, JSON.stringify(envCard)).toBeTruthy();
    expect(envCard.klant_sbi).toBeUndefined();
    expect(ownCard.klant_sbi, JSON.stringify(ownCard)).toBe(envCard.cbs_sbi_code);
    expect(ownCard.klant_sector).toBe(envCard.cbs_sector);
    // The override replaces the mapping: the deployment's properties are not written for this account.
    expect(ownCard.cbs_sbi_code).toBeUndefined();
    expect(ownCard.cbs_sbi_title).toBeUndefined();
  }, 120_000);
});
