import { and, inArray, ne, or, sql } from 'drizzle-orm';
import { asBackground } from '../crm/background-share.js';
import type { CrmRegistry } from '../crm/registry.js';
import type { LeadEvent } from '../crm/webhook-event.js';
import { tryWithAdvisoryLock } from '../db/advisory-lock.js';
import type { Database } from '../db/client.js';
import { jobs } from '../db/schema.js';
import { leadKey, type Source } from '../leads/identity.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { type BackfillRun, failBackfill, getBackfill, insertBackfill, listingBackfills, recordPage, runJobCount, transitionBackfill } from './backfill-runs.js';
import type { AccountBindings } from '../accounts/bindings.js';
import type { CrmAdapter } from '../crm/adapter.js';
import { type CatchupAccounts, createCatchupAccounts } from './catchup-account.js';
import { recordWebhook } from './intake.js';

/**
 * Backfills: every existing record of one account and object type, listed through the CRM's
 * list/search API (`listPage`) a page at a time and enqueued as a job with reason `backfill`
 * (claimed after every lead someone waits for, and using only BACKGROUND_RATE_SHARE of the CRM's
 * budget: queue.ts, crm/background-share.ts).
 *
 * Resumable: after each page the cursor is stored with the counts; a crash between enqueueing a
 * page and storing its cursor lists that page again, and its jobs are not made twice (the dedupe
 * key `backfill:{run}:{lead}` in `webhook_events`, as intake's). A record that already has a queued
 * or running job (a webhook, another run) is not enqueued again. The listing keeps at most
 * `maxBacklog` of a run's jobs queued, so it never runs far ahead of the workers. One instance lists
 * at a time (advisory lock); any instance's workers take the jobs.
 */

export interface BackfillsOptions {
  database: Database;
  crm: CrmRegistry;
  logger: Logger;
  metrics?: Metrics;
  /** BACKGROUND_RATE_SHARE: the listing's share of each CRM budget, as for the jobs. */
  rateShare: number;
  /** How often the listing looks for work (default 1 s). */
  pollMs?: number;
  /** Records asked per page (default 100; HubSpot search answers at most 100 here, Pipedrive 500). */
  pageSize?: number;
  /** Queued jobs of one run above which its listing waits (default 2,000). */
  maxBacklog?: number;
  /** Called after a page was enqueued: wakes this instance's workers. */
  wake?: () => void;
  /** Which account a credential belongs to when a request names none (default catchup-account.ts). */
  accounts?: CatchupAccounts;
  /** The account registry (issue 24): a run lists its account with that account's own credential. */
  registry?: AccountBindings;
}

export interface StartBackfill {
  source: Source;
  objectType: string;
  accountId?: string;
  dryRun?: boolean;
  createdBefore?: Date;
}

/** Object types as a person writes them (HubSpot's path names, plurals) → ours. */
const OBJECT_TYPES: Record<string, string> = {
  companies: 'company',
  company: 'company',
  contacts: 'contact',
  contact: 'contact',
  organizations: 'organization',
  organization: 'organization',
  persons: 'person',
  person: 'person',
};

export class BackfillRefused extends Error {}

export function createBackfills(options: BackfillsOptions) {
  const { database, crm, logger } = options;
  const pageSize = options.pageSize ?? 100;
  const maxBacklog = options.maxBacklog ?? 2_000;
  const accounts = options.accounts ?? createCatchupAccounts({ database, logger, metrics: options.metrics });
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let ticking: Promise<void> | undefined;
  const stopped = new AbortController();

  /**
   * The adapter that serves `accountId` with its own credential: the registry's binding when
   * there is a registry, else the configured one. `wait` when the account is paused or needs a
   * reconnect; a string says why there is none.
   */
  async function adapterOf(source: Source, accountId: string | undefined): Promise<CrmAdapter | { wait: string } | string | undefined> {
    if (!options.registry || !accountId) return crm.adapter(source);
    const binding = await options.registry.bind(source, accountId, stopped.signal);
    if (binding.kind === 'bound') return binding.adapter;
    if (binding.kind === 'waiting') return { wait: binding.why };
    if (binding.kind === 'unknown') return binding.why;
    return undefined;
  }

  /** Validates and stores a new run; the listing starts on the next tick. */
  async function start(input: StartBackfill): Promise<BackfillRun> {
    const bound = await adapterOf(input.source, input.accountId);
    if (typeof bound === 'string') throw new BackfillRefused(bound);
    // A paused account (or one waiting for a reconnect) gets its run: it lists nothing until the account is active.
    const waiting = bound && 'wait' in bound ? bound.wait : undefined;
    const adapter = bound && 'wait' in bound ? crm.adapter(input.source) : bound;
    if (!waiting && !adapter?.listPage) throw new BackfillRefused(`${input.source} is not configured with credentials that can list records`);
    const objectType = OBJECT_TYPES[input.objectType.toLowerCase()];
    const types = adapter?.catchupTypes ?? Object.values(OBJECT_TYPES);
    if (!objectType || !types.includes(objectType)) {
      throw new BackfillRefused(`${input.source} has no object type ${input.objectType}; one of ${[...new Set(types)].join(', ')}`);
    }
    let accountId = input.accountId;
    if (!accountId) {
      // Only a named account can wait (adapterOf), so here the configured adapter is there.
      if (!adapter) throw new BackfillRefused(`${input.source} is not configured with credentials that can list records`);
      const account = await accounts.accountOf(adapter);
      if ('skipped' in account) throw new BackfillRefused(`the account of the ${input.source} credential is not known (${account.why}); name it with accountId`);
      accountId = account.accountId;
    }
    let run = await insertBackfill(database.db, { source: input.source, accountId, objectType, dryRun: input.dryRun ?? false, createdBefore: input.createdBefore });
    if (waiting) {
      // Said on the run (its `lastError`) until the first page is listed.
      await failBackfill(database.db, run.id, `waiting: ${input.source} account ${accountId}: ${waiting}`);
      run = (await getBackfill(database.db, run.id)) ?? run;
    }
    logger.info({ backfill: run.id, source: run.source, accountId, objectType, dryRun: run.dryRun }, 'backfill started');
    kick();
    return run;
  }

  /** Queued and running jobs of these leads that are not this run's own. */
  async function alreadyQueued(run: BackfillRun, keys: string[]): Promise<Set<string>> {
    if (!keys.length) return new Set();
    const rows = await database.db
      .selectDistinct({ leadKey: jobs.leadKey })
      .from(jobs)
      .where(
        and(
          inArray(jobs.leadKey, keys),
          inArray(jobs.status, ['queued', 'running']),
          or(ne(jobs.reason, 'backfill'), sql`(${jobs.payload} -> 'backfill' ->> 'runId') <> ${String(run.id)}`),
        ),
      );
    return new Set(rows.map((r) => r.leadKey));
  }

  async function backlog(run: BackfillRun): Promise<number> {
    const [row] = await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(jobs)
      .where(and(sql`${jobs.reason} = 'backfill'`, sql`(${jobs.payload} -> 'backfill' ->> 'runId') = ${String(run.id)}`, inArray(jobs.status, ['queued', 'running'])));
    return Number(row?.n ?? 0);
  }

  /** Lists and enqueues one page of `run`; false when it had to wait (backlog) or failed. */
  async function listOnePage(run: BackfillRun): Promise<boolean> {
    const bound = await adapterOf(run.source as Source, run.accountId);
    // A paused account, or one waiting for a reconnect, lists nothing until it is active again.
    if (bound && typeof bound === 'object' && 'wait' in bound) {
      if (!run.error?.startsWith('waiting:')) await failBackfill(database.db, run.id, `waiting: ${run.source} account ${run.accountId}: ${bound.wait}`);
      return false;
    }
    const adapter = typeof bound === 'string' ? undefined : bound;
    if (!adapter?.listPage) {
      await failBackfill(database.db, run.id, `${run.source} is no longer configured`);
      await transitionBackfill(database.db, run.id, ['listing'], 'failed');
      return false;
    }
    if ((await backlog(run)) >= maxBacklog) return false;
    const createdBefore = typeof (run.filters as { createdBefore?: string }).createdBefore === 'string' ? new Date((run.filters as { createdBefore: string }).createdBefore) : undefined;
    let page;
    try {
      page = await asBackground(options.rateShare, () =>
        adapter.listPage!(run.accountId, run.objectType, { cursor: run.cursor ?? undefined, createdBefore, limit: pageSize }, stopped.signal),
      );
    } catch (err) {
      if (stopped.signal.aborted) return false;
      // Listing failures are retried on the next tick (a 429, an outage); the run says why meanwhile.
      const message = (err as Error).message;
      logger.warn({ backfill: run.id, err: { message } }, 'backfill: listing a page failed; tried again');
      options.metrics?.backfillListErrors.inc({ source: run.source });
      await failBackfill(database.db, run.id, message);
      return false;
    }
    const known = await alreadyQueued(run, page.refs.map(leadKey));
    const fresh = page.refs.filter((ref) => !known.has(leadKey(ref)));
    const events: LeadEvent[] = fresh.map((ref) => ({
      ref,
      reason: 'backfill',
      dedupeKey: `backfill:${run.id}:${leadKey(ref)}`,
      eventType: 'backfill',
      payload: { lead: {}, event: { type: 'backfill' }, backfill: { runId: run.id, dryRun: run.dryRun } },
    }));
    if (events.length) await recordWebhook(database, run.source as Source, { events, ignored: [] });
    await recordPage(database.db, run.id, {
      listed: page.refs.length,
      alreadyQueued: known.size,
      runJobs: await runJobCount(database.db, run.id),
      cursor: page.cursor ?? null,
      leftAfter: page.remaining === undefined ? null : Math.max(0, page.remaining - page.refs.length),
    });
    if (events.length) options.wake?.();
    return true;
  }

  /** One round: a page of each listing run, in turn. */
  async function tick(): Promise<void> {
    await tryWithAdvisoryLock(database, 'backfill', async () => {
      for (let more = true; more && !stopped.signal.aborted; ) {
        more = false;
        for (const run of await listingBackfills(database.db)) {
          if (stopped.signal.aborted) return;
          // A run paused or cancelled since the list was read is left alone.
          const fresh = await getBackfill(database.db, run.id);
          if (fresh?.state !== 'listing') continue;
          if (await listOnePage(fresh)) more = true;
        }
      }
    });
  }

  function schedule(ms: number) {
    if (!running) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      ticking = tick()
        .catch((err) => logger.error({ err }, 'backfill listing failed'))
        .finally(() => {
          ticking = undefined;
          schedule(options.pollMs ?? 1_000);
        });
    }, ms);
  }

  function kick() {
    if (running && !ticking) schedule(0);
  }

  return {
    start,
    pause: (id: number) => transitionBackfill(database.db, id, ['listing', 'listed'], 'paused'),
    resume: async (id: number) => {
      const ok = await transitionBackfill(database.db, id, ['paused', 'failed'], 'listing');
      if (ok) {
        kick();
        options.wake?.();
      }
      return ok;
    },
    cancel: (id: number) => transitionBackfill(database.db, id, ['listing', 'listed', 'paused', 'failed'], 'cancelled'),
    /** Lists until no run has a page left to list now (tests; the scheduled loop does the same). */
    runOnce: tick,
    startListing() {
      if (running) return;
      running = true;
      schedule(0);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      stopped.abort();
      await ticking;
    },
  };
}

export type Backfills = ReturnType<typeof createBackfills>;
