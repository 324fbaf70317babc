import { and, desc, eq, lte, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.js';
import { jobs } from '../db/schema.js';

/** Queue figures for the metrics and the status page that the queue itself does not keep. */

/** Seconds the oldest job that is due (queued, run_at passed) has been waiting; 0 when none waits. */
export async function oldestWaitingAgeSeconds(db: Queryable, now = new Date()): Promise<number> {
  const [row] = await db
    .select({ oldest: sql<Date | string | null>`min(${jobs.runAt})` })
    .from(jobs)
    .where(and(eq(jobs.status, 'queued'), lte(jobs.runAt, now)));
  if (!row?.oldest) return 0;
  const oldest = row.oldest instanceof Date ? row.oldest : new Date(row.oldest);
  return Math.max(0, (now.getTime() - oldest.getTime()) / 1000);
}

export interface DeadJob {
  id: number;
  source: string;
  leadKey: string;
  reason: string;
  attempts: number;
  lastError: string | null;
  updatedAt: Date;
}

/** The latest dead letters, newest first. */
export async function latestDeadJobs(db: Queryable, limit = 5): Promise<DeadJob[]> {
  return db
    .select({
      id: jobs.id,
      source: jobs.source,
      leadKey: jobs.leadKey,
      reason: jobs.reason,
      attempts: jobs.attempts,
      lastError: jobs.lastError,
      updatedAt: jobs.updatedAt,
    })
    .from(jobs)
    .where(eq(jobs.status, 'dead'))
    .orderBy(desc(jobs.updatedAt), desc(jobs.id))
    .limit(limit);
}
