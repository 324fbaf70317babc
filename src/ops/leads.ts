import { and, desc, eq } from 'drizzle-orm';
import type { Queryable } from '../db/client.js';
import { enrichments, jobs } from '../db/schema.js';
import type { Source } from '../leads/identity.js';

/**
 * The audit trail of one lead for the admin API: every job attempt (from
 * `jobs.history`) and every enrichment with what was written, when, and what it
 * replaced.
 */

export interface LeadLookup {
  source: Source;
  objectId: string;
  /** The CRM account (HubSpot portal, Pipedrive company); default: the first one that knows this id. */
  accountId?: string;
  /** `company`, `contact`, `organization`, … ; default: the first type that knows this id. */
  objectType?: string;
}

export interface LeadRefFound {
  leadKey: string;
  source: string;
  accountId: string;
  objectType: string;
  objectId: string;
}

export type EnrichmentRow = typeof enrichments.$inferSelect;
export type JobHistoryRow = Pick<
  typeof jobs.$inferSelect,
  'id' | 'reason' | 'status' | 'attempts' | 'maxAttempts' | 'lastError' | 'outcome' | 'history' | 'createdAt' | 'updatedAt' | 'finishedAt' | 'runAt'
>;

export interface LeadHistory {
  lead: LeadRefFound;
  /** Other leads with the same id (another account or object type), so a caller can pick with `?account=`/`?type=`. */
  alsoKnownAs: LeadRefFound[];
  enrichments: EnrichmentRow[];
  jobs: JobHistoryRow[];
  /** The lead as the latest webhook carried it (the input to a re-enrich). */
  latestPayload: unknown;
}

/** Every lead key with this source and id, from jobs and enrichments, in a stable order. */
async function candidates(db: Queryable, q: LeadLookup): Promise<LeadRefFound[]> {
  const fromJobs = await db
    .selectDistinct({ leadKey: jobs.leadKey, source: jobs.source, accountId: jobs.accountId, objectType: jobs.objectType, objectId: jobs.objectId })
    .from(jobs)
    .where(and(eq(jobs.source, q.source), eq(jobs.objectId, q.objectId)));
  const fromEnrichments = await db
    .selectDistinct({ leadKey: enrichments.leadKey, source: enrichments.source, objectType: enrichments.objectType, objectId: enrichments.objectId })
    .from(enrichments)
    .where(and(eq(enrichments.source, q.source), eq(enrichments.objectId, q.objectId)));
  const byKey = new Map<string, LeadRefFound>();
  for (const r of fromJobs) byKey.set(r.leadKey, r);
  for (const r of fromEnrichments) {
    // enrichments carry no account column; the lead key (`source:account:type:id`) does.
    if (!byKey.has(r.leadKey)) byKey.set(r.leadKey, { ...r, accountId: accountOfKey(r.leadKey, r) });
  }
  return [...byKey.values()]
    .filter((r) => (q.accountId === undefined || r.accountId === q.accountId) && (q.objectType === undefined || r.objectType === q.objectType))
    .sort((a, b) => a.accountId.localeCompare(b.accountId) || a.objectType.localeCompare(b.objectType));
}

export function accountOfKey(key: string, r: { source: string; objectType: string; objectId: string }): string {
  const prefix = `${r.source}:`;
  const suffix = `:${r.objectType}:${r.objectId}`;
  return key.startsWith(prefix) && key.endsWith(suffix) ? key.slice(prefix.length, key.length - suffix.length) : '';
}

/** The lead's history, or undefined when no job or enrichment knows it. */
export async function leadHistory(db: Queryable, q: LeadLookup): Promise<LeadHistory | undefined> {
  const found = await candidates(db, q);
  const lead = found[0];
  if (!lead) return undefined;
  const enrichmentRows = await db.select().from(enrichments).where(eq(enrichments.leadKey, lead.leadKey)).orderBy(desc(enrichments.id));
  const jobRows = await db
    .select({
      id: jobs.id,
      reason: jobs.reason,
      status: jobs.status,
      attempts: jobs.attempts,
      maxAttempts: jobs.maxAttempts,
      lastError: jobs.lastError,
      outcome: jobs.outcome,
      history: jobs.history,
      createdAt: jobs.createdAt,
      updatedAt: jobs.updatedAt,
      finishedAt: jobs.finishedAt,
      runAt: jobs.runAt,
    })
    .from(jobs)
    .where(eq(jobs.leadKey, lead.leadKey))
    .orderBy(desc(jobs.id));
  const [latest] = await db
    .select({ payload: jobs.payload })
    .from(jobs)
    .where(eq(jobs.leadKey, lead.leadKey))
    .orderBy(desc(jobs.id))
    .limit(1);
  return { lead, alsoKnownAs: found.slice(1), enrichments: enrichmentRows, jobs: jobRows, latestPayload: latest?.payload ?? null };
}

export interface Provenance {
  sourceLine: string | null;
  /** Each CBS table the enrichment drew on: its CBS modification date, the period used, snapshot or live copy. */
  tables: Array<{ tableId: string; modified: string | null; period: string | null; source: string | null }>;
}

/**
 * Which CBS tables and periods an enrichment drew on, from the `provenance` the
 * engine stores in its result (src/enrich/result.ts). Rows without it yield an empty list.
 */
export function provenanceOf(result: unknown): Provenance {
  const p = (result as { provenance?: { source?: unknown; tables?: unknown } } | null)?.provenance;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const tables = Array.isArray(p?.tables)
    ? p.tables
        .filter((t): t is Record<string, unknown> => !!t && typeof t === 'object' && typeof (t as { tableId?: unknown }).tableId === 'string')
        .map((t) => ({ tableId: t.tableId as string, modified: str(t.modified), period: str(t.period), source: str(t.source) }))
    : [];
  return { sourceLine: str(p?.source), tables };
}

/** One configured card figure as the status page shows it: value or reason, and where it came from. */
export interface FigureView {
  id: string;
  label: string;
  status: string;
  value: number | null;
  reason: string | null;
  tableId: string;
  topic: string | null;
  unit: string | null;
  period: string | null;
  modified: string | null;
  source: string | null;
  region: string | null;
  /** 'national' | 'municipality' */
  scope: string | null;
  /** value × the unit's multiplier: the count itself. */
  count: number | null;
  tableTitle: string | null;
  topicTitle: string | null;
  /** CBS's status of the period ("Voorlopig", "Definitief"). */
  periodStatus: string | null;
  /** The SBI category and size class the cell is for. */
  sbi: string | null;
  size: string | null;
  /** The most recent period with a value, when the latest one has none. */
  lastKnown: { count: number | null; period: string | null } | null;
  /** The SBI code the value is for (`62`, `A-U`); null without a value. */
  sbiCode: string | null;
  /** The figure's `trend` as stored (src/enrich/result.ts TrendSchema), unread here: the status page parses it; null when absent. */
  trend: unknown;
}

/** The configured figures (`figures` of the stored result, src/enrich/result.ts); older rows without them yield []. */
export function figuresOf(result: unknown): FigureView[] {
  const list = (result as { figures?: unknown } | null)?.figures;
  if (!Array.isArray(list)) return [];
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const out: FigureView[] = [];
  for (const f of list) {
    if (!f || typeof f !== 'object') continue;
    const r = f as Record<string, unknown>;
    const prov = (r.provenance && typeof r.provenance === 'object' ? r.provenance : {}) as Record<string, unknown>;
    const fig = (r.figure && typeof r.figure === 'object' ? r.figure : {}) as Record<string, unknown>;
    const topic = prov.topic && typeof prov.topic === 'object' ? (prov.topic as Record<string, unknown>) : {};
    const region = fig.region && typeof fig.region === 'object' ? (fig.region as Record<string, unknown>) : {};
    const sub = (o: Record<string, unknown>, k: string) => (o[k] && typeof o[k] === 'object' ? (o[k] as Record<string, unknown>) : {});
    const last = sub(fig, 'lastKnown');
    if (typeof r.id !== 'string' || typeof r.tableId !== 'string') continue;
    out.push({
      id: r.id,
      label: str(r.label) ?? r.id,
      status: str(r.status) ?? 'unknown',
      value: typeof fig.value === 'number' ? fig.value : null,
      reason: str(r.reason),
      tableId: r.tableId,
      topic: str(topic.key),
      unit: str(prov.unit),
      period: str(prov.period),
      modified: str(prov.modified),
      source: str(prov.source),
      region: str(region.title),
      scope: str(r.scope),
      count: typeof fig.count === 'number' ? fig.count : null,
      tableTitle: str(prov.title),
      topicTitle: str(topic.title),
      periodStatus: str(sub(fig, 'period').status),
      sbi: str(sub(fig, 'sbi').title),
      size: str(sub(fig, 'size').title),
      lastKnown: fig.lastKnown && typeof fig.lastKnown === 'object' ? { count: typeof last.count === 'number' ? last.count : null, period: str(sub(last, 'period').title) } : null,
      sbiCode: fig.sbi && typeof fig.sbi === 'object' ? str((fig.sbi as Record<string, unknown>).code) : null,
      trend: r.trend ?? null,
    });
  }
  return out;
}
