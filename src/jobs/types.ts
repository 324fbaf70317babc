import type { jobs } from '../db/schema.js';
import type { LeadInput } from '../enrich/types.js';

export type Source = 'hubspot' | 'pipedrive' | 'generic';
export const SOURCES: Source[] = ['hubspot', 'pipedrive', 'generic'];

export type JobRow = typeof jobs.$inferSelect;

/** What intake stores in `jobs.payload`. */
export interface JobPayload {
  /** The lead as the webhook carried it; thin (empty) for HubSpot, which sends ids only. */
  lead: LeadInput;
  event: { type: string; occurredAt?: string; changeSource?: string; eventId?: string };
  /** The CRM's event as received (bounded fields only), for the audit trail and re-reading. */
  raw?: unknown;
}

/** A lead as the CRM identifies it. */
export interface LeadRef {
  source: Source;
  accountId: string;
  objectType: string;
  objectId: string;
}

export function leadKey(ref: LeadRef): string {
  return `${ref.source}:${ref.accountId}:${ref.objectType}:${ref.objectId}`;
}

/** How processing one job ended. The queue turns this into the job's next state and history entry. */
export type JobOutcome =
  | { kind: 'done'; detail: Record<string, unknown> }
  | { kind: 'skipped'; reason: string; detail?: Record<string, unknown> }
  /**
   * Try again later; `notBefore` overrides the backoff (rate limits, Retry-After).
   * `waiting`: the CRM's limits said "not now" (a 429, a spent daily budget), so
   * the attempt is not counted: a job waits for a reset, however long, and never
   * dies of it.
   */
  | { kind: 'retry'; error: string; notBefore?: Date; waiting?: boolean }
  /** Retrying cannot help (bad credentials, lead deleted): dead-letter now. */
  | { kind: 'dead'; error: string };

/**
 * The work behind a batch of claimed jobs (all of one source). Returns one
 * outcome per job id; a job missing from the map is retried.
 */
export type JobProcessor = (batch: JobRow[], signal: AbortSignal) => Promise<Map<number, JobOutcome>>;
