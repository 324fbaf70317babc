import { and, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.js';
import { enrichments, jobs } from '../db/schema.js';
import { accountOfKey } from './leads.js';
import { type LeadSummary, summaryOf } from './lead-view.js';

/**
 * The status page's lead list: one row per lead (its latest enrichment), newest
 * first, searchable by company name, CRM object id or domain, one page at a time.
 * Company and domain are read from the stored input (webhook merged with the CRM
 * read), else from the webhook alone: HubSpot's webhooks carry ids only.
 */

export interface LeadListRow extends LeadSummary {
  enrichmentId: number;
  leadKey: string;
  source: string;
  accountId: string;
  objectType: string;
  objectId: string;
  writeStatus: string;
  createdAt: Date;
}

export interface LeadList {
  rows: LeadListRow[];
  /** Leads matching the search (all leads without one). */
  total: number;
  page: number;
  pageSize: number;
  query: string;
  /** The CRM account the list is limited to (`source:accountId`), '' for every account. */
  account: string;
}

/** One CRM account: a HubSpot portal, a Pipedrive company, a generic tenant. */
export interface AccountFilter {
  source: string;
  accountId: string;
}

/** Leads of one account: their key starts `source:accountId:` (src/leads/identity.ts). */
function ofAccount(account: AccountFilter | undefined) {
  if (!account) return undefined;
  const prefix = `${account.source}:${account.accountId}:`.replace(/[\\%_]/g, (c) => `\\${c}`);
  return sql`${enrichments.leadKey} like ${`${prefix}%`}`;
}

export const LEAD_PAGE_SIZE = 50;
/** A search longer than this is cut: nobody types a 200-character company name, and the LIKE stays cheap. */
export const MAX_QUERY_LENGTH = 100;

const company = sql<string | null>`coalesce(nullif(${enrichments.result}->'input'->>'company', ''), nullif(${jobs.payload}->'lead'->>'company', ''))`;
const domain = sql<string | null>`coalesce(nullif(${enrichments.result}->'input'->>'domain', ''), nullif(${jobs.payload}->'lead'->>'domain', ''))`;

/** `%`, `_` and `\` typed by a person are letters, not patterns. */
const likeText = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function matches(q: string) {
  if (!q) return undefined;
  const like = likeText(q);
  // A domain is searched without its scheme and "www.", as people paste whole URLs.
  const bareDomain = likeText(q.replace(/^https?:\/\//i, '').replace(/^www\./i, '').replace(/\/.*$/, '') || q);
  return sql`(${company} ilike ${like} or ${enrichments.objectId} = ${q} or ${domain} ilike ${bareDomain})`;
}

/** The latest enrichment of each lead: older ones are its history, on the lead page. */
const latestPerLead = sql`${enrichments.id} in (select max(e2.id) from enrichments e2 group by e2.lead_key)`;

export async function searchLeads(db: Queryable, opts: { query?: string; page?: number; pageSize?: number; account?: AccountFilter } = {}): Promise<LeadList> {
  const query = (opts.query ?? '').trim().slice(0, MAX_QUERY_LENGTH);
  const pageSize = opts.pageSize ?? LEAD_PAGE_SIZE;
  const where = and(latestPerLead, matches(query), ofAccount(opts.account));
  const [{ n }] = await db
    .select({ n: count() })
    .from(enrichments)
    .leftJoin(jobs, eq(jobs.id, enrichments.jobId))
    .where(where);
  const total = Number(n);
  const lastPage = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(Math.max(1, Math.floor(opts.page ?? 1)), lastPage);
  const rows = await db
    .select({
      enrichmentId: enrichments.id,
      leadKey: enrichments.leadKey,
      source: enrichments.source,
      objectType: enrichments.objectType,
      objectId: enrichments.objectId,
      result: enrichments.result,
      writeStatus: enrichments.writeStatus,
      createdAt: enrichments.createdAt,
      company,
      domain,
    })
    .from(enrichments)
    .leftJoin(jobs, eq(jobs.id, enrichments.jobId))
    .where(where)
    .orderBy(desc(enrichments.id))
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  return {
    rows: rows.map((r) => ({
      enrichmentId: r.enrichmentId,
      leadKey: r.leadKey,
      source: r.source,
      accountId: accountOfKey(r.leadKey, r),
      objectType: r.objectType,
      objectId: r.objectId,
      writeStatus: r.writeStatus,
      createdAt: r.createdAt,
      ...summaryOf(r.result, { company: r.company, domain: r.domain }),
    })),
    total,
    page,
    pageSize,
    query,
    account: opts.account ? `${opts.account.source}:${opts.account.accountId}` : '',
  };
}

/** Company names of leads by key, from their latest enrichment's input or any job's webhook (for dead letters). */
export async function companiesOf(db: Queryable, leadKeys: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (leadKeys.length === 0) return out;
  const fromEnrichments = await db
    .select({ leadKey: enrichments.leadKey, company })
    .from(enrichments)
    .leftJoin(jobs, eq(jobs.id, enrichments.jobId))
    .where(and(inArray(enrichments.leadKey, leadKeys), latestPerLead));
  for (const r of fromEnrichments) if (r.company) out.set(r.leadKey, r.company);
  const missing = leadKeys.filter((k) => !out.has(k));
  if (missing.length) {
    const fromJobs = await db
      .select({ leadKey: jobs.leadKey, company: sql<string | null>`nullif(${jobs.payload}->'lead'->>'company', '')` })
      .from(jobs)
      .where(and(inArray(jobs.leadKey, missing), sql`nullif(${jobs.payload}->'lead'->>'company', '') is not null`))
      .orderBy(desc(jobs.id));
    for (const r of fromJobs) if (r.company && !out.has(r.leadKey)) out.set(r.leadKey, r.company);
  }
  return out;
}
