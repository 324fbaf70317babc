import { sql } from 'drizzle-orm';
import type { LeadEvent, ParsedWebhook } from '../crm/webhook-event.js';
import { type Queryable, withTransaction } from '../db/client.js';
import { webhookEvents } from '../db/schema.js';
import type { Source } from './types.js';
import { enqueueJobs } from './queue.js';

/**
 * Records verified webhook events durably: in ONE transaction each event goes
 * into `webhook_events` under its unique dedupe key, and a job is created only
 * for the events whose insert happened. The unique index decides between
 * concurrent duplicates, so the same event delivered five times at once makes
 * one job. The caller answers 2xx only after this resolves (the commit).
 */

export interface IntakeResult {
  accepted: number;
  duplicates: number;
  ignored: number;
  jobIds: number[];
}

export async function recordWebhook(db: Queryable, source: Source, parsed: ParsedWebhook): Promise<IntakeResult> {
  // Duplicates inside one request count as duplicates; sorting by key gives every
  // transaction the same lock order, so overlapping batches cannot deadlock.
  const byKey = new Map<string, LeadEvent>();
  for (const e of parsed.events) if (!byKey.has(e.dedupeKey)) byKey.set(e.dedupeKey, e);
  const unique = [...byKey.values()].sort((a, b) => (a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : 0));
  const ignored = parsed.ignored.length;
  if (unique.length === 0) return { accepted: 0, duplicates: parsed.events.length, ignored, jobIds: [] };

  const jobIds = await withTransaction(db, async (tx) => {
    const inserted = await tx
      .insert(webhookEvents)
      .values(unique.map((e) => ({ source, dedupeKey: e.dedupeKey, eventType: e.eventType })))
      .onConflictDoNothing({ target: webhookEvents.dedupeKey })
      .returning({ dedupeKey: webhookEvents.dedupeKey });
    if (inserted.length === 0) return [];
    const fresh = new Set(inserted.map((r) => r.dedupeKey));
    const toQueue = unique.filter((e) => fresh.has(e.dedupeKey));
    const ids = await enqueueJobs(
      tx,
      toQueue.map((e) => ({ ref: e.ref, reason: e.reason, payload: e.payload })),
    );
    // Link each event to its job: the trail from "HubSpot sent X" to "job Y did Z".
    const pairs = sql.join(
      toQueue.map((e, i) => sql`(${e.dedupeKey}::text, ${ids[i]}::bigint)`),
      sql`, `,
    );
    await tx.execute(
      sql`update webhook_events w set job_id = v.job_id from (values ${pairs}) as v(dedupe_key, job_id) where w.dedupe_key = v.dedupe_key`,
    );
    return ids;
  });
  return { accepted: jobIds.length, duplicates: parsed.events.length - jobIds.length, ignored, jobIds };
}
