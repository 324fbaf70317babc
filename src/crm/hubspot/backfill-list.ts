import type { BackfillPage, BackfillPageRequest } from '../adapter.js';
import type { CrmHttp } from '../http.js';
import type { HubspotPaths } from './paths.js';
import { HUBSPOT_SEARCH_LIMIT } from './search.js';

/**
 * Every existing company or contact for a backfill, through the CRM search API, which has its own
 * limits (research §1.6): 5 requests/s per token (the shared limiter's separate `:search` budget)
 * and no page past 10,000 results of one query. So a backfill never pages one query that far:
 * each page is a new query for the records whose `hs_object_id` is above the last one listed,
 * sorted by it, and the cursor is that id. The listing resumes from it after a restart, and
 * records created meanwhile (higher ids) are listed too. `createdBefore` adds a `createdate` filter.
 */

const PAGE = 100;

interface SearchResponse {
  total?: number;
  results?: Array<{ id: string }>;
}

export async function listHubspotPage(
  http: CrmHttp,
  paths: HubspotPaths,
  accountId: string,
  segment: string,
  objectType: string,
  page: BackfillPageRequest,
  signal?: AbortSignal,
): Promise<BackfillPage> {
  const limit = Math.min(PAGE, Math.max(1, page.limit));
  const after = page.cursor && /^\d+$/.test(page.cursor) ? page.cursor : '0';
  const filters: Array<{ propertyName: string; operator: string; value: string }> = [{ propertyName: 'hs_object_id', operator: 'GT', value: after }];
  if (page.createdBefore) filters.push({ propertyName: 'createdate', operator: 'LT', value: String(page.createdBefore.getTime()) });
  const res = await http.send<SearchResponse>(accountId, {
    op: 'search',
    method: 'POST',
    path: paths.search(segment),
    bucket: { accountId: `${accountId}:search`, spec: HUBSPOT_SEARCH_LIMIT },
    body: { filterGroups: [{ filters }], sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }], properties: ['hs_object_id'], limit },
    signal,
  });
  const ids = (res.body?.results ?? []).map((r) => String(r.id)).filter((id) => /^\d+$/.test(id));
  const refs = ids.map((objectId) => ({ source: 'hubspot' as const, accountId, objectType, objectId }));
  // Ids only grow; a page that does not move past the cursor would list itself for ever.
  const last = ids.reduce((max, id) => (BigInt(id) > BigInt(max) ? id : max), after);
  const more = ids.length === limit && last !== after;
  // `total` counts the matches after the cursor: this page and what is left.
  return { refs, cursor: more ? last : undefined, remaining: typeof res.body?.total === 'number' ? res.body.total : undefined };
}
