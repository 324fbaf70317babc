import type { LeadEvent, ParsedWebhook } from '../crm/webhook-event.js';
import type { Database } from '../db/client.js';
import { pgText } from '../db/pg-text.js';
import type { Source } from '../leads/identity.js';
import { NEW_JOB_COLUMNS, pushNewJobParams } from './job-row.js';

/**
 * Records verified webhook events durably: in ONE statement (atomic) each event goes
 * into `webhook_events` under its unique dedupe key, and a job is created only
 * for the events whose insert happened. The unique index decides between
 * concurrent duplicates, so the same event delivered five times at once makes
 * one job. The caller answers 2xx only after this resolves (the commit). The
 * job's columns and values are job-row.ts's, as for every other new job.
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
  unique.forEach((e, i) => {
    params.push(i, source, pgText(e.dedupeKey), pgText(e.eventType));
    pushNewJobParams(params, e);
  });
  const inserted = await database.query<{ id: string | number }>(intakeStatement(unique.length), params);
  const jobIds = inserted.map((r) => Number(r.id)).sort((a, b) => a - b);
  return { accepted: jobIds.length, duplicates: parsed.events.length - jobIds.length, ignored, jobIds };
}

/** The input row's event columns, then the new job's (job-row.ts), in the order `recordWebhook` pushes the parameters. */
const EVENT_COLUMNS: ReadonlyArray<[name: string, type: string]> = [
  ['ord', 'int'],
  ['event_source', 'text'],
  ['dedupe_key', 'text'],
  ['event_type', 'text'],
];
const JOB_COLUMNS = NEW_JOB_COLUMNS.map((c) => c.name);
const COLUMNS: ReadonlyArray<[name: string, type: string]> = [...EVENT_COLUMNS, ...NEW_JOB_COLUMNS.map((c): [string, string] => [c.name, c.type])];
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
      select event_source, dedupe_key, event_type, job_id from input order by ord
      on conflict (dedupe_key) do nothing
      returning dedupe_key
    )
    insert into jobs (id, ${JOB_COLUMNS.join(', ')})
    select i.job_id, ${JOB_COLUMNS.map((name) => `i.${name}`).join(', ')}
    from input i join events e on e.dedupe_key = i.dedupe_key
    order by i.ord
    returning id`;
  statements.set(events, text);
  return text;
}
