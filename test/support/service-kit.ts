import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.js';
import { jobs, webhookEvents } from '../../src/db/schema.js';
import { createPostgresDatabase, dropPostgresDatabase } from './db.js';
import { standardWebhookHeaders } from './signed.js';
import type { SpawnedService } from './spawn-service.js';

/** Shared by the whole-process tests: a configured environment, signed generic events, and final-state checks. */
export const GENERIC_SECRET = `whsec_${Buffer.from('crash-test-signing-key-0123456789').toString('base64')}`;

export function serviceEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    GENERIC_WEBHOOK_SECRET: GENERIC_SECRET,
    HUBSPOT_CLIENT_SECRET: 'crash-test-hubspot-secret',
    JOB_LEASE_MS: '1000',
    JOB_POLL_MS: '200',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Why requests were not acknowledged (for assertion messages). */
export const failures: string[] = [];

/** POSTs one signed generic lead.created; resolves true only on a 2xx (an acknowledged event). */
export async function sendLead(url: string, webhookId: string, leadId: string): Promise<boolean> {
  const body = JSON.stringify({ type: 'lead.created', lead: { id: leadId, sbi: '62.01', employees: 12, company: `Lead ${leadId}` } });
  try {
    const res = await fetch(`${url}/webhooks/generic`, {
      method: 'POST',
      body,
      headers: standardWebhookHeaders(GENERIC_SECRET, webhookId, body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) failures.push(`${webhookId}: ${res.status} ${text.slice(0, 300)}`);
    return res.ok;
  } catch (err) {
    failures.push(`${webhookId}: ${(err as Error).message} ${String((err as Error).cause ?? '')}`);
    return false;
  }
}

/** Sends `ids` with `concurrency` requests at a time; returns the acknowledged ones. */
export async function sendAll(url: string, ids: string[], concurrency: number, onAck?: (n: number) => void): Promise<string[]> {
  const acked: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) {
        const id = ids[next++];
        if (await sendLead(url, `msg_${id}`, id)) {
          acked.push(id);
          onAck?.(acked.length);
        }
      }
    }),
  );
  return acked;
}

/** The jobs behind the given webhook ids, via the events table (an acknowledged event must have one). */
export async function jobsForWebhooks(database: Database, leadIds: string[]) {
  const events = await database.db
    .select()
    .from(webhookEvents)
    .where(inArray(webhookEvents.dedupeKey, leadIds.map((id) => `generic:default:msg_${id}`)));
  const jobIds = events.map((e) => e.jobId).filter((id): id is number => id !== null);
  const rows = jobIds.length ? await database.db.select().from(jobs).where(inArray(jobs.id, jobIds)) : [];
  return { events, jobs: rows };
}

export const FINAL = new Set(['done', 'skipped', 'dead']);

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A fresh PostgreSQL database for the service processes of one describe block:
 * created in beforeAll; in afterAll every spawned service is killed, the test's
 * own pool closed and the database dropped. `open()` gives the test its pool,
 * once a service has applied the migrations.
 */
export function useServiceDatabase(): { readonly url: string; services: SpawnedService[]; open(): Promise<Database> } {
  let url = '';
  let database: Database | undefined;
  const services: SpawnedService[] = [];
  beforeAll(async () => {
    url = await createPostgresDatabase();
  });
  afterAll(async () => {
    for (const s of services) await s.kill();
    await database?.close();
    if (url) await dropPostgresDatabase(url);
  });
  return {
    get url() {
      return url;
    },
    services,
    async open() {
      database ??= await openDatabase({ url, poolSize: 2 });
      return database;
    },
  };
}
