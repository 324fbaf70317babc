import type { LeadInput } from '../enrich/types.js';
import type { LeadRef, Source } from '../leads/identity.js';
import type { CrmHttpOptions } from './http.js';
import type { CrmMapping, CrmProperties } from './mapping.js';
import { CrmError } from './crm-error.js';

/**
 * What the pipeline needs from a CRM, whichever one it is: read leads, write
 * the mapped card properties, make sure those properties exist. Every failure
 * is a `CrmError` whose `failure` says what to do next, so the pipeline never
 * parses vendor bodies itself.
 */


/** A lead as read from the CRM: the enrichment input and the current values of the mapped properties. */
export interface CrmLead {
  ref: LeadRef;
  input: LeadInput;
  /** Current values of every mapped property (by CRM name); null = empty on the card. */
  current: Record<string, string | null>;
  /**
   * Where the write goes when it is not the lead itself: a Pipedrive person is
   * enriched on its organization. Undefined = the lead itself.
   */
  target?: { objectType: string; objectId: string };
}

/** Per lead (keyed by `refKey`), either a result or the reason it failed (batch calls fail per record: HubSpot 207). */
export type PerLead<T> = Map<string, T | CrmError>;

/** What every adapter is built from besides its address and credentials: the mapping and the shared HTTP plumbing. */
export interface AdapterBaseOptions extends Pick<CrmHttpOptions, 'limiter' | 'metrics' | 'logger' | 'timeouts' | 'maxWaitMs' | 'credentialsFor'> {
  mapping: CrmMapping;
}

/** The key of a lead within one account: a HubSpot company and contact may share a numeric id. */
export function refKey(ref: { objectType: string; objectId: string }): string {
  return `${ref.objectType}:${ref.objectId}`;
}

/**
 * One request per lead, in order: a permanent failure (the lead is gone, the
 * value is refused) is that lead's answer; anything else (rate limit, outage,
 * auth) stops the batch, because the next lead would meet the same.
 */
export async function perLead<T, R>(
  items: T[],
  refOf: (item: T) => LeadRef,
  fn: (item: T) => Promise<R>,
  progress?: (results: PerLead<R>) => Promise<void>,
): Promise<PerLead<R>> {
  const out: PerLead<R> = new Map();
  for (const item of items) {
    const key = refKey(refOf(item));
    let result: R | CrmError;
    try {
      result = await fn(item);
    } catch (err) {
      if (!(err instanceof CrmError) || err.failure.kind !== 'permanent') throw err;
      result = err;
    }
    out.set(key, result);
    await progress?.(new Map([[key, result]]));
  }
  return out;
}

/**
 * Told each CRM call's per-lead results as soon as the call is answered, before
 * the next call is made. A later call may fail the whole `writeCards`; by then
 * the pipeline has recorded what the earlier calls wrote (their audit rows), so
 * those leads are neither lost from the trail nor written again on retry.
 */
export type WriteProgress = (results: PerLead<true>) => Promise<void>;

export interface CardWrite {
  /** The lead the write belongs to (its job); the request goes to `target` when set. */
  ref: LeadRef;
  target?: { objectType: string; objectId: string };
  properties: CrmProperties;
  /**
   * Set by a restore: a property whose value the CRM field cannot hold is left out and reported here, and
   * the others are written. Without it (enrichment) such a value fails the whole lead, nothing written.
   */
  onUnfit?: (why: string) => void;
}

export interface EnsureReport {
  crm: Source;
  existing: string[];
  created: string[];
}

/** A lead the catch-up sweep found, with the moment the CRM says it was created. */
export interface ListedLead {
  ref: LeadRef;
  createdAt: string;
}

/** A record changed since a moment (HubSpot `hs_lastmodifieddate`, Pipedrive `update_time`). */
export interface ChangedLead {
  ref: LeadRef;
  modifiedAt: string;
}

/** One listing of changed records, in modification order, and how far it got. */
export interface ChangedListing {
  changed: ChangedLead[];
  /** The modification time of the last record listed; undefined when nothing was listed. */
  reached?: string;
  /** False when the listing stopped at `limit` with more to come. */
  complete: boolean;
}

/** One catch-up listing: the new leads, and how far the listing got in the order the API sorts. */
export interface LeadListing {
  leads: ListedLead[];
  /** The sort key (ISO time) of the last record listed, lead or not; undefined when nothing was listed. */
  reached?: string;
  /** False when the listing stopped at `limit` with more to come. */
  complete: boolean;
}

/** Where one page of a backfill listing starts, and what it keeps to. */
export interface BackfillPageRequest {
  /** From `BackfillPage.cursor` of the page before; undefined = the first page. */
  cursor?: string;
  /** Only records created before this moment (the run's `createdBefore` filter). */
  createdBefore?: Date;
  limit: number;
}

/** One page of every existing record of an object type, in a stable order, for a backfill. */
export interface BackfillPage {
  refs: LeadRef[];
  /** Where the next page starts; undefined when this was the last page. */
  cursor?: string;
  /** Records the CRM says are left from this page on, this page's included (HubSpot search `total`); undefined when it does not say. */
  remaining?: number;
}

export interface CrmAdapter {
  source: Source;
  /**
   * Reads the leads of one account. Several refs → batch calls where the CRM
   * has them. The map is keyed by `refKey(ref)`; a whole-call failure throws.
   */
  readLeads(accountId: string, refs: LeadRef[], signal?: AbortSignal): Promise<PerLead<CrmLead>>;
  /**
   * Writes the given properties (and nothing else), keyed by `refKey(ref)` like
   * readLeads; `progress` hears each call's results as soon as it is answered.
   */
  writeCards(accountId: string, writes: CardWrite[], signal?: AbortSignal, progress?: WriteProgress): Promise<PerLead<true>>;
  /** Checks every mapped property exists in the CRM and creates what is missing. */
  ensureProperties(accountId: string, signal?: AbortSignal): Promise<EnsureReport>;
  /** The object types the webhooks cover, which the catch-up sweep lists (`listSince`). */
  catchupTypes?: string[];
  /**
   * Records of one object type from `since` on, in the order the API sorts
   * them (HubSpot search: creation time; Pipedrive lists: update time), at
   * most `limit`; the leads among them created recently enough to be lost
   * webhooks. For the catch-up sweep.
   */
  listSince?(accountId: string, objectType: string, since: Date, limit: number, signal?: AbortSignal): Promise<LeadListing>;
  /**
   * Records of one object type modified from `since` on, oldest change first, at most `limit`: the
   * catch-up sweep re-enriches leads that changed after Verrijk last read them (any writer,
   * Verrijk included; the sweep tells its own writes apart).
   */
  listChangedSince?(accountId: string, objectType: string, since: Date, limit: number, signal?: AbortSignal): Promise<ChangedListing>;
  /**
   * The account the configured credential belongs to, as the CRM states it (Pipedrive
   * `company_id`, HubSpot `portalId`): the one account the catch-up sweep lists and files
   * under, whatever account ids webhooks name. Throws a `CrmError` when the CRM refuses.
   * `likely`: the account the credential was last seen to belong to (the registry's row), so
   * the call counts in that account's rate-limit window; without one, the credential's own.
   */
  ownAccount?(signal?: AbortSignal, likely?: string): Promise<string>;
  /**
   * Every existing record of one object type (one of `catchupTypes`), a page at a time, for a
   * backfill (src/jobs/backfill.ts); resumable from any page's `cursor`.
   */
  listPage?(accountId: string, objectType: string, page: BackfillPageRequest, signal?: AbortSignal): Promise<BackfillPage>;
}
