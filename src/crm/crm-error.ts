import type { Source } from '../leads/identity.js';

/**
 * How a CRM call fails, in the CRM's own terms: a leaf every part of crm/
 * (the HTTP client, the rate limiter, the adapters) and the job retry policy
 * import, so none of them has to import the adapter contract to name a failure.
 * What a failure means for a job (retry, wait, dead letter) is decided in
 * src/jobs/retry-policy.ts.
 */

/** What to do about a failed CRM call. */
export type CrmFailure =
  /** Transient (5xx, timeout, connection reset): retry with backoff, or not before `notBefore`. */
  | { kind: 'retry'; notBefore?: Date }
  /** The burst limit (429 or our own limiter waited too long): retry not before `until`. */
  | { kind: 'rate_limited'; until: Date; policy: string }
  /** The account's daily budget is spent: nothing for this account until `until`. */
  | { kind: 'daily_exhausted'; until: Date }
  /** Token missing, wrong or without scope: retrying will not help until someone fixes config. */
  | { kind: 'auth'; status?: number; missingScopes?: string[] }
  /** The request can never succeed (404 lead deleted, 400 validation). */
  | { kind: 'permanent'; status?: number }
  /**
   * The account's OAuth grant is gone (a refresh refused, the account marked
   * needs_reconnect): nothing for it until someone installs again; look again at `until`.
   */
  | { kind: 'reconnect'; until: Date };

export class CrmError extends Error {
  constructor(
    readonly crm: Source,
    readonly failure: CrmFailure,
    /** Safe to log: method, path without query, status, vendor message. Never a token. */
    message: string,
    /** The vendor's machine codes from the error body (HubSpot `category`, `PROPERTY_DOESNT_EXIST`, …), for callers that act on one. */
    readonly codes: readonly string[] = [],
  ) {
    super(message);
    this.name = 'CrmError';
  }
}
