import type { ChangedLead, ChangedListing, LeadListing, ListedLead } from '../adapter.js';
import type { CrmHttp } from '../http.js';
import type { HubspotPaths } from './paths.js';

/**
 * Records of one object type created from a moment on, for the catch-up
 * sweep, in the order the search sorts them (creation time, ascending).
 * Search has its own limit (5 requests/s per token, no rate-limit headers:
 * research §1.6), so it runs under a separate budget of the shared limiter,
 * pages by `after` (at most 200 a page, 10,000 a query), and lists a record
 * only once it is indexed, which can be a while after its creation: the sweep
 * looks back over an overlap window for those.
 */

export const HUBSPOT_SEARCH_LIMIT = { limit: 5, windowMs: 1_000 };
const PAGE = 100;
/** HubSpot answers no page past 10,000 results of one query. */
const MAX_RESULTS = 10_000;

interface SearchResponse {
  results?: Array<{ id: string; createdAt?: string; updatedAt?: string; properties?: { createdate?: string; hs_lastmodifieddate?: string } }>;
  paging?: { next?: { after?: string } };
}

/**
 * Every record whose time `property` (`createdate`, `hs_lastmodifieddate`) is `since` or later, in
 * that order: one search per page under the search budget, never past 10,000 results of one query,
 * and `complete: false` when the listing stopped early (limit, 10,000, a repeated `after`).
 * `fallback` names the record's own field when the property is missing from an answer.
 */
async function searchFrom(
  http: CrmHttp,
  paths: HubspotPaths,
  accountId: string,
  segment: string,
  property: 'createdate' | 'hs_lastmodifieddate',
  fallback: 'createdAt' | 'updatedAt',
  since: Date,
  limit: number,
  signal?: AbortSignal,
): Promise<{ found: Array<{ objectId: string; at: string }>; complete: boolean }> {
  const found: Array<{ objectId: string; at: string }> = [];
  let after: string | undefined;
  for (;;) {
    if (found.length >= limit || Number(after ?? 0) + PAGE > MAX_RESULTS) return { found, complete: false };
    const res = await http.send<SearchResponse>(accountId, {
      op: 'search',
      method: 'POST',
      path: paths.search(segment),
      bucket: { accountId: `${accountId}:search`, spec: HUBSPOT_SEARCH_LIMIT },
      body: {
        filterGroups: [{ filters: [{ propertyName: property, operator: 'GTE', value: String(since.getTime()) }] }],
        sorts: [{ propertyName: property, direction: 'ASCENDING' }],
        properties: [property],
        limit: Math.min(PAGE, limit - found.length),
        ...(after ? { after } : {}),
      },
      signal,
    });
    for (const r of res.body?.results ?? []) {
      const at = r.properties?.[property] ?? r[fallback];
      if (!at || Number.isNaN(Date.parse(at))) continue;
      found.push({ objectId: String(r.id), at: new Date(at).toISOString() });
    }
    const next = res.body?.paging?.next?.after;
    if (!next || !(res.body?.results ?? []).length) return { found, complete: true };
    // The same `after` again would list the same page again.
    if (next === after) return { found, complete: false };
    after = next;
  }
}

export async function listHubspotSince(
  http: CrmHttp,
  paths: HubspotPaths,
  accountId: string,
  segment: string,
  objectType: string,
  since: Date,
  limit: number,
  signal?: AbortSignal,
): Promise<LeadListing> {
  const { found, complete } = await searchFrom(http, paths, accountId, segment, 'createdate', 'createdAt', since, limit, signal);
  const leads: ListedLead[] = found.map((r) => ({ ref: { source: 'hubspot', accountId, objectType, objectId: r.objectId }, createdAt: r.at }));
  // Sorted by creation time, so the last lead is as far as the listing got.
  return { leads, reached: leads.at(-1)?.createdAt, complete };
}

/**
 * Records modified from `since` on (the catch-up sweep's update times): a search on
 * `hs_lastmodifieddate`, sorted by it, in the search budget, never paging one query past 10,000.
 */
export async function listHubspotChangedSince(
  http: CrmHttp,
  paths: HubspotPaths,
  accountId: string,
  segment: string,
  objectType: string,
  since: Date,
  limit: number,
  signal?: AbortSignal,
): Promise<ChangedListing> {
  const { found, complete } = await searchFrom(http, paths, accountId, segment, 'hs_lastmodifieddate', 'updatedAt', since, limit, signal);
  const changed: ChangedLead[] = found.map((r) => ({ ref: { source: 'hubspot', accountId, objectType, objectId: r.objectId }, modifiedAt: r.at }));
  return { changed, reached: changed.at(-1)?.modifiedAt, complete };
}
