import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountBindings } from '../../../src/accounts/bindings.js';
import { getAccount, patchAccount, registerAccount } from '../../../src/accounts/repository.js';
import { createSecretBox } from '../../../src/accounts/secret-box.js';
import { DEFAULT_MAPPING } from '../../../src/crm/mapping.js';
import { setupCrm } from '../../../src/crm/setup.js';
import { createPipeline } from '../../../src/jobs/pipeline.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { testConfig } from '../../support/app.js';
import { makeJobs, realEnrichment } from '../../support/crm.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakePipedrive, type FakePipedriveOptions, startFakePipedrive } from '../../support/fakes/pipedrive-server.js';

/**
 * Issue 24.6: a Pipedrive plan caps custom fields per company (Lite 30), across
 * organizations, persons, deals and products. A refused field creation dead-lettered every
 * lead of that account; now:
 * - with the plan's limit known (the account's customFieldLimit, or PIPEDRIVE_CUSTOM_FIELD_LIMIT),
 *   the company's custom fields are counted first and a setup that does not fit creates
 *   nothing and pauses the account with the numbers;
 * - with it unknown, the fields are created and a refusal pauses the account;
 * - either way its jobs wait (no dead letters) until an operator resumes it.
 */

const TOKEN = 'pipedrive-field-room-token-0123456789';
/** The organization fields Verrijk's default mapping needs. */
const NEEDED = [...new Set(Object.values(DEFAULT_MAPPING.pipedrive))];

describe.each(flavours)('Pipedrive field room, on %s', (flavour) => {
  let database: TestDatabase;
  const fakes: FakePipedrive[] = [];
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
  });
  afterAll(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    await database?.drop();
  });

  /** One company on its own fake, registered with `customFieldLimit` (or none), and a pipeline serving it. */
  async function company(fakeOptions: FakePipedriveOptions, registered: { customFieldLimit?: number }, env: Record<string, string> = {}) {
    const companyId = 74_000_000 + Math.floor(Math.random() * 1_000_000);
    const fake = await startFakePipedrive({ token: TOKEN, companyId, ...fakeOptions });
    fakes.push(fake);
    const config = testConfig({ PIPEDRIVE_BASE_URL: fake.url, ...env });
    const logger = createLogger({ level: 'silent' });
    const metrics = createMetrics();
    const box = createSecretBox(randomBytes(32));
    const crm = setupCrm({ config, database, metrics, logger });
    const accounts = createAccountBindings({ config, database, crm, limiter: crm.limiter, box, metrics, logger });
    await registerAccount(database.db, box, { source: 'pipedrive', accountId: String(companyId), authKind: 'static', credentials: { apiToken: TOKEN }, ...registered });
    const run = createPipeline({ database, config, logger, enrichment: realEnrichment(), crm, accounts, metrics });
    const orgId = 940_000 + Math.floor(Math.random() * 50_000);
    fake.seedOrganization(orgId, 'Vol Plan B.V.', {});
    const [job] = await makeJobs(database, [{ source: 'pipedrive', accountId: String(companyId), objectType: 'organization', objectId: String(orgId) }], () => ({ sbi: '10.71' }));
    const once = async () => (await run([job], new AbortController().signal)).get(job.id);
    const fieldPosts = () => fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/v2/organizationFields')).length;
    const close = async () => {
      await accounts.close();
      await crm.close();
    };
    return { fake, companyId: String(companyId), orgId, once, fieldPosts, close };
  }

  it('with the limit known and the plan full: pauses the account before creating any field, and writes the cards once resumed with room', async () => {
    // 22 custom fields already: 5 of Verrijk's from an earlier setup (present, not needed), 3 other
    // organization fields, and deal, person and product fields of the company's own.
    const c = await company({ customFieldLimit: 30 }, { customFieldLimit: 30 });
    try {
      for (const name of NEEDED.slice(0, 5)) c.fake.addField(name);
      for (const name of ['Klantnummer', 'Accountmanager', 'Regio']) c.fake.addField(name);
      for (let i = 0; i < 8; i++) c.fake.addOtherField('dealFields', `Deal veld ${i}`);
      for (let i = 0; i < 4; i++) c.fake.addOtherField('personFields', `Persoon veld ${i}`);
      for (let i = 0; i < 2; i++) c.fake.addOtherField('productFields', `Product veld ${i}`);
      expect(c.fake.customFieldCount()).toBe(22);
      const missing = NEEDED.length - 5;

      const outcome = await c.once();
      expect(outcome, JSON.stringify(outcome)).toMatchObject({ kind: 'retry', waiting: true });
      expect(c.fieldPosts()).toBe(0);
      for (const listing of ['personFields', 'dealFields', 'productFields']) expect(c.fake.requests.some((r) => r.method === 'GET' && r.path === `/api/v2/${listing}`)).toBe(true);
      const account = await getAccount(database.db, 'pipedrive', c.companyId);
      expect(account?.state).toBe('paused');
      expect(account?.stateReason).toContain(`the company has 22 custom fields, Verrijk needs ${missing} more`);
      expect(account?.stateReason).toContain("the plan's custom-field limit is 30: nothing was created");
      expect(account?.stateReason).toContain(`Delete ${22 + missing - 30} unused custom fields`);
      expect(account?.stateReason).toMatch(/raise customFieldLimit/);
      expect(account?.stateReason).toMatch(/mappingOverride/);
      expect(c.fake.fields).toHaveLength(8);

      // The company upgrades to Growth: the operator raises the limit and resumes the account.
      c.fake.setCustomFieldLimit(100);
      await patchAccount(database.db, undefined, 'pipedrive', c.companyId, { customFieldLimit: 100, state: 'active' });
      const resumed = await c.once();
      expect(resumed, JSON.stringify(resumed)).toMatchObject({ kind: 'done', detail: { writeStatus: 'written' } });
      expect(c.fieldPosts()).toBe(missing);
      expect(c.fake.customByName(c.orgId)['CBS SBI code']).toBe('1071');
      expect((await getAccount(database.db, 'pipedrive', c.companyId))?.state).toBe('active');
    } finally {
      await c.close();
    }
  });

  it('with the limit unknown: creates fields until Pipedrive refuses one, then pauses the account and keeps its jobs waiting', async () => {
    // A full plan the operator has not told Verrijk about.
    const c = await company({ customFieldLimit: 0 }, {});
    try {
      const outcome = await c.once();
      expect(outcome, JSON.stringify(outcome)).toMatchObject({ kind: 'retry', waiting: true });
      expect(c.fieldPosts()).toBe(1);
      // Nothing was counted: the other listings are read only to check a known limit.
      expect(c.fake.requests.some((r) => r.path.startsWith('/api/v2/dealFields'))).toBe(false);
      const account = await getAccount(database.db, 'pipedrive', c.companyId);
      expect(account?.state).toBe('paused');
      expect(account?.stateReason).toMatch(/custom-field limit/);
      // While paused, a new batch does not touch the CRM: it waits.
      const before = c.fake.requests.length;
      const again = await c.once();
      expect(again, JSON.stringify(again)).toMatchObject({ kind: 'retry', waiting: true });
      expect(c.fake.requests.length).toBe(before);
    } finally {
      await c.close();
    }
  });

  it('with the limit known but a field listing refused (an OAuth app without the deals scope): pauses the account, creating nothing', async () => {
    const c = await company({ customFieldLimit: 100 }, { customFieldLimit: 100 });
    try {
      c.fake.fail({ status: 403, match: /^GET \/api\/v2\/dealFields/, times: 10 });
      const outcome = await c.once();
      expect(outcome, JSON.stringify(outcome)).toMatchObject({ kind: 'retry', waiting: true });
      expect(c.fieldPosts()).toBe(0);
      const account = await getAccount(database.db, 'pipedrive', c.companyId);
      expect(account?.state).toBe('paused');
      expect(account?.stateReason).toMatch(/^listing dealFields to count the company's custom fields .* was refused \(403\): nothing was created/);
      expect(account?.stateReason).toMatch(/clear customFieldLimit/);
    } finally {
      await c.close();
    }
  });

  it('with room enough under the deployment default: creates the fields and writes the card', async () => {
    const c = await company({ customFieldLimit: 30 }, {}, { PIPEDRIVE_CUSTOM_FIELD_LIMIT: '30' });
    try {
      for (let i = 0; i < 10; i++) c.fake.addOtherField('dealFields', `Deal veld ${i}`);
      const outcome = await c.once();
      expect(outcome, JSON.stringify(outcome)).toMatchObject({ kind: 'done', detail: { writeStatus: 'written' } });
      expect(c.fieldPosts()).toBe(NEEDED.length);
      expect(c.fake.customFieldCount()).toBe(10 + NEEDED.length);
      expect(c.fake.customByName(c.orgId)['CBS SBI code']).toBe('1071');
      expect((await getAccount(database.db, 'pipedrive', c.companyId))?.state).toBe('active');
    } finally {
      await c.close();
    }
  });
});
