import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEvents } from '../../../src/db/schema.js';
import { pruneWebhookEvents } from '../../../src/jobs/retention.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';

describe.each(flavours)('webhook event retention on %s', (flavour) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('prunes events older than 4 days and keeps younger ones, even when asked for less', async () => {
    const day = 24 * 60 * 60 * 1000;
    const at = (ageMs: number) => new Date(Date.now() - ageMs);
    await database.db.insert(webhookEvents).values([
      { source: 'hubspot', dedupeKey: 'old-1', eventType: 't', receivedAt: at(5 * day) },
      { source: 'hubspot', dedupeKey: 'old-2', eventType: 't', receivedAt: at(4 * day + 60_000) },
      { source: 'hubspot', dedupeKey: 'young', eventType: 't', receivedAt: at(4 * day - 60_000) },
      { source: 'hubspot', dedupeKey: 'new', eventType: 't' },
    ]);
    // A retention below the 4-day floor is raised to it: dedupe must outlive every CRM's retries.
    expect(await pruneWebhookEvents(database.db, 60_000)).toBe(2);
    const left = await database.db.select({ k: webhookEvents.dedupeKey }).from(webhookEvents).orderBy(sql`1`);
    expect(left.map((r) => r.k)).toEqual(['new', 'young']);
  });
});
