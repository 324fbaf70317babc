import { Cron } from 'croner';
import type { AccountBindings } from '../accounts/bindings.js';
import { listAccounts } from '../accounts/repository.js';
import { and, eq, inArray, max } from 'drizzle-orm';
import { createCatchupAccounts, type CatchupAccounts, type SweepAccount } from './catchup-account.js';
import { tryWithAdvisoryLock } from '../db/advisory-lock.js';
import type { Database } from '../db/client.js';
import { enrichments, jobs, syncCursors } from '../db/schema.js';
import { recordWebhook } from './intake.js';
import { leadKey, type Source } from '../leads/identity.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { CrmAdapter, ListedLead } from '../crm/adapter.js';
import type { CrmRegistry } from '../crm/registry.js';
import type { LeadEvent } from '../crm/webhook-event.js';

/**
 * The catch-up sweep: CRMs lose webhooks (Pipedrive drops them after ten
 * failures, HubSpot gives up after a day), so every so often each configured
 * credential's own account (catchup-account.ts; never an account id a webhook
 * merely named, review 2026-12 M3) is asked, for every object type its webhooks cover (HubSpot companies and
 * contacts, Pipedrive organizations and persons), for the records since the
 * last sweep, and any lead that never arrived is recorded exactly like a
 * webhook: same dedupe key as the creation webhook (HubSpot
 * `hubspot:{portal}:{type}:{id}:created`), and a lead that already has a job
 * is left alone (Pipedrive's webhook keys are per event, not per object).
 *
 * The cursor follows the order the API sorts by (HubSpot search: creation
 * time; Pipedrive lists: update time), and each sweep starts an overlap
 * window before it: HubSpot's search index lists a record a while after its
 * creation, and records that share the cursor's moment must not be skipped.
 * What the overlap lists again is deduplicated. One instance sweeps at a time
 * (advisory lock).
 */

/** How far back the first sweep of an account looks (webhook dedupe keys are kept ≥ 4 days). */
export const FIRST_LOOKBACK_MS = 24 * 3600_000;
/** How far before the cursor each sweep starts again: longer than a search index lags behind. */
export const CATCHUP_OVERLAP_MS = 10 * 60_000;
const MAX_PER_SWEEP = 500;
/**
 * One sweep's deadline, over every account and type: a CRM that keeps a listing
 * busy (a cursor that repeats, answers that trickle) used to hold the sweep and
 * its advisory lock for ever, so no instance swept again.
 */
export const CATCHUP_DEADLINE_MS = 10 * 60_000;

export interface CatchupReport {
  ran: boolean;
  accounts: Array<{
    source: Source;
    accountId: string;
    objectType: string;
    listed: number;
    enqueued: number;
    /** Records changed since the last sweep (update times), and how many of them were enqueued again. */
    changed?: number;
    reenriched?: number;
    error?: string;
  }>;
  /** Credentials not swept this time, because the account they belong to is not known (catchup-account.ts). */
  skipped: Array<{ source: Source; reason: Extract<SweepAccount, { skipped: string }>['skipped']; why: string }>;
}

export interface CatchupOptions {
  database: Database;
  crm: CrmRegistry;
  /**
   * The account registry (issue 24): every registered, active account is swept with its own
   * credential, including one whose webhooks never arrived. Without it, only the environment's.
   */
  registry?: AccountBindings;
  logger: Logger;
  /** Cron expression (CRM_CATCHUP_CRON); undefined = never scheduled. */
  cron?: string;
  timezone?: string;
  /** Default CATCHUP_DEADLINE_MS; tests shorten it. */
  deadlineMs?: number;
  /** Counts skipped sweeps (`verrijk_catchup_skipped_total`). */
  metrics?: Metrics;
  /** Which account each credential belongs to; default catchup-account.ts (issue 24's registry may replace it). */
  accounts?: CatchupAccounts;
}

export function catchupDedupeKey(ref: ListedLead['ref']): string {
  return `${ref.source}:${ref.accountId}:${ref.objectType}:${ref.objectId}:created`;
}

export function createCatchup(options: CatchupOptions) {
  const { database, crm, logger } = options;
  let job: Cron | undefined;
  let running: Promise<CatchupReport> | undefined;

  const accounts = options.accounts ?? createCatchupAccounts({ database, logger, metrics: options.metrics });

  async function saveCursor(key: string, cursor: string, ok: boolean, now: Date) {
    await database.db
      .insert(syncCursors)
      .values({ key, cursor, ok, updatedAt: now })
      .onConflictDoUpdate({ target: syncCursors.key, set: ok ? { cursor, ok, updatedAt: now } : { ok, updatedAt: now } });
  }

  async function sweep(adapter: CrmAdapter, source: Source, accountId: string, objectType: string, now: Date, signal: AbortSignal) {
    const key = `catchup:${source}:${accountId}:${objectType}`;
    const [saved] = await database.db.select().from(syncCursors).where(eq(syncCursors.key, key));
    // A cursor ahead of the clock (stored before the bound below existed) would make every
    // sweep list nothing, silently: it is taken back to now, and said so.
    const ahead = saved && Date.parse(saved.cursor) > now.getTime();
    if (ahead) logger.warn({ source, accountId, objectType, cursor: saved.cursor }, 'catch-up cursor was ahead of the clock; sweeping from now');
    const cursor = saved && ahead ? { ...saved, cursor: now.toISOString() } : saved;
    const since = cursor ? new Date(Date.parse(cursor.cursor) - CATCHUP_OVERLAP_MS) : new Date(now.getTime() - FIRST_LOOKBACK_MS);
    try {
      signal.throwIfAborted();
      const listing = await adapter.listSince!(accountId, objectType, since, MAX_PER_SWEEP, signal);
      const listed = listing.leads;
      const known = listed.length
        ? new Set(
            (await database.db.selectDistinct({ leadKey: jobs.leadKey }).from(jobs).where(inArray(jobs.leadKey, listed.map((l) => leadKey(l.ref))))).map((r) => r.leadKey),
          )
        : new Set<string>();
      const events: LeadEvent[] = listed
        .filter((l) => !known.has(leadKey(l.ref)))
        .map((l) => ({
          ref: l.ref,
          // jobs.reason 'catchup' tells the audit trail this lead came from the sweep, not a webhook.
          reason: 'catchup' as LeadEvent['reason'],
          dedupeKey: catchupDedupeKey(l.ref),
          eventType: 'catchup.created',
          payload: { lead: {}, event: { type: 'catchup.created', occurredAt: l.createdAt } },
        }));
      const result = events.length ? await recordWebhook(database, source, { events, ignored: [] }) : { accepted: 0 };
      // A listing cut off at the limit resumes exactly where it stopped (the overlap would list the same page again).
      let reached = listing.reached && !listing.complete ? new Date(Date.parse(listing.reached) + CATCHUP_OVERLAP_MS).toISOString() : listing.reached;
      // Never past the sweep's own start: one record dated in the future (an import's typo, 2062 for
      // 2026) would otherwise move the cursor there, and every later sweep would find nothing.
      if (reached && Date.parse(reached) > now.getTime()) {
        logger.warn({ source, accountId, objectType, reached }, 'catch-up listed a record from the future; the cursor stays at now');
        reached = now.toISOString();
      }
      const next = [cursor?.cursor, reached].filter((c): c is string => !!c).sort().at(-1) ?? since.toISOString();
      await saveCursor(key, next, true, now);
      return { source, accountId, objectType, listed: listed.length, enqueued: result.accepted };
    } catch (err) {
      const message = signal.aborted ? `the sweep passed its deadline: ${(err as Error).message}` : (err as Error).message;
      await saveCursor(key, since.toISOString(), false, now);
      logger.warn({ source, accountId, objectType, err: { message } }, 'catch-up sweep failed for an account');
      return { source, accountId, objectType, listed: 0, enqueued: 0, error: message };
    }
  }

  /**
   * The update times: leads whose record changed after Verrijk last read it (its newest row in
   * `enrichments`, recorded after the read and after any write) are enqueued again (reason
   * `reenrich`, as a property-change webhook), so their card follows what the CRM holds now. A
   * change Verrijk wrote itself (the card's properties) is at or before that row: it does not come
   * back. Should the CRM's clock run ahead of ours, such a write comes back once: the job reads the
   * lead, finds the card unchanged, writes nothing, and so moves no update time. Leads Verrijk never
   * read are left to the creation sweep and backfills. The first sweep looks back one overlap only.
   */
  async function sweepChanged(adapter: CrmAdapter, source: Source, accountId: string, objectType: string, now: Date, signal: AbortSignal) {
    const key = `catchup-changed:${source}:${accountId}:${objectType}`;
    const [saved] = await database.db.select().from(syncCursors).where(eq(syncCursors.key, key));
    const from = saved && Date.parse(saved.cursor) <= now.getTime() ? Date.parse(saved.cursor) : now.getTime();
    const since = new Date(from - CATCHUP_OVERLAP_MS);
    try {
      signal.throwIfAborted();
      const listing = await adapter.listChangedSince!(accountId, objectType, since, MAX_PER_SWEEP, signal);
      const keys = [...new Set(listing.changed.map((c) => leadKey(c.ref)))];
      const lastRead = new Map<string, number>();
      const busy = new Set<string>();
      if (keys.length) {
        const reads = await database.db
          .select({ leadKey: enrichments.leadKey, at: max(enrichments.createdAt) })
          .from(enrichments)
          .where(inArray(enrichments.leadKey, keys))
          .groupBy(enrichments.leadKey);
        for (const r of reads) if (r.at) lastRead.set(r.leadKey, new Date(r.at).getTime());
        const running = await database.db
          .selectDistinct({ leadKey: jobs.leadKey })
          .from(jobs)
          .where(and(inArray(jobs.leadKey, keys), inArray(jobs.status, ['queued', 'running'])));
        for (const r of running) busy.add(r.leadKey);
      }
      const seen = new Set<string>();
      const events: LeadEvent[] = [];
      for (const c of [...listing.changed].reverse()) {
        const k = leadKey(c.ref);
        const read = lastRead.get(k);
        if (seen.has(k) || read === undefined || busy.has(k) || Date.parse(c.modifiedAt) <= read) continue;
        seen.add(k);
        events.push({
          ref: c.ref,
          reason: 'reenrich',
          // One job per change: the overlap lists it again without a second job.
          dedupeKey: `catchup:changed:${k}:${c.modifiedAt}`,
          eventType: 'catchup.updated',
          payload: { lead: {}, event: { type: 'catchup.updated', occurredAt: c.modifiedAt } },
        });
      }
      const result = events.length ? await recordWebhook(database, source, { events, ignored: [] }) : { accepted: 0 };
      // Complete: seen up to now. Cut off at the limit: resume past the overlap from the last change listed
      // (as the creation sweep does). Never past now, never back.
      const last = Date.parse(listing.reached ?? '');
      const reached = listing.complete || Number.isNaN(last) ? now.getTime() : Math.min(now.getTime(), last + CATCHUP_OVERLAP_MS);
      await saveCursor(key, new Date(Math.max(from, reached)).toISOString(), true, now);
      return { changed: listing.changed.length, reenriched: result.accepted };
    } catch (err) {
      const message = signal.aborted ? `the sweep passed its deadline: ${(err as Error).message}` : (err as Error).message;
      logger.warn({ source, accountId, objectType, err: { message } }, 'catch-up sweep of changed records failed for an account');
      return { changed: 0, reenriched: 0, error: message };
    }
  }

  async function sweepAccount(adapter: CrmAdapter, source: Source, accountId: string, now: Date, signal: AbortSignal) {
    const out = [];
    for (const objectType of adapter.catchupTypes ?? []) {
      const created = await sweep(adapter, source, accountId, objectType, now, signal);
      if (!adapter.listChangedSince) {
        out.push(created);
        continue;
      }
      const changed = await sweepChanged(adapter, source, accountId, objectType, now, signal);
      out.push({ ...created, changed: changed.changed, reenriched: changed.reenriched, ...(created.error || changed.error ? { error: created.error ?? changed.error } : {}) });
    }
    return out;
  }

  /** One sweep over every configured CRM, once per credential; skipped when another instance is sweeping. */
  async function runOnce(now = new Date()): Promise<CatchupReport> {
    const swept = await tryWithAdvisoryLock(database, 'catchup', async () => {
      const report: CatchupReport = { ran: true, accounts: [], skipped: [] };
      const signal = AbortSignal.timeout(options.deadlineMs ?? CATCHUP_DEADLINE_MS);
      const done = new Set<string>();
      for (const source of crm.configured()) {
        const adapter = crm.adapter(source);
        // The generic CRM contract has no listing: nothing to sweep.
        if (!adapter?.listSince) continue;
        let account: SweepAccount;
        try {
          account = await accounts.accountOf(adapter, signal);
        } catch (err) {
          account = { skipped: 'lookup_failed', why: signal.aborted ? `the sweep passed its deadline: ${(err as Error).message}` : (err as Error).message };
          logger.warn({ source, err: { message: account.why } }, 'catch-up sweep skipped: the account lookup failed');
        }
        if ('skipped' in account) {
          report.skipped.push({ source, reason: account.skipped, why: account.why });
          continue;
        }
        report.accounts.push(...(await sweepAccount(adapter, source, account.accountId, now, signal)));
        done.add(`${source}:${account.accountId}`);
      }
      // Every other registered account, with its own credential (never the environment's for another account).
      if (options.registry) {
        for (const a of await listAccounts(database.db, { state: 'active' })) {
          if (done.has(`${a.source}:${a.accountId}`) || signal.aborted) continue;
          let binding: Awaited<ReturnType<AccountBindings['bind']>>;
          try {
            binding = await options.registry.bind(a.source, a.accountId, signal);
          } catch (err) {
            report.skipped.push({ source: a.source, reason: 'lookup_failed', why: (err as Error).message });
            continue;
          }
          if (binding.kind !== 'bound' || !binding.adapter.listSince) continue;
          done.add(`${a.source}:${a.accountId}`);
          report.accounts.push(...(await sweepAccount(binding.adapter, a.source, a.accountId, now, signal)));
        }
      }
      const enqueued = report.accounts.reduce((n, a) => n + a.enqueued, 0);
      if (enqueued) logger.info({ enqueued, accounts: report.accounts.length }, 'catch-up sweep enqueued leads that never arrived as webhooks');
      const reenriched = report.accounts.reduce((n, a) => n + (a.reenriched ?? 0), 0);
      if (reenriched) logger.info({ reenriched }, 'catch-up sweep enqueued leads whose records changed in the CRM');
      return report;
    });
    return swept.acquired ? swept.value : { ran: false, accounts: [], skipped: [] };
  }

  return {
    runOnce,
    start() {
      if (!options.cron || job) return;
      job = new Cron(options.cron, { timezone: options.timezone ?? 'Europe/Amsterdam', protect: true }, async () => {
        running = runOnce().catch((err) => {
          logger.error({ err }, 'catch-up sweep failed');
          return { ran: false, accounts: [], skipped: [] };
        });
        await running;
      });
    },
    async stop() {
      job?.stop();
      job = undefined;
      await running;
    },
  };
}

export type Catchup = ReturnType<typeof createCatchup>;

