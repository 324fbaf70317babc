import { desc, eq } from 'drizzle-orm';
import type { Queryable } from '../db/client.js';
import { jobs } from '../db/schema.js';

/** The latest dead letters with their reasons, for the status page. */

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
