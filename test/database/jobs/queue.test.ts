import { eq, inArray, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jobs } from '../../../src/db/schema.js';
import {
  type JobHistoryEntry,
  claimJobs,
  extendLease,
  finishJob,
  finishJobs,
  jobCounts,
  listJobs,
  queueStats,
  releaseJobs,
  requeueJobs,
  sweepExpiredLeases,
} from '../../../src/jobs/queue.js';
import { MAX_LEASE_LOSSES } from '../../../src/jobs/retry-policy.js';
import { flavours } from '../../support/db.js';
import { enqueueTestJob, uniqueRef } from '../../support/factories.js';
import { useEmptyQueue } from '../../support/jobs.js';

describe.each(flavours)('queue on %s', (flavour) => {
  // Every test starts from an empty queue: claims pick the oldest ready job of any account.
  const queue = useEmptyQueue(flavour);
  const db = () => queue.database.db;
  const row = async (id: number) => (await db().select().from(jobs).where(eq(jobs.id, id)))[0];
  const history = async (id: number) => (await row(id)).history as JobHistoryEntry[];

  it('claims a ready job with a lease, once', async () => {
    const { id } = await enqueueTestJob(db());
    const [job] = await claimJobs(db(), { workerId: 'w1', limit: 10, leaseMs: 60_000 });
    expect(job).toMatchObject({ id, status: 'running', lockedBy: 'w1', attempts: 1 });
    expect(job.lockedUntil!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(await claimJobs(db(), { workerId: 'w2', limit: 10, leaseMs: 60_000 })).toEqual([]);
  });

  it('claims concurrently without handing a job to two workers', async () => {
    const ref = uniqueRef();
    const ids = [];
    for (let i = 0; i < 40; i++) ids.push((await enqueueTestJob(db(), { ...ref, objectId: `o${i}` })).id);
    const batches = await Promise.all(Array.from({ length: 8 }, (_, w) => claimJobs(db(), { workerId: `w${w}`, limit: 10, leaseMs: 60_000 })));
    const claimed = batches.flat().map((j) => j.id);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.length).toBeLessThanOrEqual(40);
    // Whatever the first round missed, the next rounds take; nothing twice.
    let more = await claimJobs(db(), { workerId: 'x', limit: 100, leaseMs: 60_000 });
    while (more.length) {
      claimed.push(...more.map((j) => j.id));
      more = await claimJobs(db(), { workerId: 'x', limit: 100, leaseMs: 60_000 });
    }
    expect([...claimed].sort((a, b) => a - b)).toEqual(ids);
  });

  it('makes each batch of one source and account', async () => {
    const a = uniqueRef('hubspot', 'portal-a');
    const b = uniqueRef('hubspot', 'portal-b');
    const c = uniqueRef('pipedrive', 'portal-a');
    for (let i = 0; i < 3; i++) {
      await enqueueTestJob(db(), { ...a, objectId: `a${i}` });
      await enqueueTestJob(db(), { ...b, objectId: `b${i}` });
      await enqueueTestJob(db(), { ...c, objectId: `c${i}` });
    }
    const seen = new Set<string>();
    for (;;) {
      const batch = await claimJobs(db(), { workerId: 'w', limit: 10, leaseMs: 60_000 });
      if (!batch.length) break;
      const keys = new Set(batch.map((j) => `${j.source}/${j.accountId}`));
      expect(keys.size).toBe(1);
      expect(batch).toHaveLength(3);
      seen.add([...keys][0]);
    }
    expect(seen).toEqual(new Set(['hubspot/portal-a', 'hubspot/portal-b', 'pipedrive/portal-a']));
  });

  it('takes over a job whose lease expired and notes it in the history', async () => {
    const { id } = await enqueueTestJob(db());
    const [first] = await claimJobs(db(), { workerId: 'crashed', limit: 1, leaseMs: 60_000 });
    // Not before the lease runs out, and not before the sweep queued it again. The lease is ended by
    // hand: a 100 ms lease could run out between two statements on a loaded machine (issue 28).
    expect(await sweepExpiredLeases(db())).toEqual({ requeued: 0, dead: 0 });
    await db().update(jobs).set({ lockedUntil: sql`now() - interval '1 second'` }).where(eq(jobs.id, id));
    expect(await claimJobs(db(), { workerId: 'rescuer', limit: 1, leaseMs: 60_000 })).toEqual([]);
    expect(await sweepExpiredLeases(db())).toEqual({ requeued: 1, dead: 0 });
    expect(await row(id)).toMatchObject({ status: 'queued', lockedBy: null, lockedUntil: null, attempts: 1 });
    const [again] = await claimJobs(db(), { workerId: 'rescuer', limit: 1, leaseMs: 60_000 });
    expect(again).toMatchObject({ id, lockedBy: 'rescuer', attempts: 2 });
    expect(await history(id)).toEqual([expect.objectContaining({ attempt: 1, outcome: 'lease_expired', worker: 'crashed' })]);
    // The crashed worker's late answer is refused.
    expect(await finishJob(db(), first, { kind: 'done', detail: {} }, 'crashed')).toBeNull();
    expect(await finishJob(db(), again, { kind: 'done', detail: { ok: 1 } }, 'rescuer')).toMatchObject({ status: 'done' });
  });

  it('extends a lease only for the worker holding it', async () => {
    const { id } = await enqueueTestJob(db());
    await claimJobs(db(), { workerId: 'w1', limit: 1, leaseMs: 1000 });
    expect(await extendLease(db(), [id], 'w2', 60_000)).toBe(0);
    expect(await extendLease(db(), [id], 'w1', 60_000)).toBe(1);
    expect((await row(id)).lockedUntil!.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });

  it('finishes done and skipped jobs with an audit entry', async () => {
    const ref = uniqueRef();
    const a = await enqueueTestJob(db(), ref);
    const b = await enqueueTestJob(db(), { ...ref, objectId: 'other' });
    const claimed = await claimJobs(db(), { workerId: 'w', limit: 10, leaseMs: 60_000 });
    const byId = new Map(claimed.map((j) => [j.id, j]));
    await finishJob(db(), byId.get(a.id)!, { kind: 'done', detail: { written: true } }, 'w', { durationMs: 12 });
    await finishJob(db(), byId.get(b.id)!, { kind: 'skipped', reason: 'outside rollout' }, 'w', { durationMs: 3 });
    const ra = await row(a.id);
    expect(ra).toMatchObject({ status: 'done', lockedBy: null, lockedUntil: null, outcome: { kind: 'done', detail: { written: true } } });
    expect(ra.finishedAt).toBeInstanceOf(Date);
    expect(ra.history).toEqual([expect.objectContaining({ attempt: 1, outcome: 'done', durationMs: 12, worker: 'w' })]);
    expect(await history(b.id)).toEqual([expect.objectContaining({ outcome: 'skipped', reason: 'outside rollout' })]);
  });

  it('finishes a whole batch in one call, each job by its own outcome, skipping jobs whose lease was lost', async () => {
    const ref = uniqueRef();
    const ids: number[] = [];
    for (const objectId of ['done', 'skipped', 'later', 'backoff', 'dead', 'lost']) ids.push((await enqueueTestJob(db(), { ...ref, objectId })).id);
    const [done, skipped, later, backoff, dead, lost] = ids;
    const claimed = await claimJobs(db(), { workerId: 'w', limit: 10, leaseMs: 60_000 });
    expect(claimed.map((j) => j.id)).toEqual(ids);
    // Another worker took `lost` over (its lease expired meanwhile).
    await db().update(jobs).set({ lockedBy: 'rescuer' }).where(eq(jobs.id, lost));
    const notBefore = new Date(Date.now() + 90_000);
    const outcomes: Record<number, Parameters<typeof finishJob>[2]> = {
      [done]: { kind: 'done', detail: { written: true } },
      [skipped]: { kind: 'skipped', reason: 'unchanged' },
      [later]: { kind: 'retry', error: '429', notBefore },
      [backoff]: { kind: 'retry', error: 'CRM 503' },
      [dead]: { kind: 'dead', error: 'HubSpot 401' },
      [lost]: { kind: 'done', detail: {} },
    };
    const results = await finishJobs(db(), claimed.map((job) => ({ job, outcome: outcomes[job.id] })), 'w', {
      durationMs: 7,
      backoff: { baseMs: 60_000, capMs: 60_000 },
    });
    expect([...results.keys()].sort((a, b) => a - b)).toEqual([done, skipped, later, backoff, dead]);
    // The CRM's moment as a delay on the database's clock (review L5): the same moment, give or take the statement.
    expect(Math.abs(results.get(later)!.runAt.getTime() - notBefore.getTime())).toBeLessThan(1_000);
    const backoffDelay = results.get(backoff)!.runAt.getTime() - Date.now();
    expect(backoffDelay).toBeGreaterThan(25_000);
    expect(backoffDelay).toBeLessThanOrEqual(61_000);

    expect(await row(done)).toMatchObject({ status: 'done', outcome: { kind: 'done', detail: { written: true } }, lastError: null, lockedBy: null });
    expect((await row(done)).finishedAt).toBeInstanceOf(Date);
    expect(await row(skipped)).toMatchObject({ status: 'skipped', outcome: { kind: 'skipped', reason: 'unchanged' } });
    expect(await row(later)).toMatchObject({ status: 'queued', lastError: '429', outcome: null, finishedAt: null, lockedUntil: null });
    expect(await row(backoff)).toMatchObject({ status: 'queued', lastError: 'CRM 503', finishedAt: null });
    expect(await row(dead)).toMatchObject({ status: 'dead', lastError: 'HubSpot 401', outcome: { kind: 'dead', error: 'HubSpot 401' } });
    expect(await row(lost)).toMatchObject({ status: 'running', lockedBy: 'rescuer', history: [] });
    expect(await history(later)).toEqual([expect.objectContaining({ attempt: 1, outcome: 'retry', error: '429', runAt: notBefore.toISOString(), durationMs: 7, worker: 'w' })]);
    expect(await history(skipped)).toEqual([expect.objectContaining({ outcome: 'skipped', reason: 'unchanged' })]);
    expect(await finishJobs(db(), [], 'w')).toEqual(new Map());
  });

  it('backs off on retry, honours notBefore, and dead-letters after maxAttempts', async () => {
    const { id } = await enqueueTestJob(db(), uniqueRef(), 3);
    const backoff = { baseMs: 60_000, capMs: 120_000 };
    let [job] = await claimJobs(db(), { workerId: 'w', limit: 1, leaseMs: 60_000 });
    const r1 = await finishJob(db(), job, { kind: 'retry', error: 'CRM 503' }, 'w', { backoff });
    expect(r1!.status).toBe('queued');
    const delay = r1!.runAt.getTime() - Date.now();
    expect(delay).toBeGreaterThan(25_000);
    expect(delay).toBeLessThanOrEqual(61_000);
    expect(await claimJobs(db(), { workerId: 'w', limit: 1, leaseMs: 60_000 })).toEqual([]);

    const makeDue = () => db().update(jobs).set({ runAt: sql`now() - interval '1 second'` }).where(eq(jobs.id, id));
    await makeDue();
    [job] = await claimJobs(db(), { workerId: 'w', limit: 1, leaseMs: 60_000 });
    const notBefore = new Date(Date.now() + 90_000);
    const r2 = await finishJob(db(), job, { kind: 'retry', error: '429', notBefore }, 'w', { backoff });
    expect(Math.abs(r2!.runAt.getTime() - notBefore.getTime())).toBeLessThan(1_000);

    await makeDue();
    [job] = await claimJobs(db(), { workerId: 'w', limit: 1, leaseMs: 60_000 });
    expect(job.attempts).toBe(3);
    const r3 = await finishJob(db(), job, { kind: 'retry', error: 'still 503' }, 'w', { backoff });
    expect(r3!.status).toBe('dead');
    const dead = await row(id);
    expect(dead.lastError).toBe('gave up after 3 attempts: still 503');
    expect((dead.history as JobHistoryEntry[]).map((h) => [h.attempt, h.outcome])).toEqual([
      [1, 'retry'],
      [2, 'retry'],
      [3, 'dead'],
    ]);
  });

  it('retries for the window counted from the first failure, not for a fixed number of attempts', async () => {
    // Default policy: attempt 9 of a failing job is still retried (the old 8-attempt default dead-lettered it after ~21 min).
    const { id } = await enqueueTestJob(db());
    const makeDue = () => db().update(jobs).set({ runAt: sql`now() - interval '1 second'` }).where(eq(jobs.id, id));
    let job!: Awaited<ReturnType<typeof claimJobs>>[number];
    for (let attempt = 1; attempt <= 9; attempt++) {
      [job] = await claimJobs(db(), { workerId: 'w', limit: 1, leaseMs: 60_000 });
      expect(job.attempts).toBe(attempt);
      expect(await finishJob(db(), job, { kind: 'retry', error: 'CRM 503' }, 'w')).toMatchObject({ status: 'queued' });
      await makeDue();
    }
    const firstFailedAt = (await row(id)).firstFailedAt!;
    expect(firstFailedAt).toBeInstanceOf(Date);
    expect(Date.now() - firstFailedAt.getTime()).toBeLessThan(60_000);

    // The window is counted from that first failure: 23 h in, a failure is retried, and the delay is cut to end at the window.
    const window = { baseMs: 60 * 60_000, capMs: 2 * 60 * 60_000, windowMs: 24 * 60 * 60_000 };
    await db().update(jobs).set({ firstFailedAt: sql`now() - interval '23 hours 59 minutes'` }).where(eq(jobs.id, id));
    [job] = await claimJobs(db(), { workerId: 'w', limit: 1, leaseMs: 60_000 });
    const r = await finishJob(db(), job, { kind: 'retry', error: 'CRM 503' }, 'w', { backoff: window });
    expect(r!.status).toBe('queued');
    expect(r!.runAt.getTime() - Date.now()).toBeLessThanOrEqual(61_000);
    // At the window's end, the next failure is final, with the span in the reason.
    await makeDue();
    await db().update(jobs).set({ firstFailedAt: sql`now() - interval '24 hours 1 minute'` }).where(eq(jobs.id, id));
    [job] = await claimJobs(db(), { workerId: 'w', limit: 1, leaseMs: 60_000 });
    expect(await finishJob(db(), job, { kind: 'retry', error: 'CRM 503' }, 'w', { backoff: window })).toMatchObject({ status: 'dead' });
    expect((await row(id)).lastError).toBe('gave up after 11 attempts over 24.0 h: CRM 503');

    // A manual retry starts a fresh window.
    expect(await requeueJobs(db(), { id })).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'queued', attempts: 0, firstFailedAt: null });
  });

  it('dead-letters a job whose workers stopped answering MAX_LEASE_LOSSES times, however many attempts it may have', async () => {
    const { id } = await enqueueTestJob(db());
    const results = [];
    for (let i = 0; i < MAX_LEASE_LOSSES; i++) {
      await db().update(jobs).set({ runAt: sql`now() - interval '1 second'` }).where(eq(jobs.id, id));
      expect(await claimJobs(db(), { workerId: `crashed-${i}`, limit: 1, leaseMs: 20 })).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 60));
      results.push(await sweepExpiredLeases(db()));
    }
    expect(results).toEqual([...Array.from({ length: MAX_LEASE_LOSSES - 1 }, () => ({ requeued: 1, dead: 0 })), { requeued: 0, dead: 1 }]);
    expect(await row(id)).toMatchObject({ status: 'dead', attempts: MAX_LEASE_LOSSES, maxAttempts: 1000 });
  });

  it('dead-letters at once on a dead outcome, and an expired last attempt is not run again', async () => {
    const a = await enqueueTestJob(db());
    const [ja] = await claimJobs(db(), { workerId: 'w', limit: 1, leaseMs: 60_000 });
    expect(await finishJob(db(), ja, { kind: 'dead', error: 'HubSpot 401: bad token' }, 'w')).toMatchObject({ status: 'dead' });
    expect((await row(a.id)).lastError).toBe('HubSpot 401: bad token');

    const b = await enqueueTestJob(db(), uniqueRef(), 1);
    await claimJobs(db(), { workerId: 'crashed', limit: 1, leaseMs: 50 });
    await new Promise((r) => setTimeout(r, 100));
    // Not handed out again, even before the sweep has run.
    expect(await claimJobs(db(), { workerId: 'w', limit: 1, leaseMs: 60_000 })).toEqual([]);
    expect(await row(b.id)).toMatchObject({ status: 'running', lockedBy: 'crashed' });
    expect(await sweepExpiredLeases(db())).toEqual({ requeued: 0, dead: 1 });
    expect(await row(b.id)).toMatchObject({ status: 'dead', lastError: expect.stringMatching(/lease expired/), outcome: { kind: 'dead' }, lockedBy: null });
    expect((await history(b.id)).at(-1)).toMatchObject({ outcome: 'dead', worker: 'crashed' });
    expect(await sweepExpiredLeases(db())).toEqual({ requeued: 0, dead: 0 });
  });

  it('releases a stopping worker\'s jobs without counting the attempt', async () => {
    const { id } = await enqueueTestJob(db());
    const other = await enqueueTestJob(db());
    const claimed = await claimJobs(db(), { workerId: 'stopping', limit: 1, leaseMs: 60_000 });
    await claimJobs(db(), { workerId: 'staying', limit: 1, leaseMs: 60_000 });
    expect(claimed[0].id).toBe(id);
    expect(await releaseJobs(db(), 'stopping')).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'queued', attempts: 0, lockedBy: null });
    expect(await row(other.id)).toMatchObject({ status: 'running', lockedBy: 'staying' });
    expect(await history(id)).toEqual([expect.objectContaining({ outcome: 'released', worker: 'stopping' })]);
    // A late finish from the stopped worker is refused.
    expect(await finishJob(db(), claimed[0], { kind: 'done', detail: {} }, 'stopping')).toBeNull();
  });

  it('retries dead letters: by id, in bulk by source, with attempts reset and a history note', async () => {
    const ids: number[] = [];
    for (const source of ['hubspot', 'hubspot', 'pipedrive'] as const) {
      const { id } = await enqueueTestJob(db(), uniqueRef(source));
      ids.push(id);
    }
    for (;;) {
      const batch = await claimJobs(db(), { workerId: 'w', limit: 10, leaseMs: 60_000 });
      if (!batch.length) break;
      for (const j of batch) await finishJob(db(), j, { kind: 'dead', error: 'permanent' }, 'w');
    }
    expect(await requeueJobs(db(), { id: ids[0] })).toBe(1);
    expect(await row(ids[0])).toMatchObject({ status: 'queued', attempts: 0, reason: 'retry', finishedAt: null });
    expect((await history(ids[0])).at(-1)).toMatchObject({ outcome: 'manual_retry', reason: 'was dead (webhook)', error: 'permanent' });
    expect(await requeueJobs(db(), { id: ids[0] })).toBe(0);
    expect(await requeueJobs(db(), { status: 'dead', source: 'pipedrive' })).toBe(1);
    expect(await requeueJobs(db(), {})).toBe(1);
    const rows = await db().select().from(jobs).where(inArray(jobs.id, ids));
    expect(rows.every((r) => r.status === 'queued')).toBe(true);
  });

  it('lists, pages and counts jobs', async () => {
    const ref = uniqueRef('generic');
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await enqueueTestJob(db(), ref)).id);
    const first = await listJobs(db(), { leadKey: `generic:${ref.accountId}:lead:${ref.objectId}`, limit: 3 });
    expect(first.map((j) => j.id)).toEqual(ids.slice(2).reverse());
    const next = await listJobs(db(), { leadKey: first[0].leadKey, limit: 3, beforeId: first.at(-1)!.id });
    expect(next.map((j) => j.id)).toEqual(ids.slice(0, 2).reverse());
    expect(await jobCounts(db())).toEqual({ queued: 5, running: 0, done: 0, skipped: 0, dead: 0 });
    await db().update(jobs).set({ runAt: sql`now() - interval '30 seconds'` }).where(eq(jobs.id, ids[0]));
    const stats = await queueStats(db());
    expect(stats.oldestReadyAgeSeconds).toBeGreaterThanOrEqual(29);
    expect(stats.oldestReadyAgeSeconds).toBeLessThan(120);
  });
});
