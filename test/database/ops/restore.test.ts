import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAPPING } from '../../../src/crm/mapping.js';
import { createRateLimiter } from '../../../src/crm/rate-limiter.js';
import { createCrmRegistry } from '../../../src/crm/registry.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { applyRestore, planRestore, planRestorePages } from '../../../src/ops/restore.js';
import { type FakeGenericCrm, startFakeGenericCrm } from '../../support/fakes/generic-crm-server.js';
import { type FakePipedrive, startFakePipedrive } from '../../support/fakes/pipedrive-server.js';
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

  it('pages the plan in lead-key order, each lead once with its first write since the moment (L10)', async () => {
    const db = database.db;
    const since = new Date(Date.now() - 60_000);
    const leads = Array.from({ length: 5 }, () => leadRef({ source: 'hubspot', accountId: 'paged' }));
    for (const [i, lead] of leads.entries()) {
      await seedEnrichment(db, lead, null, { writeStatus: 'written', previousProperties: { cbs_sbi_code: `first-${i}` } });
      await seedEnrichment(db, lead, null, { writeStatus: 'written', previousProperties: { cbs_sbi_code: `second-${i}` } });
    }
    const pages: string[][] = [];
    for await (const page of planRestorePages(db, { since, source: 'hubspot', pageSize: 2 })) pages.push(page.map((p) => p.objectId));
    const mine = new Set(leads.map((l) => l.objectId));
    const planned = pages.flat().filter((id) => mine.has(id));
    expect(planned.sort()).toEqual([...mine].sort());
    expect(pages.every((p) => p.length <= 2), JSON.stringify(pages)).toBe(true);
    const plan = await planRestore(db, { since, source: 'hubspot' });
    for (const [i, lead] of leads.entries()) {
      expect(plan.find((p) => p.objectId === lead.objectId)?.properties).toEqual({ cbs_sbi_code: `first-${i}` });
    }
  });
});

describe.each(flavours)('restoring typed Pipedrive fields on %s (M7)', (flavour) => {
  const TOKEN = 'pipedrive-restore-token-0123456789';
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

  async function restore(since: Date) {
    const config = testConfig({ PIPEDRIVE_API_TOKEN: TOKEN, PIPEDRIVE_BASE_URL: pipedrive.url });
    const logger = createLogger({ level: 'silent' });
    const metrics = createMetrics();
    const limiter = createRateLimiter({ database, metrics, logger });
    const registry = createCrmRegistry({ config, mapping: DEFAULT_MAPPING, limiter, metrics, logger });
    try {
      return await applyRestore(await planRestore(database.db, { since, source: 'pipedrive' }), (s) => registry.adapter(s));
    } finally {
      await registry.close();
    }
  }

  it('clears number, date and dropdown fields that were empty, and one value that no longer fits does not stop the others', async () => {
    const names = DEFAULT_MAPPING.pipedrive;
    const sizeOptions = ['micro (micro)', 'small (klein)', 'medium (middelgroot)', 'large (groot)'].map((label, i) => ({ id: i + 1, label }));
    pipedrive.addField(names.cbs_enriched_at!, 'date');
    pipedrive.addField(names.cbs_size_category!, 'enum', sizeOptions);
    pipedrive.addField(names.cbs_businesses_in_segment!, 'double');
    const since = new Date(Date.now() - 60_000);

    // A fresh organization: every CBS field was empty before Verrijk's first write.
    const fresh = leadRef({ source: 'pipedrive', accountId: '5001', objectType: 'organization', objectId: '940001' });
    pipedrive.seedOrganization(940001, 'Bakkerij Vers', {
      [pipedrive.fieldKey(names.cbs_enriched_at!)!]: '2026-12-07',
      [pipedrive.fieldKey(names.cbs_size_category!)!]: 2,
      [pipedrive.fieldKey(names.cbs_businesses_in_segment!)!]: 1234,
    });
    await seedEnrichment(database.db, fresh, null, {
      writeStatus: 'written',
      previousProperties: { [names.cbs_enriched_at!]: null, [names.cbs_size_category!]: null, [names.cbs_businesses_in_segment!]: null, [names.cbs_source!]: null },
    });
    // Its previous dropdown label was since removed from the field: that one value cannot go back, the rest can.
    const renamed = leadRef({ source: 'pipedrive', accountId: '5001', objectType: 'organization', objectId: '940002' });
    pipedrive.seedOrganization(940002, 'Groot Transport', { [pipedrive.fieldKey(names.cbs_size_category!)!]: 4 });
    await seedEnrichment(database.db, renamed, null, {
      writeStatus: 'written',
      previousProperties: { [names.cbs_size_category!]: 'enorm (removed option)', [names.cbs_enriched_at!]: '2025-01-31', [names.cbs_source!]: 'handmatig' },
    });

    const outcomes = await restore(since);
    const byId = new Map(outcomes.map((o) => [o.leadKey.split(':').at(-1), o]));
    expect(byId.get('940001'), JSON.stringify(outcomes)).toMatchObject({ ok: true, detail: 'restored' });
    expect(pipedrive.customByName(940001)).toMatchObject({
      [names.cbs_enriched_at!]: null,
      [names.cbs_size_category!]: null,
      [names.cbs_businesses_in_segment!]: null,
      [names.cbs_source!]: '',
    });
    expect(byId.get('940002'), JSON.stringify(outcomes)).toMatchObject({ ok: true, partial: true });
    expect(byId.get('940002')?.detail).toContain('"enorm (removed option)" does not fit field');
    expect(pipedrive.customByName(940002)).toMatchObject({ [names.cbs_enriched_at!]: '2025-01-31', [names.cbs_source!]: 'handmatig', [names.cbs_size_category!]: 4 });
  });
});
