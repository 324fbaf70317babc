import { cbsCurrent, cbsRefreshRuns, cbsTableVersions, enrichments, jobs, rateLimitState, rateLimitGrants } from '../../src/db/schema.js';
import type { Queryable } from '../../src/db/client.js';
import { type LeadRef, leadKey } from '../../src/leads/identity.js';

/** Row factories for the admin surface tests: unique leads, jobs, enrichments and CBS versions. */

let counter = 0;
export function uniqueId(): string {
  counter += 1;
  return `${Date.now() % 1_000_000}${counter}${Math.floor(Math.random() * 1000)}`;
}

export function leadRef(over: Partial<LeadRef> = {}): LeadRef {
  return { source: 'hubspot', accountId: '12345678', objectType: 'company', objectId: uniqueId(), ...over };
}

export async function seedJob(
  db: Queryable,
  ref: LeadRef,
  over: Partial<typeof jobs.$inferInsert> = {},
): Promise<typeof jobs.$inferSelect> {
  const [row] = await db
    .insert(jobs)
    .values({
      source: ref.source,
      accountId: ref.accountId,
      objectType: ref.objectType,
      objectId: ref.objectId,
      leadKey: leadKey(ref),
      reason: 'webhook',
      payload: { lead: { company: 'Bakkerij Jansen B.V.', sbi: '10.71', employees: 12 }, event: { type: `${ref.objectType}.creation` } },
      ...over,
    })
    .returning();
  return row;
}

/**
 * A card as the engine writes it, with real 83583NED fixture values: SBI 10.71 walks up to
 * division 10 ("307600 "), size class WP19090, 2019: 24.7 (x 1 000) jobs.
 */
export const SAMPLE_CARD = {
  cbs_sbi_code: '10.71',
  cbs_sbi_title: 'Vervaardiging van brood en vers banketbakkerswerk',
  cbs_sector: 'C Industrie',
  cbs_size_class: '10 tot 50 werkzame personen',
  cbs_size_category: 'small',
  cbs_market_figure: '24.7 x 1 000 banen van werknemers (83583NED)',
  cbs_period: '2019 december',
  cbs_source: 'Bron: CBS StatLine (CC BY 4.0)',
};

export async function seedEnrichment(
  db: Queryable,
  ref: LeadRef,
  jobId: number | null,
  over: Partial<typeof enrichments.$inferInsert> = {},
): Promise<typeof enrichments.$inferSelect> {
  const [row] = await db
    .insert(enrichments)
    .values({
      leadKey: leadKey(ref),
      source: ref.source,
      objectType: ref.objectType,
      objectId: ref.objectId,
      jobId,
      version: `v${uniqueId()}`,
      result: {
        status: 'enriched',
        provenance: {
          source: 'Bron: CBS StatLine (CC BY 4.0)',
          tables: [{ tableId: '83583NED', modified: '2020-11-19T02:00:00', period: '2019 december', source: 'snapshot' }],
        },
      },
      properties: SAMPLE_CARD,
      previousProperties: { cbs_sbi_code: null },
      writeStatus: 'dry_run',
      ...over,
    })
    .returning();
  return row;
}

export async function seedCbsTable(db: Queryable, tableId: string, loadedAt: Date, status = 'ready') {
  const [v] = await db
    .insert(cbsTableVersions)
    .values({ tableId, source: 'snapshot', status, title: `Table ${tableId}`, modified: '2020-11-19T02:00:00', rowCount: 1234, startedAt: loadedAt, finishedAt: loadedAt })
    .returning();
  if (status === 'ready') {
    await db.insert(cbsCurrent).values({ tableId, versionId: v.id, swappedAt: loadedAt }).onConflictDoUpdate({ target: cbsCurrent.tableId, set: { versionId: v.id } });
  }
  return v;
}

export async function seedRefreshRun(db: Queryable, status: 'ok' | 'failed', finishedAt: Date) {
  const [r] = await db
    .insert(cbsRefreshRuns)
    .values({ trigger: 'schedule', instance: 'test', status, startedAt: finishedAt, finishedAt, error: status === 'failed' ? 'CBS answered 503' : null })
    .returning();
  return r;
}

/**
 * A CRM credential's limiter state with `used` grants. `inFlightUntil`: the grants are requests
 * still on their way, counted until that deadline (src/crm/rate-limiter.ts), so a test on a slow
 * machine still finds them in the window; without it they arrived just now.
 */
export async function seedRateLimit(db: Queryable, key: string, used: number, opts: { inFlightUntil?: Date } = {}) {
  await db.insert(rateLimitState).values({ key, limit: 190, windowMs: 10_000, dailyLimit: 250_000, dailyUsed: 420 });
  const now = Date.now();
  const arrivedBy = (i: number) => opts.inFlightUntil ?? new Date(now - i * 100);
  if (used > 0) await db.insert(rateLimitGrants).values(Array.from({ length: used }, (_, i) => ({ key, grantedAt: new Date(now - i * 100), arrivedBy: arrivedBy(i) })));
}
