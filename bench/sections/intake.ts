import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import type { BenchContext, BenchSection } from '../lib/context.js';
import { ratioRow } from '../lib/context.js';
import { type LoadResult, runLoad } from '../lib/load.js';
import { peakRssMiB, waitFor } from '../../test/support/harness/proc.js';
import type { BenchRow } from '../lib/report.js';
import { type BenchService, type Flavour, startBenchService } from '../lib/service.js';
import { BENCH_WEBHOOK_SECRET, createSigner, genericBody } from '../lib/webhooks.js';
import { measureBareHono, measurePostgresLoop } from './ceilings.js';

/**
 * Intake: unique, freshly signed generic webhooks at 50 concurrent connections,
 * beside the two ceilings (bare Hono 204, bare postgres.js intake transaction),
 * all in this run: an intake-only instance on PostgreSQL (and how fast workers
 * then work off its backlog), and the all-in-one service (workers enriching the
 * same jobs, no CRM) on PostgreSQL and on PGlite.
 */

/** A unique, freshly signed generic webhook per call. */
export function genericRequestFactory() {
  const signer = createSigner();
  return () => {
    const id = randomUUID();
    const d = signer.sign(genericBody({ id, company: 'Bench BV', sbi: '62.01', employees: 25 }));
    return { body: d.body, headers: d.headers };
  };
}

const note = (r: LoadResult) => `${r.total} req, ${r.non2xx} non-2xx, ${r.errors} errors`;

/** Warm-up, then the measured load, against one running service. */
async function loadService(ctx: BenchContext, service: BenchService): Promise<{ load: LoadResult; rssMiB?: number }> {
  const makeRequest = genericRequestFactory();
  const common = { url: service.url, path: '/webhooks/generic', connections: ctx.connections, makeRequest };
  await runLoad({ ...common, durationSeconds: ctx.quick ? 1 : 3 }); // warm-up: JIT, pool, caches
  const load = await runLoad({ ...common, durationSeconds: ctx.loadSeconds });
  if (load.non2xx > 0 || load.errors > 0) ctx.log(`intake on ${service.flavour}: ${note(load)}; last logs:\n${service.logs.slice(-5).join('\n')}`);
  return { load, rssMiB: peakRssMiB(service.pid) };
}

async function measureService(ctx: BenchContext, flavour: Flavour): Promise<{ load: LoadResult; rssMiB?: number }> {
  const service = await startBenchService(flavour, { GENERIC_WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET });
  try {
    return await loadService(ctx, service);
  } finally {
    await service.dispose();
  }
}

/**
 * An intake-only instance (WORKER_CONCURRENCY=0) under the same load, then a
 * normal instance started on its database to work the backlog it left: how
 * fast webhooks are taken in when nothing else runs in that process, and how
 * fast one instance's workers catch up afterwards.
 */
async function measureIntakeOnly(ctx: BenchContext): Promise<{ load: LoadResult; backlog: number; drainPerSecond: number }> {
  const intake = await startBenchService('postgres', { GENERIC_WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET, WORKER_CONCURRENCY: '0' });
  const sql = postgres(intake.databaseUrl!, { max: 1, onnotice: () => {} });
  try {
    const { load } = await loadService(ctx, intake);
    const pending = async () => Number((await sql`select count(*)::int as n from jobs where status in ('queued', 'running')`)[0].n);
    const workers = await startBenchService('postgres', { GENERIC_WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET }, intake);
    try {
      const backlog = await pending();
      const started = performance.now();
      await waitFor(async () => (await pending()) === 0, 600_000, 50);
      return { load, backlog, drainPerSecond: backlog / ((performance.now() - started) / 1000) };
    } finally {
      await workers.dispose();
    }
  } finally {
    await sql.end({ timeout: 5 });
    await intake.dispose();
  }
}

export const intakeSection: BenchSection = {
  name: 'intake',
  async run(ctx) {
    ctx.log('intake: intake-only instance on PostgreSQL, then its backlog worked off');
    const only = await measureIntakeOnly(ctx);
    ctx.log('intake: all-in-one service on PostgreSQL (workers on)');
    const pgService = await measureService(ctx, 'postgres');
    ctx.log('intake: all-in-one service on PGlite');
    const pgliteService = await measureService(ctx, 'pglite');
    ctx.log('intake: ceiling bare postgres.js intake transaction');
    const loop = await measurePostgresLoop({ connections: ctx.connections, durationSeconds: ctx.loadSeconds });
    ctx.log('intake: ceiling bare Hono 204');
    const hono = await measureBareHono({ connections: ctx.connections, durationSeconds: ctx.loadSeconds, makeRequest: genericRequestFactory() });

    const s = 'intake';
    const io = only.load;
    const pg = pgService.load;
    const lite = pgliteService.load;
    const rows: BenchRow[] = [
      ratioRow({ section: s, metric: 'intake-only instance on PostgreSQL', value: io.requestsPerSecond, unit: 'req/s', versus: 'pg loop', target: '≥ 0.8× loop', note: `WORKER_CONCURRENCY=0; ${note(io)}` }, loop.requestsPerSecond, 0.8),
      { section: s, metric: 'intake-only p50', value: io.p50Ms, unit: 'ms' },
      { section: s, metric: 'intake-only p99', value: io.p99Ms, unit: 'ms', target: '≤ 25 ms', ok: io.p99Ms <= 25 },
      { section: s, metric: 'its backlog worked off by one instance', value: only.drainPerSecond, unit: 'jobs/s', note: `${only.backlog} jobs, no CRM configured: resolve and record` },
      ratioRow({ section: s, metric: 'all-in-one on PostgreSQL (workers on)', value: pg.requestsPerSecond, unit: 'req/s', versus: 'pg loop', note: `workers enrich the same jobs on the same 2 cores; ${note(pg)}` }, loop.requestsPerSecond),
      { section: s, metric: 'all-in-one on PostgreSQL p50', value: pg.p50Ms, unit: 'ms' },
      { section: s, metric: 'all-in-one on PostgreSQL p99', value: pg.p99Ms, unit: 'ms' },
      ratioRow({ section: s, metric: 'all-in-one on PGlite', value: lite.requestsPerSecond, unit: 'req/s', versus: 'pg loop', note: note(lite) }, loop.requestsPerSecond),
      { section: s, metric: 'all-in-one on PGlite p50', value: lite.p50Ms, unit: 'ms' },
      { section: s, metric: 'all-in-one on PGlite p99', value: lite.p99Ms, unit: 'ms' },
      { section: s, metric: 'ceiling: postgres.js txn loop', value: loop.requestsPerSecond, unit: 'txn/s', note: `event + job in one transaction, pool 10, ${loop.errors} errors` },
      { section: s, metric: 'ceiling: pg loop p50', value: loop.p50Ms, unit: 'ms' },
      { section: s, metric: 'ceiling: pg loop p99', value: loop.p99Ms, unit: 'ms' },
      ratioRow({ section: s, metric: 'ceiling: bare Hono 204', value: hono.requestsPerSecond, unit: 'req/s', versus: 'pg loop', note: note(hono) }, loop.requestsPerSecond),
      { section: s, metric: 'ceiling: bare Hono p50', value: hono.p50Ms, unit: 'ms' },
      { section: s, metric: 'ceiling: bare Hono p99', value: hono.p99Ms, unit: 'ms' },
      ratioRow({ section: s, metric: 'intake-only vs bare Hono', value: io.requestsPerSecond, unit: 'req/s', versus: 'bare Hono' }, hono.requestsPerSecond),
    ];
    if (pgService.rssMiB !== undefined) rows.push({ section: 'memory', metric: 'peak RSS, service on PostgreSQL under intake load', value: pgService.rssMiB, unit: 'MiB', note: 'VmHWM' });
    if (pgliteService.rssMiB !== undefined) rows.push({ section: 'memory', metric: 'peak RSS, service on PGlite under intake load', value: pgliteService.rssMiB, unit: 'MiB', note: 'VmHWM' });
    return rows;
  },
};
