import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmError } from '../../../src/crm/crm-error.js';
import { testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { startFakePipedrive, type FakePipedrive } from '../../support/fakes/pipedrive-server.js';
import { crmKit, uniqueAccount } from '../../support/crm.js';

/**
 * Review 2026-12, M4: a Pipedrive (or a proxy in front of it) that answers the
 * same `next_cursor` again made the field listing and the catch-up listing page
 * for ever, holding their batch (and its lease) or the sweep (and its lock).
 */

const TOKEN = 'pipedrive-paging-token-0123456789';

describe.each(flavours)('Pipedrive paging ends, on %s', (flavour) => {
  let database: TestDatabase;
  let pipedrive: FakePipedrive;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    pipedrive = await startFakePipedrive({ token: TOKEN });
  });
  afterAll(async () => {
    await pipedrive?.close();
    await database?.drop();
  });
  const adapter = () => {
    const kit = crmKit(database, testConfig({ PIPEDRIVE_API_TOKEN: TOKEN, PIPEDRIVE_BASE_URL: pipedrive.url }));
    return { adapter: kit.crm.adapter('pipedrive')!, close: () => kit.crm.close() };
  };
  const failure = (p: Promise<unknown>) => p.then((v) => new Error(`expected a failure, got ${JSON.stringify(v).slice(0, 200)}`), (e: unknown) => e);
  const count = (path: RegExp) => pipedrive.requests.filter((r) => path.test(r.path)).length;

  it('the organization field listing stops at a repeated cursor, as a retry', async () => {
    const { adapter: pd, close } = adapter();
    pipedrive.repeatCursor(/organizationFields$/);
    try {
      const before = count(/organizationFields$/);
      const err = await failure(pd.ensureProperties(uniqueAccount()));
      expect(err, String(err)).toBeInstanceOf(CrmError);
      expect((err as CrmError).failure.kind).toBe('retry');
      expect((err as CrmError).message).toMatch(/repeated a next_cursor/);
      expect(count(/organizationFields$/) - before).toBeLessThanOrEqual(3);
    } finally {
      pipedrive.repeatCursor(null);
      await close();
    }
  });

  it('the catch-up listing stops at a repeated cursor, as a retry', async () => {
    const { adapter: pd, close } = adapter();
    pipedrive.repeatCursor(/\/api\/v2\/organizations$/);
    try {
      const before = count(/\/api\/v2\/organizations$/);
      const err = await failure(pd.listSince!(uniqueAccount(), 'organization', new Date(Date.now() - 3_600_000), 500));
      expect(err, String(err)).toBeInstanceOf(CrmError);
      expect((err as CrmError).message).toMatch(/repeated a next_cursor/);
      expect(count(/\/api\/v2\/organizations$/) - before).toBeLessThanOrEqual(3);
    } finally {
      pipedrive.repeatCursor(null);
      await close();
    }
  });

  it('old 8: the field directory belongs to the credential: account ids a webhook names share one listing', async () => {
    const { adapter: pd, close } = adapter();
    try {
      const before = count(/organizationFields$/);
      await pd.ensureProperties(uniqueAccount());
      const first = count(/organizationFields$/) - before;
      for (let i = 0; i < 5; i++) await pd.ensureProperties(uniqueAccount());
      // The missing fields were created by the first call; five other "accounts" list nothing again.
      expect(count(/organizationFields$/) - before).toBe(first);
    } finally {
      await close();
    }
  });
});
