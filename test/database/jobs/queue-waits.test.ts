import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobs } from '../../../src/db/schema.js';
import { type JobHistoryEntry, claimJobs, finishJob, requeueJobs } from '../../../src/jobs/queue.js';
import { queryRows } from '../../../src/db/client.js';
import { flavours } from '../../support/db.js';
import { enqueueTestJob } from '../../support/factories.js';
import { useEmptyQueue } from '../../support/jobs.js';

/**
 * Review 2026-12: M6 (a CRM answering 429 for ever kept its jobs alive for ever,
 * one history entry per try) and L5 (retry times from the instance's clock,
 * compared with the database's `now()`).
 */

describe.each(flavours)('waits on a CRM limit, on %s', (flavour) => {
  const queue = useEmptyQueue(flavour);
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const db = () => queue.database.db;
  const row = async (id: number) => (await db().select().from(jobs).where(eq(jobs.id, id)))[0];
  const wait = (ms = 0) => ({ kind: 'retry' as const, error: '429 TEN_SECONDLY_ROLLING', notBefore: new Date(Date.now() + ms), waiting: true });
  const backoff = { baseMs: 10, capMs: 10, windowMs: 60_000, waitWindowMs: 60_000 };
  /** Claims the job (it is due) and finishes its attempt with `outcome`. */
  async function attempt(id: number, outcome: Parameters<typeof finishJob>[2]) {
    await db().update(jobs).set({ runAt: sql`now()` }).where(eq(jobs.id, id));
    const [job] = await claimJobs(db(), { workerId: 'w', limit: 1, leaseMs: 60_000 });
    expect(job?.id).toBe(id);
    return finishJob(db(), job, outcome, 'w', { backoff });
  }

  it('records a run of waits as one history entry with a count, and no attempt', async () => {
    const { id } = await enqueueTestJob(db());
    for (let i = 0; i < 6; i++) expect((await attempt(id, wait()))?.status).toBe('queued');
    const job = await row(id);
    const history = job.history as JobHistoryEntry[];
    expect(history, JSON.stringify(history)).toHaveLength(1);
    expect(history[0]).toMatchObject({ outcome: 'retry', waiting: true, waits: 6 });
    expect(job.attempts).toBe(0);
    expect(job.firstFailedAt).toBeNull();
    expect(job.waitingSince).not.toBeNull();
    // A counted failure ends the run of waits: its own entry, and the next wait starts a new one.
    await attempt(id, { kind: 'retry', error: 'HTTP 503' });
    await attempt(id, wait());
    const after = await row(id);
    expect((after.history as JobHistoryEntry[]).map((h) => h.waits ?? 1)).toEqual([6, 1, 1]);
  });

  it('dead-letters a job that has waited longer than the wait window without one counted attempt, saying why', async () => {
    const { id } = await enqueueTestJob(db());
    await attempt(id, wait());
    // Two minutes of waits already behind it (the window is one minute).
    await db().update(jobs).set({ waitingSince: sql`now() - interval '2 minutes'` }).where(eq(jobs.id, id));
    const result = await attempt(id, wait());
    expect(result?.status).toBe('dead');
    const job = await row(id);
    expect(job.lastError).toMatch(/gave up after waiting 2 min for the CRM's rate limits/);
    // An operator's retry starts it over, waits included.
    expect(await requeueJobs(db(), { id })).toBe(1);
    expect((await row(id)).waitingSince).toBeNull();
  });

  // PGlite's clock is this process's Date.now(): an embedded database cannot disagree with its instance.
  it.skipIf(flavour === 'pglite')("L5: a CRM's 'in 30 s' is 30 s on the database's clock, however far behind the instance's runs", async () => {
    const { id } = await enqueueTestJob(db());
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 600_000);
    await attempt(id, wait(30_000));
    vi.restoreAllMocks();
    const [{ ahead }] = await queryRows<{ ahead: number }>(db(), sql`select extract(epoch from run_at - now())::float8 as ahead from jobs where id = ${id}`);
    expect(Number(ahead)).toBeGreaterThan(25);
    expect(Number(ahead)).toBeLessThan(35);
  });
});
