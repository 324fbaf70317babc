/**
 * `npm run test:cluster`: three service processes on one PostgreSQL database,
 * one fake HubSpot and one fake CBS. Webhooks are spread over the three; then:
 * every instance did part of the work, each job ran once (one attempt, one
 * history entry, one job per lead, one write per card), the fake CRM never saw
 * more than the shared limit in any rolling window, and the CBS refresh that
 * all three asked for at start loaded the table once. The catch-up sweep runs
 * every minute meanwhile and finds every delivered lead known.
 * Prints the counts; each check is an assertion of its own.
 */
import { sql } from 'drizzle-orm';
import { openDatabase, queryRows } from '../../src/db/client.js';
import { HARNESS_HUBSPOT_SECRET, HARNESS_PUBLIC_URL, companyInput, creationEvent, seedCompanies, signedHubspotDelivery, startHarnessHubspot } from '../support/harness/hubspot.js';
import { Checks, cardDifferences, expectedHubspotCard, jobsPerLead, serviceEnricher, waitForQuiet } from '../support/harness/verdict.js';
import { deliverWebhook } from '../support/harness/deliver.js';
import { describeRun, runLog } from '../support/harness/describe-run.js';
import { startFakeCbs } from '../support/fakes/cbs-server.js';
import { createPostgresDatabase, dropPostgresDatabase } from '../support/db.js';
import { type SpawnedService, spawnService } from '../support/spawn-service.js';
import { windowOverrun } from '../support/harness/window-check.js';

const INSTANCES = 3;
const LEADS = 300;
const LIMIT = 12;
const WINDOW_MS = 2_000;
const CHECKS = ['every instance did part of the work', 'each job ran once', 'every card right', 'the shared rate limit held', 'the CBS table loaded once'] as const;
type Check = (typeof CHECKS)[number];
const log = runLog('cluster');

async function main(): Promise<Checks<Check>> {
  const started = Date.now();
  const hubspot = await startHarnessHubspot({ limit: LIMIT, windowMs: WINDOW_MS });
  const cbs = await startFakeCbs({ pageSize: 2_500 });
  // A newer table than the bundled snapshot, so the refresh each instance asks for at start has something to load.
  cbs.setModified('83583NED', new Date().toISOString());
  const companies = seedCompanies(hubspot, LEADS, 31);
  const url = await createPostgresDatabase();
  const env = {
    DATABASE_URL: url,
    PUBLIC_URL: HARNESS_PUBLIC_URL,
    HUBSPOT_CLIENT_SECRET: HARNESS_HUBSPOT_SECRET,
    HUBSPOT_ACCESS_TOKEN: 'pat-eu1-fake-hubspot-token',
    HUBSPOT_BASE_URL: hubspot.url,
    CRM_RATE_LIMIT: `${LIMIT}/${WINDOW_MS}ms`,
    CBS_BASE_URL: cbs.url,
    CBS_REFRESH_ON_START: 'true',
    // Small batches so the three instances share the backlog rather than one taking it all.
    JOB_BATCH_SIZE: '10',
    JOB_POLL_MS: '200',
    WORKER_CONCURRENCY: '2',
    LOG_LEVEL: 'warn',
    // The catch-up sweep every minute, not every quarter hour by the wall clock: it then runs during every
    // run, beside the webhooks, instead of in some runs only (those slowed by load), and must add no job.
    CRM_CATCHUP_CRON: '* * * * *',
  };
  const database = await openDatabase({ url, poolSize: 3 });
  const services: SpawnedService[] = [];
  const violations = new Checks(CHECKS);
  try {
    // The first start applies the migrations; the other two start together against a migrated database.
    services.push(await spawnService(env, { readyTimeoutMs: 90_000 }));
    services.push(...(await Promise.all(Array.from({ length: INSTANCES - 1 }, () => spawnService(env, { readyTimeoutMs: 90_000 })))));
    log(`${services.length} instances up: ${services.map((s) => s.pid).join(', ')}`);

    // Round-robin, 10 events per delivery, 8 senders: the instances all take webhooks and all work. A delivery
    // that fails in transport is tried again, as HubSpot does (deliver.ts); each such failure is logged and counted.
    const deliveries: string[][] = [];
    for (let i = 0; i < companies.length; i += 10) deliveries.push(companies.slice(i, i + 10).map((c) => c.id));
    const resent: string[] = [];
    let next = 0;
    const send = async () => {
      while (next < deliveries.length) {
        const n = next++;
        const target = services[n % services.length];
        const request = () => signedHubspotDelivery(deliveries[n].map((id, k) => creationEvent(id, n * 100 + k)));
        await deliverWebhook(`${target.url}/webhooks/hubspot`, request, {
          maxFailures: 5,
          onFailure: (why) => {
            resent.push(`delivery ${n} to ${target.pid}: ${why}`);
            log(`delivery ${n} to instance ${target.pid} failed, sent again: ${why}`);
          },
        });
      }
    };
    await Promise.all(Array.from({ length: 8 }, send));
    log(`${LEADS} leads delivered over ${deliveries.length} webhooks (${resent.length} sends failed and were retried); waiting for the queue to drain`);
    const final = await waitForQuiet(database, 150_000, log);

    // 1. Work shared: every instance's workers finished some jobs.
    const perWorker = await queryRows<{ worker: string; n: number }>(
      database.db,
      sql`select h->>'worker' as worker, count(*)::int as n from jobs, jsonb_array_elements(history) h group by 1 order by 1`,
    );
    const pids = services.map((s) => String(s.pid));
    const byInstance = pids.map((pid) => perWorker.filter((w) => w.worker?.split(':')[1] === pid).reduce((a, w) => a + w.n, 0));
    byInstance.forEach((n, i) => n === 0 && violations.fail('every instance did part of the work', `instance ${pids[i]} did no job`));
    // 2. Each job ran once: one attempt, one history entry, one job per lead.
    const reruns = await queryRows<{ id: number; status: string; reason: string; attempts: number; last_error: string | null; history: unknown }>(
      database.db,
      sql`select id, status, reason, attempts, last_error, history from jobs where attempts <> 1 or jsonb_array_length(history) <> 1 or status <> 'done' order by id`,
    );
    if (reruns.length) violations.fail('each job ran once', `${reruns.length} jobs not done in exactly one attempt, e.g. ${JSON.stringify(reruns.slice(0, 5))}`);
    const perLead = await jobsPerLead(database, 'hubspot');
    if (perLead.size !== LEADS || [...perLead.values()].some((n) => n !== 1)) violations.fail('each job ran once', `expected one job for each of ${LEADS} leads, got ${perLead.size} leads`);
    // ...and one write per card (a batch update carries many inputs; count them per company).
    const writes = new Map<string, number>();
    for (const r of hubspot.requests) {
      if (r.status >= 300) continue;
      const inputs = r.path.endsWith('/batch/update') ? ((r.body as { inputs?: { id: string }[] })?.inputs ?? []).map((i) => i.id) : r.method === 'PATCH' ? [r.path.split('/').pop() ?? ''] : [];
      for (const id of inputs) writes.set(id, (writes.get(id) ?? 0) + 1);
    }
    const doubleWrites = [...writes].filter(([, n]) => n > 1);
    if (doubleWrites.length) violations.fail('each job ran once', `${doubleWrites.length} cards written more than once, e.g. ${doubleWrites.slice(0, 3).join('; ')}`);
    const enricher = await serviceEnricher(database);
    const wrong = companies.filter((c) => cardDifferences(hubspot.cards.get(`company:${c.id}`), expectedHubspotCard(enricher, companyInput(c.props))).length);
    if (wrong.length) violations.fail('every card right', `${wrong.length} of ${LEADS} cards wrong, e.g. company ${wrong[0].id}`);
    // 3. The global limit held in every rolling window.
    const overrun = windowOverrun('the fake HubSpot', hubspot, LIMIT, WINDOW_MS);
    if (overrun) violations.fail('the shared rate limit held', overrun);
    if (hubspot.count(429) > 0) violations.fail('the shared rate limit held', `the fake HubSpot answered ${hubspot.count(429)} requests with 429`);
    // 4. The CBS refresh ran once: one live version loaded, one table's worth of data pages fetched.
    const versions = await queryRows<{ source: string; status: string; n: number }>(
      database.db,
      sql`select source, status, count(*)::int as n from cbs_table_versions group by 1, 2 order by 1, 2`,
    );
    const runs = await queryRows<{ status: string; n: number }>(database.db, sql`select status, count(*)::int as n from cbs_refresh_runs group by 1 order by 1`);
    const loaded = versions.filter((v) => v.source === 'odata').reduce((a, v) => a + v.n, 0);
    const dataPages = cbs.count((r) => /TypedDataSet/i.test(r.path));
    if (loaded !== 1) violations.fail('the CBS table loaded once', `CBS table loaded ${loaded} times, expected once (${JSON.stringify(versions)})`);
    if (dataPages !== 3) violations.fail('the CBS table loaded once', `fake CBS served ${dataPages} TypedDataSet pages, expected 3 (7,440 rows at 2,500 a page)`);

    console.log(
      JSON.stringify(
        {
          instances: pids,
          leads: LEADS,
          jobs: final,
          jobsByInstance: Object.fromEntries(pids.map((pid, i) => [pid, byInstance[i]])),
          deliveriesSentAgain: resent,
          crmRequests: hubspot.requests.length,
          catchupSearches: hubspot.requests.filter((r) => r.path.endsWith('/search')).length,
          maxRequestsInAnyWindow: `${hubspot.maxInAnyWindow(WINDOW_MS)} / ${LIMIT} per ${WINDOW_MS} ms`,
          cardsRight: LEADS - wrong.length,
          cbsVersions: versions,
          cbsRefreshRuns: Object.fromEntries(runs.map((r) => [r.status, r.n])),
          cbsDataPagesServed: dataPages,
          seconds: Math.round((Date.now() - started) / 1000),
        },
        null,
        2,
      ),
    );
  } finally {
    await Promise.all(services.map((s) => s.stop().catch(() => undefined)));
    await database.close();
    await hubspot.close();
    await cbs.close();
    await dropPostgresDatabase(url);
  }
  return violations;
}

describeRun('cluster: three instances on one database (npm run test:cluster)', CHECKS, main, 10 * 60_000);
