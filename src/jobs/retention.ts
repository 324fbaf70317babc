import { sql } from 'drizzle-orm';
import { type Queryable, queryRows } from '../db/client.js';
import type { Logger } from '../logger.js';

/**
 * Dedupe keys are kept at least four days (HubSpot retries for 24 h, Pipedrive
 * for minutes, Standard Webhooks senders for up to three days), then pruned so
 * the table stays small. Deleting in slices keeps each statement short.
 */
export const MIN_RETENTION_MS = 4 * 24 * 60 * 60 * 1000;
const SLICE = 5000;

/** Deletes webhook events older than the retention (never less than 4 days); returns how many. */
export async function pruneWebhookEvents(db: Queryable, retentionMs = MIN_RETENTION_MS): Promise<number> {
  const keepMs = Math.max(retentionMs, MIN_RETENTION_MS);
  let total = 0;
  for (;;) {
    const rows = await queryRows<{ id: unknown }>(
      db,
      sql`delete from webhook_events where id in (
            select id from webhook_events where received_at < now() - ${keepMs}::float8 * interval '1 millisecond' limit ${SLICE}
          ) returning id`,
    );
    total += rows.length;
    if (rows.length < SLICE) return total;
  }
}

/** Prunes now and then every `intervalMs`; returns the stopper. Safe on several instances (deletes are idempotent). */
export function startRetention(opts: { db: Queryable; logger: Logger; intervalMs?: number; retentionMs?: number }): () => void {
  const run = async () => {
    try {
      const pruned = await pruneWebhookEvents(opts.db, opts.retentionMs);
      if (pruned > 0) opts.logger.info({ pruned }, 'pruned old webhook events');
    } catch (err) {
      opts.logger.warn({ err }, 'pruning webhook events failed; will try again');
    }
  };
  const first = setTimeout(run, 5_000);
  const timer = setInterval(run, opts.intervalMs ?? 60 * 60_000);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
