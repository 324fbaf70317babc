import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAPPING } from '../../../src/crm/mapping.js';
import { createRateLimiter } from '../../../src/crm/rate-limiter.js';
import { createCrmRegistry } from '../../../src/crm/registry.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { applyRestore, planRestore } from '../../../src/ops/restore.js';
import { type FakeGenericCrm, startFakeGenericCrm } from '../../support/fakes/generic-crm-server.js';
import { testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { SAMPLE_CARD, leadRef, seedEnrichment } from '../../support/seed.js';

describe.each(flavours)('restoring cards from the audit trail on %s', (flavour) => {
  let database: TestDatabase;
  let fake: FakeGenericCrm;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    fake = await startFakeGenericCrm({ token: 'generic-crm-token-for-restore', limit: 100 });
  });
  afterAll(async () => {
    await fake?.close();
    await database?.drop();
  });

  it('plans the values from before the first write since the moment, and writes them back through the adapter', async () => {
    const db = database.db;
    const since = new Date(Date.now() - 60_000);
    const lead = leadRef({ source: 'generic', accountId: 'default', objectType: 'lead' });
    const untouched = leadRef({ source: 'generic', accountId: 'default', objectType: 'lead' });
    const dry = leadRef({ source: 'generic', accountId: 'default', objectType: 'lead' });
    const person = leadRef({ source: 'pipedrive', accountId: '77', objectType: 'person' });
    // Written before the moment: not part of this rollback.
    await seedEnrichment(db, untouched, null, { writeStatus: 'written', createdAt: new Date(Date.now() - 3600_000), previousProperties: { cbs_sbi_code: '01.1' } });
    await seedEnrichment(db, lead, null, { writeStatus: 'written', previousProperties: { cbs_sbi_code: '47.11', cbs_period: null } });
    await seedEnrichment(db, lead, null, { writeStatus: 'written', previousProperties: { cbs_sbi_code: SAMPLE_CARD.cbs_sbi_code, cbs_period: SAMPLE_CARD.cbs_period } });
    await seedEnrichment(db, dry, null, { writeStatus: 'dry_run' });
    await seedEnrichment(db, person, null, { writeStatus: 'written', previousProperties: { 'SBI code': null } });

    const plan = await planRestore(db, { since });
    const byKey = new Map(plan.map((p) => [p.objectId, p]));
    expect(byKey.has(untouched.objectId)).toBe(false);
    expect(byKey.has(dry.objectId)).toBe(false);
    expect(byKey.get(lead.objectId)).toMatchObject({ accountId: 'default', properties: { cbs_sbi_code: '47.11', cbs_period: '' } });
    expect(byKey.get(person.objectId)?.skip).toMatch(/organization/);
    expect(await planRestore(db, { since, source: 'hubspot' })).toEqual([]);

    fake.seed(lead.objectId, { company: 'Acme', cbs_sbi_code: '10.71', cbs_period: '2019 december', notes: 'keep me' });
    const config = testConfig({ GENERIC_CRM_URL: fake.url, GENERIC_CRM_TOKEN: 'generic-crm-token-for-restore' });
    const logger = createLogger({ level: 'silent' });
    const metrics = createMetrics();
    const limiter = createRateLimiter({ database, metrics, logger });
    const registry = createCrmRegistry({ config, mapping: DEFAULT_MAPPING, limiter, metrics, logger });
    const outcomes = await applyRestore(plan, (s) => registry.adapter(s));
    await registry.close();

    expect(outcomes.find((o) => o.leadKey.endsWith(`:${lead.objectId}`))).toMatchObject({ ok: true, detail: 'restored' });
    expect(outcomes.find((o) => o.leadKey.endsWith(`:${person.objectId}`))).toMatchObject({ ok: false });
    expect(fake.cards.get(lead.objectId)).toEqual({ id: lead.objectId, company: 'Acme', cbs_sbi_code: '47.11', cbs_period: '', notes: 'keep me' });
  });
});
