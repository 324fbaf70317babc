import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountBindings } from '../../../src/accounts/bindings.js';
import { markPaused, registerAccount } from '../../../src/accounts/repository.js';
import { createSecretBox } from '../../../src/accounts/secret-box.js';
import { setupCrm } from '../../../src/crm/setup.js';
import { jobs } from '../../../src/db/schema.js';
import { createCatchup } from '../../../src/jobs/catchup.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakePipedrive, startFakePipedrive } from '../../support/fakes/pipedrive-server.js';

/**
 * Issue 24: the catch-up sweep covered only the credential of the environment, so a client
 * whose webhooks never arrived was never swept. Every registered, active account is swept
 * now, with its own credential; a paused one is not.
 */

const TOKEN_A = 'pipedrive-catchup-registered-a-0123';
const TOKEN_B = 'pipedrive-catchup-registered-b-0123';

describe.each(flavours)('catch-up sweep per registered account, on %s', (flavour) => {
  let database: TestDatabase;
  let a: FakePipedrive;
  let b: FakePipedrive;
  const companyA = 73_000_000 + Math.floor(Math.random() * 100_000);
  const companyB = companyA + 500_000;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    a = await startFakePipedrive({ token: TOKEN_A, companyId: companyA });
    b = await startFakePipedrive({ token: TOKEN_B, companyId: companyB });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await database?.drop();
  });

  it('sweeps a registered account that never sent a webhook, with its own token, and skips a paused one', async () => {
    const recent = new Date(Date.now() - 60_000);
    a.seedOrganization(930001, 'Nooit Gemeld A B.V.', {}, recent);
    b.seedOrganization(930002, 'Nooit Gemeld B B.V.', {}, recent);
    const box = createSecretBox(randomBytes(32));
    // The environment has no Pipedrive token; both companies are registered. PIPEDRIVE_BASE_URL names A's
    // fake, so a sweep of the paused B (or any request with B's token) would show as a 401 there.
    const config = testConfig({ PIPEDRIVE_BASE_URL: a.url });
    const logger = createLogger({ level: 'silent' });
    const metrics = createMetrics();
    const crm = setupCrm({ config, database, metrics, logger });
    const bindings = createAccountBindings({ config, database, crm, limiter: crm.limiter, box, metrics, logger });
    await registerAccount(database.db, box, { source: 'pipedrive', accountId: String(companyA), authKind: 'static', credentials: { apiToken: TOKEN_A } });
    await registerAccount(database.db, box, { source: 'pipedrive', accountId: String(companyB), authKind: 'static', credentials: { apiToken: TOKEN_B } });
    await markPaused(database.db, 'pipedrive', String(companyB), 'paused by an operator');
    try {
      const report = await createCatchup({ database, crm, registry: bindings, logger }).runOnce();
      expect(report.ran).toBe(true);
      const sweptA = report.accounts.filter((r) => r.accountId === String(companyA));
      expect(sweptA.map((r) => r.objectType).sort(), JSON.stringify(report)).toEqual(['organization', 'person']);
      expect(report.accounts.some((r) => r.accountId === String(companyB)), JSON.stringify(report)).toBe(false);
      const made = await database.db.select().from(jobs).where(and(eq(jobs.reason, 'catchup'), eq(jobs.source, 'pipedrive')));
      expect(made.map((j) => `${j.accountId}:${j.objectId}`)).toEqual([`${companyA}:930001`]);
      // Every request reached A's fake with A's token (a foreign token would have been refused with a 401).
      expect(a.requests.every((r) => r.status !== 401), JSON.stringify(a.requests.map((r) => [r.path, r.status]))).toBe(true);
      expect(b.requests).toEqual([]);
    } finally {
      await bindings.close();
      await crm.close();
    }
  });
});
