import type { LeadInput } from '../enrich/types.js';

/**
 * What an event about a lead carries into its job (`jobs.payload`): the CRM
 * webhook parsers and the catch-up sweep build it, the admin re-enrich writes
 * one, the pipeline reads it. Here, beside the lead's identity, so the parsers
 * in `crm/` need nothing from `jobs/`.
 */
export interface JobPayload {
  /** The lead as the webhook carried it; thin (empty) for HubSpot, which sends ids only. */
  lead: LeadInput;
  event: { type: string; occurredAt?: string; changeSource?: string; eventId?: string };
  /** The CRM's event as received (bounded fields only), for the audit trail and re-reading. */
  raw?: unknown;
  /**
   * Set on the jobs a backfill run enqueued (src/jobs/backfill.ts): which run, and whether it is a
   * preview (`dryRun`: the card is computed and recorded as `dry_run`, nothing is written).
   */
  backfill?: { runId: number; dryRun: boolean };
}
