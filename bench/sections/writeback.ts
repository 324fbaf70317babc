import { startFakeHubspot } from '../../test/support/fakes/hubspot-server.js';
import type { BenchSection } from '../lib/context.js';
import { HARNESS_HUBSPOT_SECRET, HARNESS_PORTAL, HARNESS_PUBLIC_URL, creationEvent, seedCompanies, signedHubspotDelivery } from '../../test/support/harness/hubspot.js';
import { peakRssMiB, percentile, sleep, waitFor } from '../../test/support/harness/proc.js';
import type { BenchRow } from '../lib/report.js';
import { startBenchService } from '../lib/service.js';

/**
 * Write-back against the fake HubSpot, service on PostgreSQL:
 * - end-to-end latency on an idle system: one company.creation webhook at a
 *   time, timed until the card on the fake holds the enrichment;
 * - a 1,000-lead backlog: achieved request rate ÷ the configured limit while
 *   draining, the 429 count, and leads written per request.
 */
const LIMIT = 100;
const WINDOW_MS = 10_000;

async function post(url: string, events: unknown[]): Promise<void> {
  const { body, headers } = signedHubspotDelivery(events);
  const res = await fetch(`${url}/webhooks/hubspot`, { method: 'POST', body, headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`webhook answered ${res.status}: ${text.slice(0, 200)}`);
}

export const writebackSection: BenchSection = {
  name: 'writeback',
  async run(ctx) {
    const fake = await startFakeHubspot({ limit: LIMIT, windowMs: WINDOW_MS, portalId: Number(HARNESS_PORTAL) });
    const e2eCount = ctx.quick ? 15 : 40;
    const backlog = ctx.quick ? 400 : 1_000;
    const companies = seedCompanies(fake, e2eCount + backlog, 11);
    const service = await startBenchService('postgres', {
      PUBLIC_URL: HARNESS_PUBLIC_URL,
      HUBSPOT_CLIENT_SECRET: HARNESS_HUBSPOT_SECRET,
      HUBSPOT_ACCESS_TOKEN: 'pat-eu1-fake-hubspot-token',
      HUBSPOT_BASE_URL: fake.url,
      CRM_RATE_LIMIT: `${LIMIT}/${WINDOW_MS / 1000}s`,
      JOB_BATCH_SIZE: '100',
      LOG_LEVEL: 'warn',
    });
    try {
      // End to end, idle: one lead at a time.
      const written = (id: string) => Boolean(fake.cards.get(`company:${id}`)?.cbs_version);
      const latencies: number[] = [];
      for (let i = 0; i < e2eCount; i++) {
        const c = companies[i];
        const t0 = performance.now();
        await post(service.url, [creationEvent(c.id, i + 1)]);
        await waitFor(async () => written(c.id), 30_000, 2);
        latencies.push(performance.now() - t0);
        await sleep(100);
      }
      // Let the rolling window empty so the backlog starts with the full budget.
      await sleep(WINDOW_MS + 500);

      // Backlog: 1,000 creations arrive in ten batches of 100 (HubSpot's batch size), then drain.
      const queued = companies.slice(e2eCount);
      const before = fake.requests.length;
      const t0 = Date.now();
      for (let i = 0; i < queued.length; i += 100) {
        await post(service.url, queued.slice(i, i + 100).map((c, j) => creationEvent(c.id, 10_000 + i + j)));
      }
      await waitFor(async () => queued.every((c) => written(c.id)), 300_000, 50);
      const drained = fake.requests.slice(before);
      if (!drained.length) throw new Error(`the ${backlog}-lead backlog was written without a CRM request: something else enriched it first`);
      const seconds = (drained[drained.length - 1].at - t0) / 1000;
      const tooMany = drained.filter((r) => r.status === 429).length;
      const updates = drained.filter((r) => r.method === 'POST' && r.path.endsWith('/batch/update')).length;
      const singles = drained.filter((r) => r.method === 'PATCH').length;
      const writes = updates + singles;
      const configuredRate = LIMIT / (WINDOW_MS / 1000);
      const achieved = drained.length / Math.max(seconds, WINDOW_MS / 1000);
      const rows: BenchRow[] = [
        { section: 'end-to-end', metric: 'webhook → card written p50 (idle)', value: percentile(latencies, 50), unit: 'ms', note: `${e2eCount} leads one at a time, fake HubSpot` },
        { section: 'end-to-end', metric: 'webhook → card written p99 (idle)', value: percentile(latencies, 99), unit: 'ms' },
        {
          section: 'write-back',
          metric: `${backlog}-lead backlog: requests sent`,
          value: drained.length,
          unit: 'req',
          note: `${updates} batch updates, ${singles} single PATCHes, ${drained.length - writes} reads, drained in ${seconds.toFixed(1)} s`,
        },
        {
          section: 'write-back',
          metric: 'leads per write request',
          value: backlog / Math.max(1, writes),
          unit: 'leads/req',
          target: '≥ 50',
          ok: backlog / Math.max(1, writes) >= 50,
        },
        { section: 'write-back', metric: '429s from the CRM', value: tooMany, unit: 'count', target: '0', ok: tooMany === 0 },
        {
          section: 'write-back',
          metric: 'backlog drain rate ÷ configured limit',
          value: achieved / configuredRate,
          unit: 'ratio',
          note: `${achieved.toFixed(2)} req/s vs ${configuredRate} req/s; batching needs fewer requests than one window allows, so this drain is not limit-bound (see the next row)`,
        },
        { section: 'write-back', metric: 'most requests in any window', value: fake.maxInAnyWindow(WINDOW_MS), unit: 'req', target: `≤ ${LIMIT}`, ok: fake.maxInAnyWindow(WINDOW_MS) <= LIMIT },
      ];
      const rss = peakRssMiB(service.pid);
      if (rss !== undefined) rows.push({ section: 'memory', metric: 'peak RSS, service after write-back run', value: rss, unit: 'MiB', note: 'VmHWM' });
      rows.push(...(await measureLimitBound(ctx.quick)));
      return rows;
    } finally {
      await service.dispose();
      await fake.close();
    }
  },
};

/**
 * Limit-bound write-back: one lead per batch (a read and a write each), far more
 * requests than the limit allows per window. The limit lets request i (from 0)
 * go no sooner than floor(i / limit) windows after the first, so N requests
 * need at least floor((N - 1) / limit) windows: ratio = that least time ÷ the
 * time they took (1 = as fast as the limit allows). Counting requests per
 * elapsed window instead read 0.8 for a perfect limiter whenever the last
 * window held only a few requests.
 */
async function measureLimitBound(quick: boolean): Promise<BenchRow[]> {
  const limit = 40;
  const windowMs = 2_000;
  const fake = await startFakeHubspot({ limit, windowMs, portalId: Number(HARNESS_PORTAL) });
  const leads = quick ? 100 : 220;
  const companies = seedCompanies(fake, leads, 13);
  const service = await startBenchService('postgres', {
    PUBLIC_URL: HARNESS_PUBLIC_URL,
    HUBSPOT_CLIENT_SECRET: HARNESS_HUBSPOT_SECRET,
    HUBSPOT_ACCESS_TOKEN: 'pat-eu1-fake-hubspot-token',
    HUBSPOT_BASE_URL: fake.url,
    CRM_RATE_LIMIT: `${limit}/${windowMs}ms`,
    JOB_BATCH_SIZE: '1',
    WORKER_CONCURRENCY: '8',
    LOG_LEVEL: 'warn',
  });
  try {
    for (let i = 0; i < companies.length; i += 100) {
      await post(service.url, companies.slice(i, i + 100).map((c, j) => creationEvent(c.id, 50_000 + i + j)));
    }
    await waitFor(async () => companies.every((c) => Boolean(fake.cards.get(`company:${c.id}`)?.cbs_version)), 300_000, 50);
    const sent = fake.requests;
    if (!sent.length) throw new Error(`${leads} leads were written without a CRM request`);
    const seconds = (sent[sent.length - 1].at - sent[0].at) / 1000;
    const leastSeconds = (Math.floor((sent.length - 1) / limit) * windowMs) / 1000;
    const ratio = leastSeconds / Math.max(seconds, 0.001);
    const tooMany = sent.filter((r) => r.status === 429).length;
    return [
      {
        section: 'write-back',
        metric: 'limit-bound drain: fastest the limit allows ÷ time taken',
        value: ratio,
        unit: 'ratio',
        target: '≥ 0.95, zero 429',
        ok: ratio >= 0.95 && tooMany === 0,
        note: `${sent.length} requests for ${leads} leads in ${seconds.toFixed(1)} s (the limit allows ${leastSeconds.toFixed(1)} s at best) at ${limit}/${windowMs / 1000} s; ${tooMany} 429s; most in any window ${fake.maxInAnyWindow(windowMs)}`,
      },
    ];
  } finally {
    await service.dispose();
    await fake.close();
  }
}
