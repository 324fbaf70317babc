import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../../src/db/schema.js';
import { recordWebhook } from '../../../src/jobs/intake.js';
import { NEW_JOB_COLUMNS, newJobRow } from '../../../src/jobs/job-row.js';
import { enqueueJob } from '../../../src/jobs/queue.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../../src/jobs/retry-policy.js';
import type { JobPayload } from '../../../src/leads/job-payload.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { uniqueRef } from '../../support/factories.js';

/**
 * One definition of a new job (src/jobs/job-row.ts): intake's one-statement insert and
 * enqueueJobs must write the same row for the same job, so a column set in one path and
 * forgotten in the other shows here.
 */

describe('newJobRow', () => {
  it('sets every column it names, and the statement columns are their SQL names', () => {
    const ref = uniqueRef('hubspot');
    const row = newJobRow({ ref, reason: 'webhook', payload: { lead: {}, event: { type: 't' } } });
    expect(Object.keys(row).sort()).toEqual(NEW_JOB_COLUMNS.map((c) => c.key).sort());
    expect(row.maxAttempts).toBe(DEFAULT_MAX_ATTEMPTS);
    expect(NEW_JOB_COLUMNS.map((c) => c.name)).toEqual(['source', 'account_id', 'object_type', 'object_id', 'lead_key', 'reason', 'payload', 'max_attempts']);
  });
});

describe.each(flavours)('intake and enqueueJobs write the same job row, on %s', (flavour) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('for the same lead, reason and payload (a NUL from the CRM included)', async () => {
    const payload: JobPayload = { lead: { company: 'Null\u0000 B.V.', postcode: '1234 AB' }, event: { type: 'company.creation', eventId: 'e1' }, raw: { x: 1 } };
    const a = uniqueRef('hubspot');
    const b = { ...a, objectId: `${a.objectId}-b` };
    const intake = await recordWebhook(database, 'hubspot', {
      events: [{ ref: a, reason: 'webhook', dedupeKey: `job-row:${a.accountId}:${a.objectId}`, eventType: 'company.creation', payload }],
      ignored: [],
    });
    const enqueued = await enqueueJob(database.db, { ref: b, reason: 'webhook', payload });
    const rows = await database.db.select().from(jobs).where(inArray(jobs.id, [intake.jobIds[0], enqueued.id]));
    expect(rows).toHaveLength(2);
    const comparable = ({ id, objectId, leadKey, createdAt, updatedAt, runAt, ...rest }: (typeof rows)[number]) => rest;
    const [x, y] = rows.sort((p, q) => p.id - q.id);
    expect(comparable(x)).toEqual(comparable(y));
    expect(x).toMatchObject({ status: 'queued', attempts: 0, maxAttempts: DEFAULT_MAX_ATTEMPTS, leadKey: `hubspot:${a.accountId}:${a.objectType}:${a.objectId}` });
    expect((x.payload as JobPayload).lead.company).toBe('Null B.V.');
  });
});
