import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountBindings } from '../../../src/accounts/bindings.js';
import { getAccount, registerAccount } from '../../../src/accounts/repository.js';
import { createSecretBox } from '../../../src/accounts/secret-box.js';
import { setupCrm } from '../../../src/crm/setup.js';
import { createPipeline } from '../../../src/jobs/pipeline.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { testConfig } from '../../support/app.js';
import { makeJobs, realEnrichment } from '../../support/crm.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakePipedrive, startFakePipedrive } from '../../support/fakes/pipedrive-server.js';

/**
 * Issue 24.6: a Pipedrive plan caps custom fields per company (Lite 30). A refused field
 * creation dead-lettered every lead of that account; now it pauses the account with the
 * reason, and its jobs wait (no dead letters) until an operator resumes it.
 */

const TOKEN = 'pipedrive-field-room-token-0123456789';

describe.each(flavours)('Pipedrive field room, on %s', (flavour) => {
  let database: TestDatabase;
  let fake: FakePipedrive;
  const company = 74_000_000 + Math.floor(Math.random() * 100_000);
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    // A full plan: no room for one more custom field.
    fake = await startFakePipedrive({ token: TOKEN, companyId: company, customFieldLimit: 0 });
  });
  afterAll(async () => {
    await fake?.close();
    await database?.drop();
  });

  it('pauses the account with the reason and keeps its jobs waiting instead of dead-lettering them', async () => {
    fake.seedOrganization(940001, 'Vol Plan B.V.', {});
    const config = testConfig({ PIPEDRIVE_BASE_URL: fake.url });
    const logger = createLogger({ level: 'silent' });
    const metrics = createMetrics();
    const box = createSecretBox(randomBytes(32));
    const crm = setupCrm({ config, database, metrics, logger });
    const accounts = createAccountBindings({ config, database, crm, limiter: crm.limiter, box, metrics, logger });
    await registerAccount(database.db, box, { source: 'pipedrive', accountId: String(company), authKind: 'static', credentials: { apiToken: TOKEN } });
    try {
      const run = createPipeline({ database, config, logger, enrichment: realEnrichment(), crm, accounts, metrics });
      const [job] = await makeJobs(database, [{ source: 'pipedrive', accountId: String(company), objectType: 'organization', objectId: '940001' }], () => ({ sbi: '10.71' }));
      const outcomes = await run([job], new AbortController().signal);
      const outcome = outcomes.get(job.id);
      expect(outcome, JSON.stringify([...outcomes])).toMatchObject({ kind: 'retry', waiting: true });
      const account = await getAccount(database.db, 'pipedrive', String(company));
      expect(account?.state).toBe('paused');
      expect(account?.stateReason).toMatch(/custom-field limit/);
      // While paused, a new batch does not touch the CRM: it waits.
      const before = fake.requests.length;
      const again = await run([job], new AbortController().signal);
      expect(again.get(job.id), JSON.stringify([...again])).toMatchObject({ kind: 'retry', waiting: true });
      expect(fake.requests.length).toBe(before);
    } finally {
      await accounts.close();
      await crm.close();
    }
  });
});
