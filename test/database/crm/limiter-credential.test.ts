import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { crmKit } from '../../support/crm.js';
import { startFakePipedrive, type FakePipedrive } from '../../support/fakes/pipedrive-server.js';

/**
 * Finding 8: the CRM counts requests per credential (Pipedrive: per API token,
 * 20 per rolling 2 s on the smallest plan), so our limiter must too. Keyed by
 * the account id a webhook names, 30 `company_id`s on one token made 30 budgets:
 * 520 requests in 2 s against a limit of 20.
 */

const PD_TOKEN = 'pipedrive-token-credential-0123456789';

describe('the rate limiter budget is the credential, not the account a webhook names', () => {
  let database: TestDatabase;
  let pipedrive: FakePipedrive;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    pipedrive = await startFakePipedrive({ token: PD_TOKEN, limit: 20, windowMs: 2_000 });
  });
  afterAll(async () => {
    await pipedrive?.close();
    await database?.drop();
  });

  it('30 company ids on one Pipedrive token stay within 20 requests per 2 s, with no 429', async () => {
    const kit = crmKit(database, testConfig({ PIPEDRIVE_API_TOKEN: PD_TOKEN, PIPEDRIVE_BASE_URL: pipedrive.url }));
    const adapter = kit.crm.adapter('pipedrive')!;
    pipedrive.seedOrganization(900, 'Gedeeld BV');
    const accounts = Array.from({ length: 30 }, (_, i) => String(7000 + i));
    await Promise.all(
      accounts.map((accountId) => adapter.readLeads(accountId, [{ source: 'pipedrive', accountId, objectType: 'organization', objectId: '900' }])),
    );
    await kit.crm.close();
    expect(pipedrive.count(429), `429 answers out of ${pipedrive.requests.length}`).toBe(0);
    expect(pipedrive.maxInAnyWindow(2_000), `requests in the busiest 2 s of ${pipedrive.requests.length}`).toBeLessThanOrEqual(20);
  }, 60_000);
});
