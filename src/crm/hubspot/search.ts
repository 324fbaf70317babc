import type { ListedLead } from '../adapter.js';
import type { CrmHttp } from '../http.js';

/**
 * Companies created after a moment, for the catch-up sweep. Search has its own
 * limit (5 requests/s per token, no rate-limit headers: research §1.6), so it
 * runs under a separate budget of the shared limiter.
 */

export const HUBSPOT_SEARCH_LIMIT = { limit: 5, windowMs: 1_000 };
const PAGE = 100;

interface SearchResponse {
  results?: Array<{ id: string; createdAt?: string; properties?: { createdate?: string } }>;
  paging?: { next?: { after?: string } };
}

export async function listHubspotCompaniesCreatedSince(
  http: CrmHttp,
  accountId: string,
  since: Date,
  limit: number,
  signal?: AbortSignal,
): Promise<ListedLead[]> {
  const out: ListedLead[] = [];
  let after: string | undefined;
  while (out.length < limit) {
    const res = await http.send<SearchResponse>(accountId, {
      op: 'search',
      method: 'POST',
      path: '/crm/v3/objects/companies/search',
      bucket: { accountId: `${accountId}:search`, spec: HUBSPOT_SEARCH_LIMIT },
      body: {
        filterGroups: [{ filters: [{ propertyName: 'createdate', operator: 'GT', value: String(since.getTime()) }] }],
        sorts: [{ propertyName: 'createdate', direction: 'ASCENDING' }],
        properties: ['createdate'],
        limit: Math.min(PAGE, limit - out.length),
        ...(after ? { after } : {}),
      },
      signal,
    });
    for (const r of res.body?.results ?? []) {
      const createdAt = r.properties?.createdate ?? r.createdAt;
      if (!createdAt) continue;
      out.push({ ref: { source: 'hubspot', accountId, objectType: 'company', objectId: String(r.id) }, createdAt: new Date(createdAt).toISOString() });
    }
    after = res.body?.paging?.next?.after;
    if (!after || !(res.body?.results ?? []).length) break;
  }
  return out;
}
