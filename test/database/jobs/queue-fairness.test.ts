import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jobAccountTurns, jobs } from '../../../src/db/schema.js';
import { claimJobs, enqueueJobs, jobClass } from '../../../src/jobs/queue.js';
import type { LeadRef } from '../../../src/leads/identity.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { uniqueRef } from '../../support/factories.js';

/**
 * Issue 27: a lead someone waits for (webhook, catch-up, re-enrich) is always claimed before
 * background work (backfill, refresh), and accounts take turns, so one account's backlog never
 * holds another account's jobs back.
 */
describe.each(flavours)('queue fairness on %s', (flavour) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    await database.db.delete(jobs);
    await database.db.delete(jobAccountTurns);
  });

  const db = () => database.db;
  const enqueue = (account: string, reason: string, count: number) =>
    enqueueJobs(
      db(),
      Array.from({ length: count }, (_, i): { ref: LeadRef; reason: string; payload: { lead: object; event: { type: string } } } => ({
        ref: { ...uniqueRef('hubspot', account), objectType: 'company', objectId: String(1000 + i) },
        reason,
        payload: { lead: {}, event: { type: reason } },
      })),
    );
  const claim = () => claimJobs(db(), { workerId: 'w', limit: 25, leaseMs: 60_000 });

  it('classes backfill and refresh as background work and everything else as foreground', () => {
    expect(['backfill', 'refresh'].map(jobClass)).toEqual([1, 1]);
    expect(['webhook', 'catchup', 'reenrich', 'retry'].map(jobClass)).toEqual([0, 0, 0, 0]);
  });

  it('claims a webhook job enqueued after 500 backfill jobs before any of them', async () => {
    await enqueue('111', 'backfill', 500);
    const [webhook] = await enqueue('111', 'webhook', 1);
    const first = await claim();
    expect(first.map((j) => j.id), JSON.stringify(first.map((j) => j.reason))).toEqual([webhook]);
    const second = await claim();
    expect(second).toHaveLength(25);
    expect(second.every((j) => j.reason === 'backfill')).toBe(true);
  });

  it("never hands out a batch that mixes a lead someone waits for with background work", async () => {
    await enqueue('222', 'webhook', 3);
    await enqueue('222', 'refresh', 3);
    const batches = [await claim(), await claim()];
    expect(batches.map((b) => [...new Set(b.map((j) => jobClass(j.reason)))])).toEqual([[0], [1]]);
  });

  it('takes accounts in turn: a second account is served after one batch of the first, however big its backlog', async () => {
    await enqueue('333', 'backfill', 200);
    await enqueue('444', 'backfill', 30);
    await enqueue('555', 'backfill', 30);
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      const batch = await claim();
      expect(new Set(batch.map((j) => j.accountId)).size).toBe(1);
      order.push(batch[0].accountId);
    }
    // Every account within the first three batches, then round again.
    expect(new Set(order.slice(0, 3))).toEqual(new Set(['333', '444', '555']));
    expect(new Set(order.slice(3, 6))).toEqual(new Set(['333', '444', '555']));
  });

  it("serves another account's webhook before the next batch of an account it just served", async () => {
    await enqueue('666', 'webhook', 60);
    await claim();
    await enqueue('777', 'webhook', 1);
    const next = await claim();
    expect(next.map((j) => j.accountId)).toEqual(['777']);
  });
});
