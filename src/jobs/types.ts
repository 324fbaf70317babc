import type { jobs } from '../db/schema.js';

/**
 * A job as stored, how processing one ended, and the processor the worker pool
 * runs. The lead it is about (`LeadRef`, `leadKey`) and what it carries
 * (`JobPayload`) are in src/leads/.
 */

export type JobRow = typeof jobs.$inferSelect;

/** How processing one job ended. The queue turns this into the job's next state (as retry-policy.ts decides) and a history entry. */
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
