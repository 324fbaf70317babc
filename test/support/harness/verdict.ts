import { inArray, sql } from 'drizzle-orm';
import { readCurrentTable } from '../../../src/cbs/repository.js';
import { loadConfig } from '../../../src/config.js';
import { cardToProperties, loadMapping } from '../../../src/crm/mapping.js';
import type { Database } from '../../../src/db/client.js';
import { queryRows } from '../../../src/db/client.js';
import { jobs, webhookEvents } from '../../../src/db/schema.js';
import { createEnricher, type VerrijkEnricher } from '../../../src/enrich/engine.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { bundledTableVersions } from '../../../src/enrich/service.js';
import type { LeadInput } from '../../../src/enrich/types.js';
import type { Props } from '../fakes/hubspot-server.js';
import { sleep } from './proc.js';

/**
 * The checks the chaos and cluster runs end with, read straight from the
 * service's database and the fake CRM: nothing lost, everything final, every
 * card right. Shared by the system tests and the bench.
 */
export const FINAL_STATUSES = ['done', 'skipped', 'dead'];

export async function jobStatusCounts(database: Database): Promise<Record<string, number>> {
  const rows = await queryRows<{ status: string; n: number }>(database.db, sql`select status, count(*)::int as n from jobs group by status`);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Waits until no job is queued or running; returns the final counts. */
export async function waitForQuiet(database: Database, timeoutMs: number, log: (m: string) => void): Promise<Record<string, number>> {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const counts = await jobStatusCounts(database);
    const open = (counts.queued ?? 0) + (counts.running ?? 0);
    const text = JSON.stringify(counts);
    if (text !== last) log(`jobs ${text}`);
    last = text;
    if (open === 0 && Object.keys(counts).length > 0) return counts;
    if (Date.now() > until) throw new Error(`jobs still open after ${timeoutMs} ms: ${text}`);
    await sleep(500);
  }
}

/** Acknowledged events whose event row, job, or final state is missing. */
export async function lostEvents(database: Database, dedupeKeys: string[]): Promise<string[]> {
  const events = await database.db.select().from(webhookEvents).where(inArray(webhookEvents.dedupeKey, dedupeKeys));
  const byKey = new Map(events.map((e) => [e.dedupeKey, e]));
  const jobIds = events.map((e) => e.jobId).filter((id): id is number => id !== null);
  const rows = jobIds.length ? await database.db.select({ id: jobs.id, status: jobs.status }).from(jobs).where(inArray(jobs.id, jobIds)) : [];
  const status = new Map(rows.map((r) => [r.id, r.status]));
  return dedupeKeys.filter((k) => {
    const e = byKey.get(k);
    return !e || e.jobId === null || !FINAL_STATUSES.includes(status.get(e.jobId) ?? '');
  });
}

/** Webhook jobs per lead key: each lead must have exactly one. */
export async function jobsPerLead(database: Database, source: string): Promise<Map<string, number>> {
  const rows = await queryRows<{ lead_key: string; n: number }>(
    database.db,
    sql`select j.lead_key, count(*)::int as n from jobs j join webhook_events w on w.job_id = j.id where j.source = ${source} group by j.lead_key`,
  );
  return new Map(rows.map((r) => [r.lead_key, r.n]));
}

/** The enricher the service answers from: the same CBS table versions (store if it has them, else the bundled snapshot). */
export async function serviceEnricher(database: Database): Promise<VerrijkEnricher> {
  const config = loadConfig({});
  // Per table what the service answers from: its stored version, else the bundled copy (a table the snapshot
  // lacks, such as 83635NED, is never stored until a refresh brings it, and must not send the others back to the bundle).
  const stored = await Promise.all(config.cbs.tables.map((t) => readCurrentTable(database.db, t)));
  const missing = config.cbs.tables.filter((_, i) => stored[i] === undefined);
  const tables = [...stored.filter((t) => t !== undefined), ...(missing.length ? await bundledTableVersions(missing) : [])];
  return createEnricher({ sbiList: loadSbiList(), tables, minConfidence: config.enrichMinConfidence, figures: config.cbs.figures });
}

/** The card properties the service must have written for `input`, minus the timestamp (checked for presence only). */
export function expectedHubspotCard(enricher: VerrijkEnricher, input: LeadInput): Record<string, string> {
  const mapping = loadMapping(undefined).hubspot;
  const props = cardToProperties(enricher.toCard(enricher.resolve(input), new Date()), mapping);
  const timestampProp = mapping.cbs_enriched_at;
  return Object.fromEntries(Object.entries(props).filter(([k]) => k !== timestampProp));
}

/** Differences between the card and what it should hold; empty when right. */
export function cardDifferences(card: Props | undefined, expected: Record<string, string>): string[] {
  if (!card) return ['card missing'];
  const out: string[] = [];
  for (const [k, v] of Object.entries(expected)) if ((card[k] ?? null) !== v) out.push(`${k}: ${JSON.stringify(card[k])} ≠ ${JSON.stringify(v)}`);
  const stamp = loadMapping(undefined).hubspot.cbs_enriched_at;
  if (stamp && !card[stamp]) out.push(`${stamp} missing`);
  return out;
}

/**
 * Runs a harness script: `main` returns the violations it found. Prints them and
 * exits 1, or logs `passed` and exits 0; a crash exits 1 with its stack.
 */
/**
 * The named checks a harness run (chaos, cluster) ends with. The run records what each check
 * found wrong, with the numbers; the test file asserts every check on its own, so a failure
 * names the rule that broke and prints what was counted.
 */
export class Checks<K extends string> {
  readonly found: Record<K, string[]>;
  constructor(readonly names: readonly K[]) {
    this.found = Object.fromEntries(names.map((n) => [n, []])) as unknown as Record<K, string[]>;
  }
  fail(check: K, message: string): void {
    this.found[check].push(message);
  }
}

/** What a harness run tears down, whatever happened: the service, its database and the fake CRM. */
export async function closeRun(run: { service: { stop(): Promise<unknown> }; database: Database; fake: { close(): Promise<void> }; url: string; drop(url: string): Promise<void> }): Promise<void> {
  await run.service.stop().catch(() => undefined);
  await run.database.close();
  await run.fake.close();
  await run.drop(run.url);
}
