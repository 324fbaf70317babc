import { Cron } from 'croner';
import { eq, inArray, sql } from 'drizzle-orm';
import { tryWithAdvisoryLock } from '../db/advisory-lock.js';
import { type Database, queryRows } from '../db/client.js';
import { jobs, syncCursors } from '../db/schema.js';
import type { Enricher, EnrichmentCore, LeadInput } from '../enrich/types.js';
import type { Source } from '../leads/identity.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { LeadEvent } from '../crm/webhook-event.js';
import { recordWebhook } from './intake.js';

/**
 * Cards that stay current (issue 27): on a schedule, the last card written (or found unchanged)
 * for each lead is computed again from the input it was computed from, with today's CBS tables
 * and today's engine. Where the card would read differently — a newer CBS period, a new answer
 * because the SBI list or the matcher changed — the lead gets a job with reason `refresh`: background work
 * (claimed after every lead someone waits for, within BACKGROUND_RATE_SHARE), which reads the card
 * again and writes what changed, recording what it replaced like every write.
 *
 * The budget: at most `budget` jobs per run, leads taken in turn (a cursor over lead keys goes round),
 * so a refresh that touches every card spreads over several runs instead of crowding the CRM. A
 * lead that already has a queued or running job is left to it. One instance at a time (advisory lock).
 * A new hash alone (a table reloaded that this lead's card does not show) is not a reason to write.
 * Besides the cron, a CBS refresh that loaded a table starts a run (`trigger`, wired in runtime.ts).
 */

export interface RefreshOptions {
  database: Database;
  enrichment: { enricher(): Promise<Enricher> };
  logger: Logger;
  metrics?: Metrics;
  /** CARD_REFRESH_CRON; undefined = never scheduled. */
  cron?: string;
  timezone?: string;
  /** CARD_REFRESH_BUDGET: the most refresh jobs one run enqueues. */
  budget: number;
  /** Stored cards looked at per run (default 20 × budget, at least 1,000). */
  scanLimit?: number;
  /** Called after jobs were enqueued: wakes this instance's workers. */
  wake?: () => void;
}

export interface RefreshReport {
  ran: boolean;
  scanned: number;
  outOfDate: { period: number; version: number };
  enqueued: number;
  /** Where the next run starts (a lead key); null: from the beginning. */
  cursor: string | null;
}

const CURSOR_KEY = 'card-refresh';
const PAGE = 500;

interface Stored {
  lead_key: string;
  source: string;
  object_type: string;
  object_id: string;
  version: string;
  result: (EnrichmentCore & { input?: LeadInput }) | null;
  period: string | null;
}

/**
 * What a card says, without its version and time (new on every write) and its source line, which
 * names every loaded table's release date: a new release of a table whose figures this card does
 * not show (another sector's bankruptcies) changes that line only. A figure that did change changes
 * its own property, and the rewrite then brings the source line up to date too.
 */
const SAME_EVERY_WRITE = new Set(['cbs_version', 'cbs_enriched_at', 'cbs_source']);
const EPOCH = new Date(0);
function cardText(enricher: Enricher, result: EnrichmentCore): string | null {
  try {
    const card = enricher.toCard(result, EPOCH) as Record<string, string | undefined>;
    return JSON.stringify(Object.keys(card).filter((k) => !SAME_EVERY_WRITE.has(k)).sort().map((k) => [k, card[k]]));
  } catch {
    // A result stored in a shape this engine no longer reads: out of date by definition.
    return null;
  }
}

export function createCardRefresh(options: RefreshOptions) {
  const { database, logger } = options;
  const scanLimit = options.scanLimit ?? Math.max(1_000, options.budget * 20);
  let job: Cron | undefined;
  let running: Promise<RefreshReport> | undefined;
  let stopped = false;

  /** The newest written or unchanged card per lead, lead keys after `after`, in key order. */
  async function page(after: string | null, limit: number): Promise<Stored[]> {
    return queryRows<Stored>(
      database.db,
      sql`select distinct on (lead_key) lead_key, source, object_type, object_id, version,
            result, result -> 'cbs_period' ->> 'key' as period
          from enrichments
          where write_status in ('written', 'unchanged') and lead_key > ${after ?? ''}
          order by lead_key, id desc
          limit ${limit}`,
    );
  }

  async function runOnce(): Promise<RefreshReport> {
    const done = await tryWithAdvisoryLock(database, 'cardRefresh', async () => {
      const enricher = await options.enrichment.enricher();
      const [saved] = await database.db.select().from(syncCursors).where(eq(syncCursors.key, CURSOR_KEY));
      let cursor: string | null = saved?.cursor || null;
      const report: RefreshReport = { ran: true, scanned: 0, outOfDate: { period: 0, version: 0 }, enqueued: 0, cursor };
      let wrapped = false;
      while (report.scanned < scanLimit && report.enqueued < options.budget) {
        const rows = await page(cursor, Math.min(PAGE, scanLimit - report.scanned));
        if (!rows.length) {
          // Round again from the start, once per run.
          if (wrapped || cursor === null) {
            cursor = null;
            break;
          }
          wrapped = true;
          cursor = null;
          continue;
        }
        report.scanned += rows.length;
        const stale: Array<Stored & { why: 'period' | 'version'; next: string }> = [];
        for (const row of rows) {
          const now = enricher.resolve(row.result?.input ?? {}) as EnrichmentCore & { cbs_period?: { key?: string } | null };
          if (now.version === row.version) continue;
          // Affected only when the card would read differently: a new release of a table this lead's card
          // does not show (another sector's bankruptcies) changes the hash, not the card.
          const before = row.result ? cardText(enricher, row.result) : null;
          if (before !== null && before === cardText(enricher, now)) continue;
          const why = (now.cbs_period?.key ?? null) !== row.period ? 'period' : 'version';
          report.outOfDate[why]++;
          stale.push({ ...row, why, next: now.version });
        }
        const busy = stale.length
          ? new Set(
              (
                await database.db
                  .selectDistinct({ leadKey: jobs.leadKey })
                  .from(jobs)
                  .where(sql`${inArray(jobs.leadKey, stale.map((s) => s.lead_key))} and ${inArray(jobs.status, ['queued', 'running'])}`)
              ).map((r) => r.leadKey),
            )
          : new Set<string>();
        const eligible = stale.filter((s) => !busy.has(s.lead_key));
        const take = eligible.slice(0, options.budget - report.enqueued);
        // Cut off by the budget: the next run starts right after the last lead taken, not after the page.
        cursor = take.length < eligible.length ? take[take.length - 1]?.lead_key ?? cursor : rows[rows.length - 1].lead_key;
        const bySource = new Map<string, LeadEvent[]>();
        for (const s of take) {
          // The key is `${source}:${accountId}:${objectType}:${objectId}`; the account is what lies between.
          const accountId = s.lead_key.slice(s.source.length + 1, s.lead_key.length - s.object_type.length - s.object_id.length - 2);
          const event: LeadEvent = {
            ref: { source: s.source as Source, accountId, objectType: s.object_type, objectId: s.object_id },
            reason: 'refresh',
            // One job per lead and answer: a later run finding the same change again makes none.
            dedupeKey: `refresh:${s.lead_key}:${s.next}`,
            eventType: `refresh.${s.why}`,
            // The input the card was computed from: what the CRM holds now wins over it (pipeline.ts mergeInput).
            payload: { lead: s.result?.input ?? {}, event: { type: `refresh.${s.why}` } },
          };
          bySource.set(s.source, [...(bySource.get(s.source) ?? []), event]);
        }
        for (const [source, events] of bySource) {
          for (let i = 0; i < events.length; i += 100) {
            report.enqueued += (await recordWebhook(database, source as Source, { events: events.slice(i, i + 100), ignored: [] })).accepted;
          }
        }
      }
      report.cursor = cursor;
      await database.db
        .insert(syncCursors)
        .values({ key: CURSOR_KEY, cursor: cursor ?? '', ok: true, updatedAt: new Date() })
        .onConflictDoUpdate({ target: syncCursors.key, set: { cursor: cursor ?? '', ok: true, updatedAt: new Date() } });
      options.metrics?.cardsOutOfDate.set({ why: 'period' }, report.outOfDate.period);
      options.metrics?.cardsOutOfDate.set({ why: 'version' }, report.outOfDate.version);
      if (report.enqueued) {
        logger.info({ ...report }, 'card refresh: out-of-date cards queued');
        options.wake?.();
      }
      return report;
    });
    return done.acquired ? done.value : { ran: false, scanned: 0, outOfDate: { period: 0, version: 0 }, enqueued: 0, cursor: null };
  }

  function background(why: string): Promise<RefreshReport> {
    const run = runOnce()
      .catch((err): RefreshReport => {
        logger.error({ err, why }, 'card refresh failed');
        return { ran: false, scanned: 0, outOfDate: { period: 0, version: 0 }, enqueued: 0, cursor: null };
      })
      .finally(() => {
        if (running === run) running = undefined;
      });
    running = run;
    return run;
  }

  return {
    runOnce,
    start() {
      if (!options.cron || job) return;
      job = new Cron(options.cron, { timezone: options.timezone ?? 'Europe/Amsterdam', protect: true }, async () => {
        await background('cron');
      });
    },
    /**
     * A run now, in the background (a CBS refresh that loaded a new period calls this, so the affected
     * cards do not wait for the next cron tick). A run already going in this process is not doubled.
     */
    trigger(why: string): Promise<RefreshReport> {
      if (stopped) return Promise.resolve({ ran: false, scanned: 0, outOfDate: { period: 0, version: 0 }, enqueued: 0, cursor: null });
      return running ?? background(why);
    },
    async stop() {
      stopped = true;
      job?.stop();
      job = undefined;
      await running;
    },
  };
}

export type CardRefresh = ReturnType<typeof createCardRefresh>;
