import { getTableColumns } from 'drizzle-orm';
import { pgJson, pgJsonText } from '../db/pg-text.js';
import { jobs } from '../db/schema.js';
import { type LeadRef, leadKey } from '../leads/identity.js';
import type { JobPayload } from '../leads/job-payload.js';
import { DEFAULT_MAX_ATTEMPTS } from './retry-policy.js';

/**
 * The one definition of a new job's row. Jobs are created two ways: intake's
 * hand-written statement (event and job in one round trip, intake.ts) and
 * drizzle's insert (`enqueueJobs`: admin re-enrich, tests). Both take their
 * columns and values from here, so a column cannot be set in one and forgotten
 * in the other: add it to NEW_JOB_KEYS and `newJobRow` (the types hold the two
 * together) and both paths write it.
 */

/** What a new job is made of, however it is created. */
export interface NewJob {
  ref: LeadRef;
  /** What triggered it: 'webhook' | 'reenrich' | 'catchup' | … */
  reason: string;
  payload: JobPayload;
  /** The runaway guard; default DEFAULT_MAX_ATTEMPTS (retry-policy.ts). */
  maxAttempts?: number;
}

/** The columns creating a job sets; the others take their defaults (queued, due now, no attempts yet). */
const NEW_JOB_KEYS = ['source', 'accountId', 'objectType', 'objectId', 'leadKey', 'reason', 'payload', 'maxAttempts'] as const;
type NewJobKey = (typeof NEW_JOB_KEYS)[number];
export type NewJobRow = Required<Pick<typeof jobs.$inferInsert, NewJobKey>>;

/** A new job's column values by drizzle name; an extra or a missing key is a type error. */
export function newJobRow(job: NewJob): NewJobRow {
  return {
    source: job.ref.source,
    accountId: job.ref.accountId,
    objectType: job.ref.objectType,
    objectId: job.ref.objectId,
    leadKey: leadKey(job.ref),
    reason: job.reason,
    payload: job.payload,
    maxAttempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
  };
}

const columns = getTableColumns(jobs);
/** The same columns as a hand-written statement names them: SQL name and type, in parameter order. */
export const NEW_JOB_COLUMNS: ReadonlyArray<{ key: NewJobKey; name: string; type: string }> = NEW_JOB_KEYS.map((key) => ({
  key,
  name: columns[key].name,
  type: columns[key].getSQLType(),
}));

/**
 * For drizzle's insert. What came from outside (a CRM's fields in the payload)
 * may hold U+0000, which jsonb refuses: jsonb values go through pgJson.
 */
export function newJobValues(job: NewJob): NewJobRow {
  const row = newJobRow(job);
  for (const c of NEW_JOB_COLUMNS) if (c.type === 'jsonb') (row as Record<string, unknown>)[c.key] = pgJson(row[c.key]);
  return row;
}

/** For a hand-written statement: appends the values in NEW_JOB_COLUMNS order, jsonb as text PostgreSQL accepts. */
export function pushNewJobParams(params: unknown[], job: NewJob): void {
  const row = newJobRow(job);
  for (const c of NEW_JOB_COLUMNS) params.push(c.type === 'jsonb' ? pgJsonText(row[c.key]) : row[c.key]);
}
