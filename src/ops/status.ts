import { desc, eq, sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Queryable } from '../db/client.js';
import { enrichments, jobs, rateLimitState } from '../db/schema.js';
import { type CbsTableStatus, tableStatus } from '../cbs/status.js';
import { type CbsRefreshSummary, recentCbsRefreshes } from './cbs-refresh-runs.js';
import { DEFAULT_MAPPING, type Mapping } from '../crm/mapping.js';
import { CARD_FIELDS } from '../enrich/types.js';
import { queueStats } from '../jobs/queue.js';
import { type SetupWait, jobsWaitingForSetup } from './crm-setup.js';
import { type DeadJob, latestDeadJobs } from './dead-letters.js';
import { type FigureView, figuresOf } from './leads.js';

/** Everything the status page shows, read in one go. Lead data in here is untrusted text. */

export interface LeadCardView {
  id: number;
  leadKey: string;
  source: string;
  objectType: string;
  objectId: string;
  company: string | null;
  card: Record<string, string>;
  /** The configured figures with their provenance (table, topic, unit, period, Modified). */
  figures: FigureView[];
  writeStatus: string;
  createdAt: Date;
}

export interface RateLimitView {
  key: string;
  limit: number;
  windowMs: number;
  usedInWindow: number;
  pausedUntil: Date | null;
  pauseReason: string | null;
  dailyLimit: number | null;
  dailyUsed: number;
}

export interface StatusSnapshot {
  generatedAt: Date;
  database: string;
  mode: { dryRun: boolean; rolloutPercent: number; crms: Array<{ crm: string; writes: boolean }> };
  queue: { counts: Record<string, number>; oldestWaitingSeconds: number; dead: DeadJob[] };
  enrichments: LeadCardView[];
  cbs: { tables: CbsTableStatus[]; refreshes: CbsRefreshSummary[] };
  rateLimits: RateLimitView[];
  /** CRM accounts whose jobs wait for setup (missing properties the token may not create): the page's banner. */
  setupWaits: SetupWait[];
}

/** The written properties back under their card field names (Pipedrive, for one, uses its own field names). */
function asCard(v: unknown, mapping: Partial<Record<string, string>>): Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  const props = v as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const field of CARD_FIELDS) {
    const val = props[mapping[field] ?? field] ?? props[field];
    if (val !== null && val !== undefined) out[field] = typeof val === 'string' ? val : JSON.stringify(val);
  }
  return out;
}

/** The company name: from the enrichment's input (webhook merged with the CRM read), else from the webhook alone. */
function companyOf(payload: unknown, result: unknown): string | null {
  const input = (result as { input?: { company?: unknown } } | null)?.input;
  if (typeof input?.company === 'string' && input.company) return input.company;
  const lead = (payload as { lead?: { company?: unknown } } | null)?.lead;
  if (typeof lead?.company === 'string' && lead.company) return lead.company;
  return null;
}

export async function recentEnrichments(db: Queryable, limit = 12, mapping: Mapping = DEFAULT_MAPPING): Promise<LeadCardView[]> {
  const rows = await db
    .select({
      id: enrichments.id,
      leadKey: enrichments.leadKey,
      source: enrichments.source,
      objectType: enrichments.objectType,
      objectId: enrichments.objectId,
      properties: enrichments.properties,
      result: enrichments.result,
      writeStatus: enrichments.writeStatus,
      createdAt: enrichments.createdAt,
      payload: jobs.payload,
    })
    .from(enrichments)
    .leftJoin(jobs, eq(jobs.id, enrichments.jobId))
    .orderBy(desc(enrichments.id))
    .limit(limit);
  return rows.map((r) => ({
    id: r.id,
    leadKey: r.leadKey,
    source: r.source,
    objectType: r.objectType,
    objectId: r.objectId,
    company: companyOf(r.payload, r.result),
    card: asCard(r.properties, mapping[r.source as keyof Mapping] ?? {}),
    figures: figuresOf(r.result),
    writeStatus: r.writeStatus,
    createdAt: r.createdAt,
  }));
}

/** The shared limiter's state per CRM account, with the requests granted in the current window. */
export async function rateLimitViews(db: Queryable, now = new Date()): Promise<RateLimitView[]> {
  const rows = await db
    .select({
      key: rateLimitState.key,
      limit: rateLimitState.limit,
      windowMs: rateLimitState.windowMs,
      pausedUntil: rateLimitState.pausedUntil,
      pauseReason: rateLimitState.pauseReason,
      dailyLimit: rateLimitState.dailyLimit,
      dailyUsed: rateLimitState.dailyUsed,
      usedInWindow: sql<number>`(select count(*)::int from rate_limit_grants g where g.key = ${rateLimitState.key}
        and g.arrived_by > ${now.toISOString()}::timestamptz - (${rateLimitState.windowMs} * interval '1 millisecond'))`,
    })
    .from(rateLimitState)
    .orderBy(rateLimitState.key);
  return rows.map((r) => ({
    ...r,
    usedInWindow: Number(r.usedInWindow),
    pausedUntil: r.pausedUntil && r.pausedUntil > now ? r.pausedUntil : null,
  }));
}

export async function statusSnapshot(db: Queryable, config: Config, databaseLabel: string, mapping?: Mapping): Promise<StatusSnapshot> {
  const [queue, dead, recent, tables, refreshes, rateLimits, setupWaits] = await Promise.all([
    queueStats(db),
    latestDeadJobs(db, 5),
    recentEnrichments(db, 12, mapping),
    tableStatus(db, config.cbs.tables),
    recentCbsRefreshes(db, 3),
    rateLimitViews(db),
    jobsWaitingForSetup(db),
  ]);
  const crms = [
    { crm: 'hubspot', writes: !!config.hubspot.accessToken },
    { crm: 'pipedrive', writes: !!config.pipedrive.apiToken },
    { crm: 'generic', writes: !!config.generic.crmUrl },
  ];
  return {
    generatedAt: new Date(),
    database: databaseLabel,
    mode: { dryRun: config.dryRun, rolloutPercent: config.rolloutPercent, crms },
    queue: { counts: queue.counts, oldestWaitingSeconds: queue.oldestReadyAgeSeconds, dead },
    enrichments: recent,
    cbs: { tables, refreshes },
    rateLimits,
    setupWaits,
  };
}
