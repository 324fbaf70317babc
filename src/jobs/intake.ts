import type { LeadEvent, ParsedWebhook } from '../crm/webhook-event.js';
import type { Database } from '../db/client.js';
import { pgJsonText, pgText } from '../db/pg-text.js';
import { DEFAULT_MAX_ATTEMPTS } from './retry-policy.js';
import { leadKey, type Source } from '../leads/identity.js';

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

export async function recordWebhook(database: Pick<Database, 'query'>, source: Source, parsed: ParsedWebhook): Promise<IntakeResult> {
  // Duplicates inside one request count as duplicates; sorting by key gives every
  // transaction the same lock order, so overlapping batches cannot deadlock.
  const byKey = new Map<string, LeadEvent>();
  for (const e of parsed.events) if (!byKey.has(e.dedupeKey)) byKey.set(e.dedupeKey, e);
  const unique = [...byKey.values()].sort((a, b) => (a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : 0));
  const ignored = parsed.ignored.length;
  if (unique.length === 0) return { accepted: 0, duplicates: parsed.events.length, ignored, jobIds: [] };

  // Ids were checked by the parsers; what the CRM passed through (raw fields, custom
  // fields, a KvK profile) may hold U+0000, which would fail the whole batch.
  const params: unknown[] = [];
  unique.forEach((e, i) =>
    params.push(i, source, pgText(e.dedupeKey), pgText(e.eventType), e.ref.accountId, e.ref.objectType, e.ref.objectId, leadKey(e.ref), e.reason, pgJsonText(e.payload)),
  );
  const inserted = await database.query<{ id: string | number }>(intakeStatement(unique.length), params);
  const jobIds = inserted.map((r) => Number(r.id)).sort((a, b) => a - b);
  return { accepted: jobIds.length, duplicates: parsed.events.length - jobIds.length, ignored, jobIds };
}

/** The input row's columns and their types, in the order `recordWebhook` pushes the parameters. */
const COLUMNS: ReadonlyArray<[name: string, type: string]> = [
  ['ord', 'int'],
  ['source', 'text'],
  ['dedupe_key', 'text'],
  ['event_type', 'text'],
  ['account_id', 'text'],
  ['object_type', 'text'],
  ['object_id', 'text'],
  ['lead_key', 'text'],
  ['reason', 'text'],
  ['payload', 'jsonb'],
];
const statements = new Map<number, string>();

/**
 * ONE statement, so one round trip and atomic without BEGIN/COMMIT: job ids are
 * drawn up front, the event insert decides (the unique index settles concurrent
 * duplicates), and only events that were inserted get their job. The event row
 * carries its job id: the trail from "HubSpot sent X" to "job Y did Z". The text
 * depends only on the number of events (at most 100), so it is built once per
 * count and stays a prepared statement on PostgreSQL.
 */
function intakeStatement(events: number): string {
  let text = statements.get(events);
  if (text) return text;
  const rows = Array.from({ length: events }, (_, r) => `(${COLUMNS.map(([, type], c) => `$${r * COLUMNS.length + c + 1}::${type}`).join(', ')})`);
  text = `with input as (
      select v.*, nextval('jobs_id_seq'::regclass) as job_id
      from (values ${rows.join(', ')}) as v(${COLUMNS.map(([name]) => name).join(', ')})
    ), events as (
      insert into webhook_events (source, dedupe_key, event_type, job_id)
      select source, dedupe_key, event_type, job_id from input order by ord
      on conflict (dedupe_key) do nothing
      returning dedupe_key
    )
    insert into jobs (id, source, account_id, object_type, object_id, lead_key, reason, payload, max_attempts)
    select i.job_id, i.source, i.account_id, i.object_type, i.object_id, i.lead_key, i.reason, i.payload, ${DEFAULT_MAX_ATTEMPTS}
    from input i join events e on e.dedupe_key = i.dedupe_key
    order by i.ord
    returning id`;
  statements.set(events, text);
  return text;
}
