import { and, desc, eq } from 'drizzle-orm';
import type { Queryable } from '../db/client.js';
import { jobs } from '../db/schema.js';
import { type FailureReason, failureReason } from './failure-reason.js';
import { companiesOf } from './lead-list.js';
import { accountOfKey } from './leads.js';

/** The latest dead letters for the status page: by company name, with the reason in kinds a person can act on. */

export interface DeadJob {
  id: number;
  source: string;
  leadKey: string;
  accountId: string;
  objectType: string;
  objectId: string;
  /** From the lead's latest enrichment or any webhook of it; null when none named it (HubSpot sends ids only). */
  company: string | null;
  reason: string;
  attempts: number;
  lastError: string | null;
  failure: FailureReason;
  updatedAt: Date;
}

/** The latest dead letters, newest first; only one account's with `account` (a client's view). */
export async function latestDeadJobs(db: Queryable, limit = 5, account?: { source: string; accountId: string }): Promise<DeadJob[]> {
  const rows = await db
    .select({
      id: jobs.id,
      source: jobs.source,
      leadKey: jobs.leadKey,
      objectType: jobs.objectType,
      objectId: jobs.objectId,
      reason: jobs.reason,
      attempts: jobs.attempts,
      lastError: jobs.lastError,
      updatedAt: jobs.updatedAt,
    })
    .from(jobs)
    .where(account ? and(eq(jobs.status, 'dead'), eq(jobs.source, account.source), eq(jobs.accountId, account.accountId)) : eq(jobs.status, 'dead'))
    .orderBy(desc(jobs.updatedAt), desc(jobs.id))
    .limit(limit);
  const companies = await companiesOf(db, [...new Set(rows.map((r) => r.leadKey))]);
  return rows.map((r) => ({
    ...r,
    accountId: accountOfKey(r.leadKey, r),
    company: companies.get(r.leadKey) ?? null,
    failure: failureReason(r.lastError),
  }));
}
