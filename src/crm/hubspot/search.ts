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
  const leads: ListedLead[] = [];
  let after: string | undefined;
  let complete = true;
  for (;;) {
    if (leads.length >= limit || Number(after ?? 0) + PAGE > MAX_RESULTS) {
      complete = false;
      break;
    }
    const res = await http.send<SearchResponse>(accountId, {
      op: 'search',
      method: 'POST',
      path: paths.search(segment),
      bucket: { accountId: `${accountId}:search`, spec: HUBSPOT_SEARCH_LIMIT },
      body: {
        filterGroups: [{ filters: [{ propertyName: 'createdate', operator: 'GTE', value: String(since.getTime()) }] }],
        sorts: [{ propertyName: 'createdate', direction: 'ASCENDING' }],
        properties: ['createdate'],
        limit: Math.min(PAGE, limit - leads.length),
        ...(after ? { after } : {}),
      },
      signal,
    });
    for (const r of res.body?.results ?? []) {
      const createdAt = r.properties?.createdate ?? r.createdAt;
      if (!createdAt || Number.isNaN(Date.parse(createdAt))) continue;
      leads.push({ ref: { source: 'hubspot', accountId, objectType, objectId: String(r.id) }, createdAt: new Date(createdAt).toISOString() });
    }
    const next = res.body?.paging?.next?.after;
    // The same `after` again would list the same page again.
    if (!next || !(res.body?.results ?? []).length) break;
    if (next === after) {
      complete = false;
      break;
    }
    after = next;
  }
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
  const changed: ChangedLead[] = [];
  let after: string | undefined;
  let complete = true;
  for (;;) {
    if (changed.length >= limit || Number(after ?? 0) + PAGE > MAX_RESULTS) {
      complete = false;
      break;
    }
    const res = await http.send<SearchResponse>(accountId, {
      op: 'search',
      method: 'POST',
      path: paths.search(segment),
      bucket: { accountId: `${accountId}:search`, spec: HUBSPOT_SEARCH_LIMIT },
      body: {
        filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(since.getTime()) }] }],
        sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }],
        properties: ['hs_lastmodifieddate'],
        limit: Math.min(PAGE, limit - changed.length),
        ...(after ? { after } : {}),
      },
      signal,
    });
    for (const r of res.body?.results ?? []) {
      const at = r.properties?.hs_lastmodifieddate ?? r.updatedAt;
      if (!at || Number.isNaN(Date.parse(at))) continue;
      changed.push({ ref: { source: 'hubspot', accountId, objectType, objectId: String(r.id) }, modifiedAt: new Date(at).toISOString() });
    }
    const next = res.body?.paging?.next?.after;
    if (!next || !(res.body?.results ?? []).length) break;
    if (next === after) {
      complete = false;
      break;
    }
    after = next;
  }
  return { changed, reached: changed.at(-1)?.modifiedAt, complete };
}
