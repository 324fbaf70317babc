import { eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jobs } from '../../../src/db/schema.js';
import type { JobHistoryEntry } from '../../../src/jobs/queue.js';
import type { JobOutcome, JobProcessor, JobRow } from '../../../src/jobs/types.js';
import { createIntakeGauge } from '../../../src/jobs/intake-gauge.js';
import type { WorkerPoolOptions } from '../../../src/jobs/worker.js';
import { memoryLogger } from '../../support/app.js';
import { flavours } from '../../support/db.js';
import { enqueueTestJob, uniqueRef } from '../../support/factories.js';
import { testWorkerPool, useEmptyQueue, waitUntil } from '../../support/jobs.js';

const done: JobProcessor = async (batch) => new Map(batch.map((j) => [j.id, { kind: 'done', detail: { by: 'test' } } as JobOutcome]));

describe.each(flavours)('worker pool on %s', (flavour) => {
  const queue = useEmptyQueue(flavour, { poolSize: 10 });
  const pool = (processor: JobProcessor, o: Partial<WorkerPoolOptions> = {}) => testWorkerPool(queue.database, processor, o);
  const statuses = async (ids: number[]) => (await queue.database.db.select().from(jobs).where(inArray(jobs.id, ids))).map((j) => j.status);

  it('wakes promptly on wake(), processes, and logs one line per job outcome', async () => {
    const mem = memoryLogger();
    const p = pool(done, { logger: mem.logger() });
    p.start();
    // Let the loops find the empty queue and go to sleep on the long poll.
    await new Promise((r) => setTimeout(r, 100));
    const { id } = await enqueueTestJob(queue.database.db);
    p.wake();
    await waitUntil(async () => (await statuses([id]))[0] === 'done', 'the woken worker');
    await p.stop();
    const line = mem.lines.map((l) => JSON.parse(l)).find((l) => l.jobId === id);
    expect(line).toMatchObject({ jobId: id, leadKey: expect.any(String), outcome: 'done', durationMs: expect.any(Number) });
  });

  it('retries jobs the processor left out, and the whole batch when it throws', async () => {
    const ref = uniqueRef();
    const a = await enqueueTestJob(queue.database.db, ref);
    const b = await enqueueTestJob(queue.database.db, { ...ref, objectId: 'b' });
    let calls = 0;
    // One loop, so both jobs arrive in one batch.
    const p = pool(async (batch) => {
      calls++;
      if (calls === 1) return new Map([[batch[0].id, { kind: 'done', detail: {} } as JobOutcome]]);
      throw new Error('CBS store unavailable');
    }, { concurrency: 1 });
    p.start();
    p.wake();
    await waitUntil(async () => {
      const [r] = await queue.database.db.select().from(jobs).where(eq(jobs.id, b.id));
      return r.attempts === 1 && r.status === 'queued';
    }, 'first batch');
    expect(await statuses([a.id])).toEqual(['done']);
    const [rowB] = await queue.database.db.select().from(jobs).where(eq(jobs.id, b.id));
    expect(rowB.lastError).toBe('the processor returned no outcome for this job');
    // Make it due again; the processor now throws.
    await queue.database.db.update(jobs).set({ runAt: new Date(Date.now() - 1000) }).where(eq(jobs.id, b.id));
    p.wake();
    await waitUntil(async () => {
      const [r] = await queue.database.db.select().from(jobs).where(eq(jobs.id, b.id));
      return r.attempts === 2 && r.status === 'queued';
    }, 'second attempt');
    await p.stop();
    const [after] = await queue.database.db.select().from(jobs).where(eq(jobs.id, b.id));
    expect(after.lastError).toBe('processor failed: CBS store unavailable');
    expect((after.history as JobHistoryEntry[]).map((h) => h.outcome)).toEqual(['retry', 'retry']);
  });

  it('renews the lease while a slow batch runs, so no other worker takes it over', async () => {
    const ids: number[] = [];
    const ref = uniqueRef();
    for (let i = 0; i < 4; i++) ids.push((await enqueueTestJob(queue.database.db, { ...ref, objectId: `s${i}` })).id);
    const seen: number[] = [];
    const slow: JobProcessor = async (batch) => {
      seen.push(...batch.map((j) => j.id));
      await new Promise((r) => setTimeout(r, 7_500));
      return done(batch, new AbortController().signal);
    };
    // The batch outlasts the lease 2.5 times; renewed every second, the lease is lost only if the process
    // stalls for 2 s (it was 1 s and 0.67 s: a loaded machine's pauses, not a bug, could lose it).
    const p1 = pool(slow, { leaseMs: 3_000, pollMs: 50, workerId: 'p1' });
    const p2 = pool(slow, { leaseMs: 3_000, pollMs: 50, workerId: 'p2' });
    p1.start();
    p2.start();
    await waitUntil(async () => (await statuses(ids)).every((s) => s === 'done'), 'all done');
    await Promise.all([p1.stop(), p2.stop()]);
    expect(seen.sort((a, b) => a - b)).toEqual(ids);
  });

  it('on stop, lets in-flight batches finish', async () => {
    const { id } = await enqueueTestJob(queue.database.db);
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const p = pool(async (batch) => {
      started();
      await new Promise((r) => setTimeout(r, 300));
      return done(batch, new AbortController().signal);
    });
    p.start();
    p.wake();
    await running;
    await p.stop();
    expect(await statuses([id])).toEqual(['done']);
  });

  it('on stop, releases what did not finish before the deadline, without counting the attempt', async () => {
    const { id } = await enqueueTestJob(queue.database.db);
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let aborted = false;
    const hanging: JobProcessor = (batch, signal) =>
      new Promise((resolve) => {
        started();
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve(new Map(batch.map((j) => [j.id, { kind: 'retry', error: 'aborted' } as JobOutcome])));
        });
      });
    const p = pool(hanging, { stopTimeoutMs: 200 });
    p.start();
    p.wake();
    await running;
    await p.stop();
    expect(aborted).toBe(true);
    const [row] = await queue.database.db.select().from(jobs).where(eq(jobs.id, id));
    expect(row).toMatchObject({ status: 'queued', attempts: 0, lockedBy: null });
  });

  it('on stop, a stopped batch keeps its lease until what it finished is recorded; only the rest is released', async () => {
    const first = await enqueueTestJob(queue.database.db);
    const second = await enqueueTestJob(queue.database.db);
    let started!: () => void;
    // Both jobs claimed (in one batch or in two loops' batches) before the stop comes.
    let claimed = 0;
    const running = new Promise<void>((r) => (started = () => ++claimed === 2 && r()));
    const heldWhileLanding: Array<string | null> = [];
    // The first job's CRM write is already under way when the stop comes: it lands after the abort.
    const landing: JobProcessor = (batch, signal) =>
      new Promise((resolve) => {
        for (const _ of batch) started();
        signal.addEventListener('abort', async () => {
          await new Promise((r) => setTimeout(r, 300));
          if (batch.some((j) => j.id === first.id)) {
            const rows = await queue.database.db.select().from(jobs).where(eq(jobs.id, first.id));
            heldWhileLanding.push(rows[0]?.lockedBy ?? null);
          }
          resolve(
            new Map(batch.map((j) => [j.id, (j.id === first.id ? { kind: 'done', detail: { written: true } } : { kind: 'retry', error: 'aborted' }) as JobOutcome])),
          );
        });
      });
    const p = pool(landing, { stopTimeoutMs: 200, batchSize: 10 });
    p.start();
    p.wake();
    await running;
    await p.stop();
    // Before, the jobs were released before the abort: another instance could take the first job
    // and write its card a second time while this write was still landing.
    expect(heldWhileLanding, 'the lease while the stopped batch finished').toEqual([p.workerId]);
    const rows = await queue.database.db.select().from(jobs).where(inArray(jobs.id, [first.id, second.id]));
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(first.id), JSON.stringify(byId.get(first.id))).toMatchObject({ status: 'done', lockedBy: null });
    expect(byId.get(second.id), JSON.stringify(byId.get(second.id))).toMatchObject({ status: 'queued', attempts: 0, lockedBy: null });
  });

  it('fans a burst out over the loops: one wake, and a loop that found work wakes the next', async () => {
    let inFlight = 0;
    let most = 0;
    const slow: JobProcessor = async (batch, signal) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 100));
      inFlight--;
      return done(batch, signal);
    };
    const p = pool(slow, { concurrency: 3, batchSize: 5 });
    p.start();
    // All three loops find the empty queue and sleep on the long poll.
    await new Promise((r) => setTimeout(r, 100));
    const ref = uniqueRef();
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push((await enqueueTestJob(queue.database.db, { ...ref, objectId: `burst${i}` })).id);
    p.wake();
    await waitUntil(async () => (await statuses(ids)).every((s) => s === 'done'), '30 jobs done');
    await p.stop();
    expect(most).toBe(3);
  });

  it('dead-letters a job whose last attempt\'s worker died, without running it again', async () => {
    const { id } = await enqueueTestJob(queue.database.db, uniqueRef(), 1);
    // A worker claimed the job's only attempt and died: its lease ran out a second ago.
    await queue.database.db.update(jobs).set({ status: 'running', attempts: 1, lockedBy: 'crashed', lockedUntil: new Date(Date.now() - 1000) }).where(eq(jobs.id, id));
    let ran = false;
    const p = pool(async (batch, signal) => {
      ran = true;
      return done(batch, signal);
    }, { pollMs: 50 });
    p.start();
    await waitUntil(async () => (await statuses([id]))[0] === 'dead', 'the sweep');
    await p.stop();
    expect(ran).toBe(false);
    const [row] = await queue.database.db.select().from(jobs).where(eq(jobs.id, id));
    expect(row.lastError).toMatch(/lease expired/);
  });

  it('with concurrency 0 (an intake-only instance) takes no job, and stops cleanly', async () => {
    const { id } = await enqueueTestJob(queue.database.db);
    let ran = false;
    const p = pool(async (batch, signal) => {
      ran = true;
      return done(batch, signal);
    }, { concurrency: 0, pollMs: 20 });
    p.start();
    p.wake();
    await new Promise((r) => setTimeout(r, 150));
    await p.stop();
    expect(ran).toBe(false);
    expect(await statuses([id])).toEqual(['queued']);
  });

  it('yields to intake: no claim while webhooks are in flight, but never for longer than yieldMaxMs', async () => {
    const gauge = createIntakeGauge();
    const leave = gauge.enter();
    const p = pool(done, { intake: gauge, yieldMaxMs: 600_000, pollMs: 20 });
    p.start();
    const { id } = await enqueueTestJob(queue.database.db);
    p.wake();
    await new Promise((r) => setTimeout(r, 300));
    expect(await statuses([id])).toEqual(['queued']);
    leave();
    await waitUntil(async () => (await statuses([id]))[0] === 'done', 'the job once intake went quiet');
    await p.stop();

    // Intake that never stops cannot starve the workers either.
    gauge.enter();
    const bounded = pool(done, { intake: gauge, yieldMaxMs: 100, pollMs: 20 });
    bounded.start();
    const other = await enqueueTestJob(queue.database.db);
    bounded.wake();
    await waitUntil(async () => (await statuses([other.id]))[0] === 'done', 'the job despite busy intake');
    await bounded.stop();
  });

  it('under lasting intake, the loops still run every batch (none waits forever)', async () => {
    const gauge = createIntakeGauge();
    gauge.enter(); // intake never goes quiet in this test
    for (let a = 0; a < 8; a++) await enqueueTestJob(queue.database.db, uniqueRef('generic', `spread-${a}-${Date.now()}`));
    const starts: number[] = [];
    const p = pool(async (batch, signal) => {
      starts.push(performance.now());
      return done(batch, signal);
    }, { intake: gauge, yieldMaxMs: 800, concurrency: 4 });
    p.start();
    await waitUntil(async () => starts.length >= 8, 'eight batches');
    await p.stop();
    // How far apart they start (800 ms / 4 loops = 200 ms) is the spacer's rule, proven on given instants in
    // test/unit/jobs/start-spacer.test.ts. Measured here, the gaps also held the claim query's latency, which a
    // loaded machine varies by more than the spacing: the test failed with the rule intact (issue 28).
    expect(starts).toHaveLength(8);
  });

  it('shares work between two pools: every job processed exactly once', async () => {
    const ids: number[] = [];
    for (let a = 0; a < 4; a++) {
      const ref = uniqueRef('generic', `shared-${a}-${Date.now()}`);
      for (let i = 0; i < 50; i++) ids.push((await enqueueTestJob(queue.database.db, { ...ref, objectId: `m${i}` })).id);
    }
    const counts = new Map<number, number>();
    const counting: JobProcessor = async (batch: JobRow[]) => {
      for (const j of batch) counts.set(j.id, (counts.get(j.id) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5));
      return done(batch, new AbortController().signal);
    };
    const p1 = pool(counting, { concurrency: 3, batchSize: 7, pollMs: 50 });
    const p2 = pool(counting, { concurrency: 3, batchSize: 7, pollMs: 50 });
    p1.start();
    p2.start();
    await waitUntil(async () => (await statuses(ids)).every((s) => s === 'done'), '200 jobs done');
    await Promise.all([p1.stop(), p2.stop()]);
    expect(counts.size).toBe(ids.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });
});
