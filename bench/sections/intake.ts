import { randomUUID } from 'node:crypto';
import type { BenchContext, BenchSection } from '../lib/context.js';
import type { LoadResult } from '../lib/load.js';
import type { BenchRow } from '../lib/report.js';
import { createSigner, genericBody } from '../lib/webhooks.js';
import { measureBareHono, measurePostgresLoop } from './ceilings.js';

/** A unique, freshly signed generic webhook per call. */
export function genericRequestFactory() {
  const signer = createSigner();
  return () => {
    const id = randomUUID();
    const d = signer.sign(genericBody({ id, company: 'Bench BV', sbi: '62.01', employees: 25 }));
    return { body: d.body, headers: d.headers };
  };
}

export function loadRows(section: string, label: string, r: LoadResult): BenchRow[] {
  return [
    { section, metric: `${label} throughput`, value: r.requestsPerSecond, unit: 'req/s', note: `${r.total} requests, ${r.non2xx} non-2xx, ${r.errors} errors` },
    { section, metric: `${label} p50`, value: r.p50Ms, unit: 'ms' },
    { section, metric: `${label} p99`, value: r.p99Ms, unit: 'ms' },
  ];
}

export async function measureCeilings(ctx: BenchContext) {
  ctx.log('ceiling: bare Hono 204');
  const hono = await measureBareHono({ connections: ctx.connections, durationSeconds: ctx.loadSeconds, makeRequest: genericRequestFactory() });
  ctx.log('ceiling: bare postgres.js insert loop');
  const pg = await measurePostgresLoop({ connections: ctx.connections, durationSeconds: ctx.loadSeconds });
  return { hono, pg };
}

export const intakeCeilingsSection: BenchSection = {
  name: 'intake',
  async run(ctx) {
    const { hono, pg } = await measureCeilings(ctx);
    return [...loadRows('ceiling', 'bare Hono 204', hono), ...loadRows('ceiling', 'bare postgres.js txn', pg)];
  },
};
