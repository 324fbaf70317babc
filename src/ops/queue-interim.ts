import { and, desc, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Queryable, Tx } from '../db/client.js';
import { jobs } from '../db/schema.js';
import { type JobPayload, type LeadRef, leadKey } from '../jobs/types.js';

/**
 * Interim queue operations the admin surface needs until src/jobs/queue.ts lands
 * (same names and signatures, so switching is an import change).
 */

export const JOB_STATUSES = ['queued', 'running', 'done', 'skipped', 'dead'] as const;

export async function jobCounts(db: Queryable): Promise<Record<string, number>> {
  const rows = await db.select({ status: jobs.status, n: sql<number>`count(*)::int` }).from(jobs).groupBy(jobs.status);
  const counts: Record<string, number> = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0]));
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}

export interface ListJobsFilter {
  status?: string;
  source?: string;
  leadKey?: string;
  limit?: number;
  beforeId?: number;
}

export async function listJobs(db: Queryable, f: ListJobsFilter) {
  const where: SQL[] = [];
  if (f.status) where.push(eq(jobs.status, f.status));
  if (f.source) where.push(eq(jobs.source, f.source));
  if (f.leadKey) where.push(eq(jobs.leadKey, f.leadKey));
  if (f.beforeId) where.push(lt(jobs.id, f.beforeId));
  return db
    .select()
    .from(jobs)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(jobs.id))
    .limit(f.limit ?? 50);
}

export async function retryJobs(db: Queryable, f: { id?: number; status?: string; source?: string }): Promise<number> {
  const where: SQL[] = [inArray(jobs.status, ['dead', 'skipped', 'done'])];
  if (f.id !== undefined) where.push(eq(jobs.id, f.id));
  if (f.status) where.push(eq(jobs.status, f.status));
  if (f.source) where.push(eq(jobs.source, f.source));
  const rows = await db
    .update(jobs)
    .set({ status: 'queued', attempts: 0, runAt: new Date(), lockedUntil: null, lockedBy: null, reason: 'retry', updatedAt: new Date(), finishedAt: null })
    .where(and(...where))
    .returning({ id: jobs.id });
  return rows.length;
}

export async function enqueueJob(tx: Tx | Queryable, input: { ref: LeadRef; reason: string; payload: JobPayload }): Promise<{ id: number }> {
  const [row] = await tx
    .insert(jobs)
    .values({
      source: input.ref.source,
      accountId: input.ref.accountId,
      objectType: input.ref.objectType,
      objectId: input.ref.objectId,
      leadKey: leadKey(input.ref),
      reason: input.reason,
      payload: input.payload,
    })
    .returning({ id: jobs.id });
  return row;
}
