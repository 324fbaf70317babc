/**
 * Which lead we mean, whichever CRM it lives in: the CRM (`Source`), the account
 * (HubSpot portal, Pipedrive company, generic tenant), the object type and the id.
 * Everything that names a lead (webhook parsers, adapters, the queue, the admin
 * API, the rate limiter's budgets) imports it from here, so `crm/` and `jobs/`
 * share it without importing each other.
 */

export type Source = 'hubspot' | 'pipedrive' | 'generic';
export const SOURCES: Source[] = ['hubspot', 'pipedrive', 'generic'];

/** A lead as the CRM identifies it. */
export interface LeadRef {
  source: Source;
  accountId: string;
  objectType: string;
  objectId: string;
}

/** One string per lead (`jobs.lead_key`, `enrichments.lead_key`): the lead's history is found by it. */
export function leadKey(ref: LeadRef): string {
  return `${ref.source}:${ref.accountId}:${ref.objectType}:${ref.objectId}`;
}
