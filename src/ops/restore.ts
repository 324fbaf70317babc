import { and, asc, eq, gt, gte, type SQL } from 'drizzle-orm';
import type { CardWrite, CrmAdapter } from '../crm/adapter.js';
import { refKey } from '../crm/adapter.js';
import { CrmError } from '../crm/crm-error.js';
import type { Queryable } from '../db/client.js';
import { enrichments } from '../db/schema.js';
import type { Source } from '../leads/identity.js';
import { accountOfKey } from './leads.js';

/**
 * Rollback from the audit trail: for every lead Verrijk wrote to since a moment,
 * the card values from before the first of those writes (`previous_properties`).
 * Used by scripts/restore-cards.ts; dry run unless told to apply.
 */

export interface RestoreItem {
  leadKey: string;
  source: Source;
  accountId: string;
  objectType: string;
  objectId: string;
  /** The first write since `since`: its previous values are what the card held before. */
  enrichmentId: number;
  writtenAt: Date;
  /** CRM property → value to put back ('' clears a property that was empty). */
  properties: Record<string, string>;
  /** Why this lead cannot be restored automatically, if so. */
  skip?: string;
}

/** Rows per page of the plan: a page is read, printed and applied before the next is read (L10). */
export const RESTORE_PAGE_SIZE = 500;

/**
 * The plan a page at a time, in lead-key order. Only the columns the plan needs are read (not the ~7.6 KB
 * `result`), the first write per lead is chosen in SQL (`distinct on`), and the pages are keyset-paged on
 * `(lead_key, id)` (its index): 100k written leads no longer sit in memory at once (1.4 GB before, L10).
 */
export async function* planRestorePages(
  db: Queryable,
  options: { since: Date; source?: Source; pageSize?: number },
): AsyncGenerator<RestoreItem[]> {
  const pageSize = options.pageSize ?? RESTORE_PAGE_SIZE;
  let after: string | undefined;
  for (;;) {
    const where: SQL[] = [eq(enrichments.writeStatus, 'written'), gte(enrichments.createdAt, options.since)];
    if (options.source) where.push(eq(enrichments.source, options.source));
    if (after !== undefined) where.push(gt(enrichments.leadKey, after));
    const rows = await db
      .selectDistinctOn([enrichments.leadKey], {
        id: enrichments.id,
        leadKey: enrichments.leadKey,
        source: enrichments.source,
        objectType: enrichments.objectType,
        objectId: enrichments.objectId,
        createdAt: enrichments.createdAt,
        previousProperties: enrichments.previousProperties,
      })
      .from(enrichments)
      .where(and(...where))
      .orderBy(asc(enrichments.leadKey), asc(enrichments.id))
      .limit(pageSize);
    if (!rows.length) return;
    yield rows.map(toItem);
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1].leadKey;
  }
}

/** The whole plan at once (tests, small rollbacks); the script pages through `planRestorePages`. */
export async function planRestore(db: Queryable, options: { since: Date; source?: Source }): Promise<RestoreItem[]> {
  const plan: RestoreItem[] = [];
  for await (const page of planRestorePages(db, options)) plan.push(...page);
  return plan;
}

function toItem(r: {
  id: number;
  leadKey: string;
  source: string;
  objectType: string;
  objectId: string;
  createdAt: Date;
  previousProperties: unknown;
}): RestoreItem {
  const previous = (r.previousProperties ?? null) as Record<string, string | null> | null;
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(previous ?? {})) properties[k] = v ?? '';
  const item: RestoreItem = {
    leadKey: r.leadKey,
    source: r.source as Source,
    accountId: accountOfKey(r.leadKey, r),
    objectType: r.objectType,
    objectId: r.objectId,
    enrichmentId: r.id,
    writtenAt: r.createdAt,
    properties,
  };
  if (!previous) item.skip = 'no previous values recorded';
  // A Pipedrive person is enriched on its organization, whose id the audit row does not hold.
  else if (r.source === 'pipedrive' && r.objectType === 'person') item.skip = 'written on the organization of this person: restore by hand';
  return item;
}

export interface RestoreOutcome {
  leadKey: string;
  ok: boolean;
  /** Written, but some values did not fit their CRM field and were left out (named in `detail`). */
  partial?: boolean;
  detail: string;
}

/** Writes the previous values back, account by account, through the CRM's adapter (rate limited like every write). */
export async function applyRestore(items: RestoreItem[], adapterFor: (source: Source) => CrmAdapter | undefined): Promise<RestoreOutcome[]> {
  const outcomes: RestoreOutcome[] = [];
  const groups = new Map<string, RestoreItem[]>();
  for (const item of items) {
    if (item.skip) {
      outcomes.push({ leadKey: item.leadKey, ok: false, detail: `skipped: ${item.skip}` });
      continue;
    }
    const key = `${item.source}\u0000${item.accountId}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  for (const group of groups.values()) {
    const { source, accountId } = group[0];
    const adapter = adapterFor(source);
    if (!adapter) {
      for (const item of group) outcomes.push({ leadKey: item.leadKey, ok: false, detail: `no ${source} credentials configured` });
      continue;
    }
    // One value that does not fit its field (a dropdown option since deleted) must not keep the others from
    // being restored (M7): it is left out and named.
    const unfit = new Map<RestoreItem, string[]>();
    const writes: CardWrite[] = group.map((i) => ({
      ref: { source, accountId, objectType: i.objectType, objectId: i.objectId },
      properties: i.properties,
      onUnfit: (why) => unfit.set(i, [...(unfit.get(i) ?? []), why]),
    }));
    let results: Awaited<ReturnType<CrmAdapter['writeCards']>>;
    try {
      results = await adapter.writeCards(accountId, writes);
    } catch (err) {
      for (const item of group) outcomes.push({ leadKey: item.leadKey, ok: false, detail: (err as Error).message });
      continue;
    }
    for (const item of group) {
      const r = results.get(refKey(item));
      const left = unfit.get(item);
      outcomes.push(
        r !== true
          ? { leadKey: item.leadKey, ok: false, detail: r instanceof CrmError ? r.message : 'missing from the write result' }
          : left
            ? { leadKey: item.leadKey, ok: true, partial: true, detail: `restored but for ${left.length} value(s): ${left.join('; ')}` }
            : { leadKey: item.leadKey, ok: true, detail: 'restored' },
      );
    }
  }
  return outcomes;
}
