import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { openDatabase } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { createPostgresDatabase, dropPostgresDatabase } from '../../test/support/db.js';
import { startHelper } from '../lib/child.js';
import { type LoadResult, runLoad } from '../lib/load.js';
import { percentile } from '../../test/support/harness/proc.js';

/**
 * The two ceilings intake is measured against, in the same run:
 * - HTTP: a bare Hono route returning 204 (what node + Hono cost with no work);
 * - database: a bare postgres.js loop doing one intake's database work per
 *   iteration (one transaction: a `webhook_events` row and a `jobs` row) in a
 *   fresh migrated database, at the same concurrency and pool size as the service.
 */

const here = path.dirname(fileURLToPath(import.meta.url));

export async function measureBareHono(o: {
  connections: number;
  durationSeconds: number;
  makeRequest: () => { body: string; headers: Record<string, string> };
}): Promise<LoadResult> {
  const server = await startHelper(path.join(here, '../servers/bare-hono.ts'));
  try {
    return await runLoad({ url: server.url, path: '/webhooks/generic', connections: o.connections, durationSeconds: o.durationSeconds, makeRequest: o.makeRequest });
  } finally {
    await server.stop();
  }
}

/** Service pool size (src/db/client.ts default), so the loop gets the same connections intake gets. */
export const SERVICE_POOL_SIZE = 10;

export async function measurePostgresLoop(o: { connections: number; durationSeconds: number }): Promise<LoadResult> {
  const url = await createPostgresDatabase();
  // Two connections: the migration lock holds one session while the migrator uses another.
  const migrator = await openDatabase({ url, poolSize: 2 });
  await runMigrations(migrator);
  await migrator.close();
  const sql = postgres(url, { max: SERVICE_POOL_SIZE, onnotice: () => {} });
  const latencies: number[] = [];
  let errors = 0;
  try {
    // Warm the pool so connection setup is not in the measurement.
    await Promise.all(Array.from({ length: SERVICE_POOL_SIZE }, () => sql`select 1`));
    const deadline = performance.now() + o.durationSeconds * 1000;
    const started = performance.now();
    const loop = async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await intakeTransaction(sql);
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: o.connections }, loop));
    const elapsed = (performance.now() - started) / 1000;
    return {
      requestsPerSecond: latencies.length / elapsed,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      total: latencies.length,
      non2xx: 0,
      errors,
      timeouts: 0,
    };
  } finally {
    await sql.end({ timeout: 5 });
    await dropPostgresDatabase(url);
  }
}

/** One generic lead's intake: the dedupe row and the job, committed together. */
async function intakeTransaction(sql: postgres.Sql): Promise<void> {
  const id = randomUUID();
  const lead = { id, company: 'Bench BV', sbi: '62.01', employees: 25 };
  await sql.begin(async (tx) => {
    const [event] = await tx`
      insert into webhook_events (source, dedupe_key, event_type)
      values ('generic', ${`generic:msg_${id}`}, 'lead.created')
      on conflict (dedupe_key) do nothing
      returning id`;
    if (!event) return;
    const [job] = await tx`
      insert into jobs (source, account_id, object_type, object_id, lead_key, reason, payload)
      values ('generic', 'default', 'lead', ${id}, ${`generic:default:lead:${id}`}, 'webhook',
              ${tx.json({ lead, event: { type: 'lead.created', eventId: `msg_${id}` } })})
      returning id`;
    await tx`update webhook_events set job_id = ${job.id} where id = ${event.id}`;
  });
}
