import { asc, sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Queryable } from '../db/client.js';
import { crmAccounts, rateLimitState } from '../db/schema.js';
import { type CbsTableStatus, tableStatus } from '../cbs/status.js';
import { type CbsRefreshSummary, recentCbsRefreshes } from './cbs-refresh-runs.js';
import { queueStats } from '../jobs/queue.js';
import { type SetupWait, jobsWaitingForSetup } from './crm-setup.js';
import { type DeadJob, latestDeadJobs } from './dead-letters.js';
import { type AccountFilter, type LeadList, searchLeads } from './lead-list.js';
import { backfillProgress, listBackfills } from '../jobs/backfill-runs.js';

/** Everything the status page shows, read in one go. Lead data in here is untrusted text. */

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
  mode: WriteMode;
  queue: { counts: Record<string, number>; oldestWaitingSeconds: number; dead: DeadJob[] };
  /** One page of the lead list (the latest enrichment per lead), searched by company, id or domain. */
  leads: LeadList;
  cbs: { tables: CbsTableStatus[]; refreshes: CbsRefreshSummary[] };
  rateLimits: RateLimitView[];
  /** CRM accounts whose jobs wait for setup (missing properties the token may not create): the page's banner. */
  setupWaits: SetupWait[];
  /** The latest backfills with their progress; a preview links its report and CSV. */
  backfills: BackfillView[];
  /** Every registered CRM account with its state and why (needs reconnect, paused); never a secret. */
  accounts: AccountView[];
  /** Set on a client's view: the one account shown; the queue, backfills, rate limits and CBS boxes are not read. */
  viewer?: AccountFilter;
}

export interface AccountView {
  source: string;
  accountId: string;
  state: string;
  stateReason: string | null;
  authKind: string;
  origin: string;
}

/** The account registry as the page shows it: no credential, sealed or not, is read. */
export async function accountViews(db: Queryable): Promise<AccountView[]> {
  return db
    .select({
      source: crmAccounts.source,
      accountId: crmAccounts.accountId,
      state: crmAccounts.state,
      stateReason: crmAccounts.stateReason,
      authKind: crmAccounts.authKind,
      origin: crmAccounts.origin,
    })
    .from(crmAccounts)
    .orderBy(asc(crmAccounts.source), asc(crmAccounts.accountId));
}

export interface BackfillView {
  id: number;
  source: string;
  objectType: string;
  state: string;
  dryRun: boolean;
  done: number;
  total: number | null;
  etaSeconds: number | null;
}

/** The last `limit` backfills and how far each got. */
export async function backfillViews(db: Queryable, limit = 5): Promise<BackfillView[]> {
  const runs = await listBackfills(db, limit);
  return Promise.all(
    runs.map(async (run) => {
      const p = await backfillProgress(db, run);
      return { id: run.id, source: run.source, objectType: run.objectType, state: run.state, dryRun: run.dryRun, done: p.done, total: p.total, etaSeconds: p.etaSeconds };
    }),
  );
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

/**
 * Whether cards are written, decided once so every part of the page says the same:
 * `dry_run` (DRY_RUN=true), `no_crm` (no CRM has credentials, so nothing can be
 * written either), or `writing` to the CRMs listed.
 */
export interface WriteMode {
  state: 'dry_run' | 'no_crm' | 'writing';
  dryRun: boolean;
  rolloutPercent: number;
  crms: Array<{ crm: string; configured: boolean; writes: boolean }>;
  writing: string[];
}

export function writeModeOf(config: Config): WriteMode {
  const configured = [
    { crm: 'hubspot', configured: !!config.hubspot.accessToken },
    { crm: 'pipedrive', configured: !!config.pipedrive.apiToken },
    { crm: 'generic', configured: !!config.generic.crmUrl },
  ];
  const crms = configured.map((c) => ({ ...c, writes: c.configured && !config.dryRun }));
  const writing = crms.filter((c) => c.writes).map((c) => c.crm);
  const state = config.dryRun ? 'dry_run' : writing.length === 0 ? 'no_crm' : 'writing';
  return { state, dryRun: config.dryRun, rolloutPercent: config.rolloutPercent, crms, writing };
}

export async function statusSnapshot(
  db: Queryable,
  config: Config,
  databaseLabel: string,
  search: { query?: string; page?: number; account?: AccountFilter } = {},
  /** A client's view (a viewer token): that account's leads, dead letters, waits and state only; nothing else is read. */
  viewer?: AccountFilter,
): Promise<StatusSnapshot> {
  if (viewer) {
    const ofViewer = <T extends { source: string; accountId: string }>(rows: T[]) => rows.filter((r) => r.source === viewer.source && r.accountId === viewer.accountId);
    const [dead, leads, setupWaits, accounts] = await Promise.all([
      latestDeadJobs(db, 5, viewer),
      searchLeads(db, { ...search, account: viewer }),
      jobsWaitingForSetup(db),
      accountViews(db),
    ]);
    return {
      generatedAt: new Date(),
      database: databaseLabel,
      mode: writeModeOf(config),
      queue: { counts: {}, oldestWaitingSeconds: 0, dead },
      leads,
      cbs: { tables: [], refreshes: [] },
      rateLimits: [],
      setupWaits: ofViewer(setupWaits),
      backfills: [],
      accounts: ofViewer(accounts),
      viewer,
    };
  }
  const [queue, dead, leads, tables, refreshes, rateLimits, setupWaits, backfills, accounts] = await Promise.all([
    queueStats(db),
    latestDeadJobs(db, 5),
    searchLeads(db, search),
    tableStatus(db, config.cbs.tables),
    recentCbsRefreshes(db, 3),
    rateLimitViews(db),
    jobsWaitingForSetup(db),
    backfillViews(db),
    accountViews(db),
  ]);
  return {
    generatedAt: new Date(),
    database: databaseLabel,
    mode: writeModeOf(config),
    queue: { counts: queue.counts, oldestWaitingSeconds: queue.oldestReadyAgeSeconds, dead },
    leads,
    cbs: { tables, refreshes },
    rateLimits,
    setupWaits,
    backfills,
    accounts,
  };
}
