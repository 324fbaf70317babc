import { randomUUID } from 'node:crypto';
import type { BenchContext, BenchSection } from '../lib/context.js';
import { ratioRow } from '../lib/context.js';
import { type LoadResult, runLoad } from '../lib/load.js';
import { peakRssMiB } from '../lib/proc.js';
import type { BenchRow } from '../lib/report.js';
import { type Flavour, startBenchService } from '../lib/service.js';
import { BENCH_WEBHOOK_SECRET, createSigner, genericBody } from '../lib/webhooks.js';
import { measureBareHono, measurePostgresLoop } from './ceilings.js';

/**
 * Intake: unique, freshly signed generic webhooks at 50 concurrent connections
 * against the service on PostgreSQL and on PGlite, beside the two ceilings
 * (bare Hono 204, bare postgres.js intake transaction), all in this run.
 * The service runs as production does, workers included (dry: no CRM).
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

async function measureService(ctx: BenchContext, flavour: Flavour): Promise<{ load: LoadResult; rssMiB?: number }> {
  const service = await startBenchService(flavour, { GENERIC_WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET });
  try {
    const makeRequest = genericRequestFactory();
    const common = { url: service.url, path: '/webhooks/generic', connections: ctx.connections, makeRequest };
    await runLoad({ ...common, durationSeconds: ctx.quick ? 1 : 3 }); // warm-up: JIT, pool, caches
    const load = await runLoad({ ...common, durationSeconds: ctx.loadSeconds });
    if (load.non2xx > 0 || load.errors > 0) ctx.log(`intake on ${flavour}: ${note(load)}; last logs:\n${service.logs.slice(-5).join('\n')}`);
    return { load, rssMiB: peakRssMiB(service.pid) };
  } finally {
    await service.dispose();
  }
}

export const intakeSection: BenchSection = {
  name: 'intake',
  async run(ctx) {
    ctx.log('intake: service on PostgreSQL');
    const pgService = await measureService(ctx, 'postgres');
    ctx.log('intake: service on PGlite');
    const pgliteService = await measureService(ctx, 'pglite');
    ctx.log('intake: ceiling bare postgres.js intake transaction');
    const loop = await measurePostgresLoop({ connections: ctx.connections, durationSeconds: ctx.loadSeconds });
    ctx.log('intake: ceiling bare Hono 204');
    const hono = await measureBareHono({ connections: ctx.connections, durationSeconds: ctx.loadSeconds, makeRequest: genericRequestFactory() });

    const s = 'intake';
    const pg = pgService.load;
    const lite = pgliteService.load;
    const rows: BenchRow[] = [
      ratioRow({ section: s, metric: 'service on PostgreSQL', value: pg.requestsPerSecond, unit: 'req/s', versus: 'pg loop', target: '≥ 0.8× loop', note: note(pg) }, loop.requestsPerSecond, 0.8),
      { section: s, metric: 'service on PostgreSQL p50', value: pg.p50Ms, unit: 'ms' },
      { section: s, metric: 'service on PostgreSQL p99', value: pg.p99Ms, unit: 'ms', target: '≤ 25 ms', ok: pg.p99Ms <= 25 },
      ratioRow({ section: s, metric: 'service on PGlite', value: lite.requestsPerSecond, unit: 'req/s', versus: 'pg loop', note: note(lite) }, loop.requestsPerSecond),
      { section: s, metric: 'service on PGlite p50', value: lite.p50Ms, unit: 'ms' },
      { section: s, metric: 'service on PGlite p99', value: lite.p99Ms, unit: 'ms' },
      { section: s, metric: 'ceiling: postgres.js txn loop', value: loop.requestsPerSecond, unit: 'txn/s', note: `event + job in one transaction, pool 10, ${loop.errors} errors` },
      { section: s, metric: 'ceiling: pg loop p50', value: loop.p50Ms, unit: 'ms' },
      { section: s, metric: 'ceiling: pg loop p99', value: loop.p99Ms, unit: 'ms' },
      ratioRow({ section: s, metric: 'ceiling: bare Hono 204', value: hono.requestsPerSecond, unit: 'req/s', versus: 'pg loop', note: note(hono) }, loop.requestsPerSecond),
      { section: s, metric: 'ceiling: bare Hono p50', value: hono.p50Ms, unit: 'ms' },
      { section: s, metric: 'ceiling: bare Hono p99', value: hono.p99Ms, unit: 'ms' },
      ratioRow({ section: s, metric: 'service on PostgreSQL vs Hono', value: pg.requestsPerSecond, unit: 'req/s', versus: 'bare Hono' }, hono.requestsPerSecond),
    ];
    if (pgService.rssMiB !== undefined) rows.push({ section: 'memory', metric: 'peak RSS, service on PostgreSQL under intake load', value: pgService.rssMiB, unit: 'MiB', note: 'VmHWM' });
    if (pgliteService.rssMiB !== undefined) rows.push({ section: 'memory', metric: 'peak RSS, service on PGlite under intake load', value: pgliteService.rssMiB, unit: 'MiB', note: 'VmHWM' });
    return rows;
  },
};
