import type { BackfillPage, BackfillPageRequest, ChangedLead, ChangedListing, LeadListing, ListedLead } from '../adapter.js';
import { CrmError } from '../crm-error.js';
import type { CrmHttp } from '../http.js';

/**
 * Organizations or persons for the catch-up sweep. The v2 lists filter by
 * `updated_since` only, so they are asked sorted by `update_time` (ascending)
 * and followed in that order, page by page (`cursor` /
 * `additional_data.next_cursor`, at most 500 a page: v2 API reference in
 * `pipedrive/client-nodejs` src/versions/v2/api/organizations-api.ts). The
 * sweep's cursor is the update time reached. A record counts as a lead the
 * webhook may have lost when it was added within a day of `since` (an older
 * one that was merely edited was never a lost creation).
 */

const PAGE = 500;
/** Pages in one listing, whatever the cursors say: empty pages that carry a cursor used to page for ever. */
const MAX_PAGES = 50;
/** How long before `since` an added record still counts as a new lead (the sweep's first look-back, a day). */
const ADDED_WINDOW_MS = 24 * 3600_000;
const PATHS: Record<string, string> = { organization: '/api/v2/organizations', person: '/api/v2/persons' };

interface Listed {
  id: number | string;
  add_time?: string;
  update_time?: string;
}

/**
 * The v2 list at `path` sorted by `update_time` from `since` on, a page at a time. The caller reads a
 * page, then says whether it has enough; `more` is whether the list has another page. A cursor
 * already followed is refused (it would list the same pages again, for ever), and no listing goes
 * past MAX_PAGES.
 */
async function* updatedSince(
  http: CrmHttp,
  accountId: string,
  path: string,
  since: Date,
  pageSize: number,
  signal?: AbortSignal,
): AsyncGenerator<{ records: Listed[]; more: boolean; page: number }> {
  let cursor: string | undefined;
  const cursors = new Set<string>();
  for (let page = 1; ; page++) {
    const qs = new URLSearchParams({
      updated_since: since.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      sort_by: 'update_time',
      sort_direction: 'asc',
      limit: String(pageSize),
    });
    if (cursor) qs.set('cursor', cursor);
    const res = await http.send<{ data?: Listed[]; additional_data?: { next_cursor?: string | null } }>(accountId, { op: 'list', method: 'GET', path: `${path}?${qs}`, signal });
    cursor = res.body?.additional_data?.next_cursor ?? undefined;
    yield { records: res.body?.data ?? [], more: Boolean(cursor), page };
    if (!cursor || page >= MAX_PAGES) return;
    if (cursors.has(cursor)) throw new CrmError('pipedrive', { kind: 'retry' }, `pipedrive list: ${path} repeated a next_cursor; listing stopped`);
    cursors.add(cursor);
  }
}

export async function listPipedriveSince(http: CrmHttp, accountId: string, objectType: string, since: Date, limit: number, signal?: AbortSignal): Promise<LeadListing> {
  const path = PATHS[objectType];
  if (!path) return { leads: [], complete: true };
  const addedFloor = since.getTime() - ADDED_WINDOW_MS;
  const leads: ListedLead[] = [];
  let reached: string | undefined;
  let seen = 0;
  for await (const { records, more, page } of updatedSince(http, accountId, path, since, Math.min(PAGE, limit), signal)) {
    for (const rec of records) {
      const updated = Date.parse(rec.update_time ?? '');
      if (!Number.isNaN(updated)) reached = new Date(updated).toISOString();
      seen++;
      const added = Date.parse(rec.add_time ?? '');
      if (Number.isNaN(added) || added < addedFloor) continue;
      leads.push({ ref: { source: 'pipedrive', accountId, objectType, objectId: String(rec.id) }, createdAt: new Date(added).toISOString() });
    }
    if (!more) return { leads, reached, complete: true };
    if (seen >= limit || page >= MAX_PAGES) return { leads, reached, complete: false };
  }
  return { leads, reached, complete: true };
}

/**
 * Records changed from `since` on (the catch-up sweep's update times): the same list sorted by
 * `update_time`, every record this time, not only the recently added.
 */
export async function listPipedriveChangedSince(http: CrmHttp, accountId: string, objectType: string, since: Date, limit: number, signal?: AbortSignal): Promise<ChangedListing> {
  const path = PATHS[objectType];
  if (!path) return { changed: [], complete: true };
  const changed: ChangedLead[] = [];
  for await (const { records, more, page } of updatedSince(http, accountId, path, since, Math.min(PAGE, limit), signal)) {
    for (const rec of records) {
      const updated = Date.parse(rec.update_time ?? '');
      if (Number.isNaN(updated) || !/^\d+$/.test(String(rec.id))) continue;
      changed.push({ ref: { source: 'pipedrive', accountId, objectType, objectId: String(rec.id) }, modifiedAt: new Date(updated).toISOString() });
    }
    const reached = changed.at(-1)?.modifiedAt;
    if (!more) return { changed, reached, complete: true };
    if (changed.length >= limit || page >= MAX_PAGES) return { changed, reached, complete: false };
  }
  return { changed, reached: changed.at(-1)?.modifiedAt, complete: true };
}

/**
 * Every existing organization or person for a backfill: the v2 list sorted by id (ascending),
 * followed page by page with its `cursor` (at most 500 a page), which is the backfill's cursor and
 * resumes the listing after a restart. The list has no creation filter: `createdBefore` is applied
 * to each record's `add_time` here. Pipedrive states no total.
 */
export async function listPipedrivePage(http: CrmHttp, accountId: string, objectType: string, page: BackfillPageRequest, signal?: AbortSignal): Promise<BackfillPage> {
  const path = PATHS[objectType];
  if (!path) return { refs: [] };
  const qs = new URLSearchParams({ sort_by: 'id', sort_direction: 'asc', limit: String(Math.min(PAGE, Math.max(1, page.limit))) });
  if (page.cursor) qs.set('cursor', page.cursor);
  const res = await http.send<{ data?: Listed[]; additional_data?: { next_cursor?: string | null } }>(accountId, { op: 'list', method: 'GET', path: `${path}?${qs}`, signal });
  const before = page.createdBefore?.getTime();
  const refs = (res.body?.data ?? [])
    .filter((rec) => /^\d+$/.test(String(rec.id)))
    .filter((rec) => before === undefined || Date.parse(rec.add_time ?? '') < before)
    .map((rec) => ({ source: 'pipedrive' as const, accountId, objectType, objectId: String(rec.id) }));
  const next = res.body?.additional_data?.next_cursor ?? undefined;
  // The same cursor again would list the same page for ever.
  if (next && next === page.cursor) throw new CrmError('pipedrive', { kind: 'retry' }, `pipedrive list: ${path} repeated a next_cursor; listing stopped`);
  return { refs, cursor: next || undefined };
}
