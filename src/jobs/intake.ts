import { sql } from 'drizzle-orm';
import type { LeadEvent, ParsedWebhook } from '../crm/webhook-event.js';
import { type Queryable, queryRows } from '../db/client.js';
import { DEFAULT_MAX_ATTEMPTS } from './queue.js';
import { leadKey, type Source } from './types.js';

/**
 * Records verified webhook events durably: in ONE statement (atomic) each event goes
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

  // ONE statement, so one round trip and atomic without BEGIN/COMMIT: job ids are
  // drawn up front, the event insert decides (the unique index settles concurrent
  // duplicates), and only events that were inserted get their job. The event row
  // carries its job id: the trail from "HubSpot sent X" to "job Y did Z".
  const rows = unique.map(
    (e, i) =>
      sql`(${i}::int, ${source}::text, ${e.dedupeKey}::text, ${e.eventType}::text, ${e.ref.accountId}::text, ${e.ref.objectType}::text, ${e.ref.objectId}::text, ${leadKey(e.ref)}::text, ${e.reason}::text, ${JSON.stringify(e.payload)}::jsonb)`,
  );
  const inserted = await queryRows<{ id: string | number }>(
    db,
    sql`with input as (
          select v.*, nextval(pg_get_serial_sequence('jobs', 'id')) as job_id
          from (values ${sql.join(rows, sql`, `)}) as v(ord, source, dedupe_key, event_type, account_id, object_type, object_id, lead_key, reason, payload)
        ), events as (
          insert into webhook_events (source, dedupe_key, event_type, job_id)
          select source, dedupe_key, event_type, job_id from input order by ord
          on conflict (dedupe_key) do nothing
          returning dedupe_key
        )
        insert into jobs (id, source, account_id, object_type, object_id, lead_key, reason, payload, max_attempts)
        select i.job_id, i.source, i.account_id, i.object_type, i.object_id, i.lead_key, i.reason, i.payload, ${DEFAULT_MAX_ATTEMPTS}::int
        from input i join events e on e.dedupe_key = i.dedupe_key
        order by i.ord
        returning id`,
  );
  const jobIds = inserted.map((r) => Number(r.id)).sort((a, b) => a - b);
  return { accepted: jobIds.length, duplicates: parsed.events.length - jobIds.length, ignored, jobIds };
}
