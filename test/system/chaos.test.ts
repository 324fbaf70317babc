/**
 * `npm run test:chaos`: 2,000 HubSpot webhooks (10% duplicates, shuffled)
 * against the service as a child process on a fresh PostgreSQL database, while
 * the fake HubSpot fails 20% of requests with 503, 10% with 429 and 5% by
 * hanging, and the service is SIGKILLed and restarted 3 times; then the CRM is
 * down altogether for a while (every request a 503), then healthy again. The
 * retry policy is the production one with its times compressed by
 * configuration (the 24 h window becomes 5 min, the 30 min cap 3 s). Then:
 * no acknowledged event lost, one job per lead, no dead letters (no operator
 * needed), every card holds the enrichment the enricher computes for that
 * lead, and no rate window over the limit. Prints the counts; each check is an
 * assertion of its own. The Pipedrive phase (a daily token budget that runs
 * out mid-run, waited for, with no job lost) is chaos-pipedrive-budget.test.ts;
 * `npm run test:chaos` runs both, one after the other.
 */
import { sql } from 'drizzle-orm';
import { openDatabase, queryRows } from '../../src/db/client.js';
import { hubspotDedupeKey, HARNESS_HUBSPOT_SECRET, HARNESS_PUBLIC_URL, companyInput, creationEvent, injectRandomFailures, seedCompanies, signedHubspotDelivery, startHarnessHubspot } from '../support/harness/hubspot.js';
import { seededRandom } from '../support/harness/leads.js';
import { sleep } from '../support/harness/proc.js';
import { Checks, cardDifferences, closeRun, expectedHubspotCard, jobsPerLead, lostEvents, serviceEnricher, waitForQuiet } from '../support/harness/verdict.js';
import { deliverWebhook } from '../support/harness/deliver.js';
import { describeRun, runLog } from '../support/harness/describe-run.js';
import { createPostgresDatabase, dropPostgresDatabase } from '../support/db.js';
import { type SpawnedService, spawnService } from '../support/spawn-service.js';
import { windowOverrun } from '../support/harness/window-check.js';

const WEBHOOKS = 2_000;
const DUPLICATE_SHARE = 0.1;
const KILLS = 3;
const LIMIT = 50;
const WINDOW_MS = 5_000;
const SENDERS = 16;
/** How long the CRM is down after the deliveries (the "afternoon" outage, compressed). */
const OUTAGE_MS = 20_000;
const CHECKS = ['nothing acknowledged is lost', 'one job per lead', 'no dead letters', 'every card right', 'never over the rate limit'] as const;
type Check = (typeof CHECKS)[number];
const log = runLog('chaos');

async function main(): Promise<Checks<Check>> {
  const started = Date.now();
  const random = seededRandom(2024);
  const fake = await startHarnessHubspot({ limit: LIMIT, windowMs: WINDOW_MS });
  const unique = Math.round(WEBHOOKS * (1 - DUPLICATE_SHARE));
  const companies = seedCompanies(fake, unique);
  // Every company once, 10% of them a second time (HubSpot redelivers with another attempt number), shuffled.
  const deliveries = companies.map((c, i) => ({ id: c.id, eventId: i + 1, attempt: 0 }));
  for (let i = 0; i < WEBHOOKS - unique; i++) {
    const c = companies[Math.floor(random() * unique)];
    deliveries.push({ id: c.id, eventId: 900_000 + i, attempt: 1 });
  }
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
  }

  const url = await createPostgresDatabase();
  const env = {
    DATABASE_URL: url,
    PUBLIC_URL: HARNESS_PUBLIC_URL,
    HUBSPOT_CLIENT_SECRET: HARNESS_HUBSPOT_SECRET,
    HUBSPOT_ACCESS_TOKEN: 'pat-eu1-fake-hubspot-token',
    HUBSPOT_BASE_URL: fake.url,
    CRM_RATE_LIMIT: `${LIMIT}/${WINDOW_MS}ms`,
    JOB_LEASE_MS: '3000',
    JOB_POLL_MS: '200',
    JOB_RETRY_BASE_MS: '500',
    JOB_RETRY_CAP_MS: '3000',
    JOB_RETRY_WINDOW_MS: String(5 * 60_000),
    JOB_BATCH_SIZE: '100',
    LOG_LEVEL: 'warn',
  };
  let service: SpawnedService = await spawnService(env, { readyTimeoutMs: 90_000 });
  const storm = injectRandomFailures(fake, { error5xx: 0.2, tooMany: 0.1, hang: 0.05 });
  const database = await openDatabase({ url, poolSize: 3 });
  const violations = new Checks(CHECKS);
  let sendFailures = 0;
  let restarts = 0;
  try {
    // Senders retry a delivery until it is acknowledged, as HubSpot does; a dead service just means "later".
    let next = 0;
    let acked = 0;
    const send = async () => {
      while (next < deliveries.length) {
        const d = deliveries[next++];
        await deliverWebhook(
          () => `${service.url}/webhooks/hubspot`,
          () => signedHubspotDelivery([creationEvent(d.id, d.eventId, d.attempt)]),
          { onFailure: () => sendFailures++ },
        );
        acked++;
      }
    };
    // The killer: SIGKILL at 25%, 50% and 75% of the deliveries, restart at once (a supervisor would).
    const killer = async () => {
      for (let k = 1; k <= KILLS; k++) {
        while (acked < (deliveries.length * k) / (KILLS + 1)) await sleep(50);
        log(`SIGKILL #${k} (pid ${service.pid}) after ${acked} acknowledged deliveries`);
        await service.kill();
        service = await spawnService(env, { readyTimeoutMs: 90_000 });
        restarts++;
      }
    };
    await Promise.all([...Array.from({ length: SENDERS }, send), killer()]);
    log(`all ${deliveries.length} deliveries acknowledged (${sendFailures} sends failed and were retried)`);

    // The CRM goes down altogether for a while, then comes back: no one retries anything by hand.
    log(`CRM outage: every request a 503 for ${OUTAGE_MS / 1000} s`);
    storm.outage();
    await sleep(OUTAGE_MS);
    storm.stop();
    const recoveryStarted = Date.now();
    log('CRM healthy again: recovery phase');
    const final = await waitForQuiet(database, 150_000, log);
    const recoverySeconds = Math.round((Date.now() - recoveryStarted) / 1000);
    const dead = final.dead ?? 0;
    if (dead > 0) violations.fail('no dead letters', `${dead} jobs dead-lettered: retries must outlast the outage`);

    // 1. Nothing lost: every acknowledged event has its job, in a final state.
    const keys = companies.map((c) => hubspotDedupeKey(c.id));
    const lost = await lostEvents(database, keys);
    if (lost.length) violations.fail('nothing acknowledged is lost', `${lost.length} acknowledged events without a final job, e.g. ${lost.slice(0, 3).join(', ')}`);
    // 2. One job per lead, duplicates made none.
    const perLead = await jobsPerLead(database, 'hubspot');
    const twice = [...perLead].filter(([, n]) => n !== 1);
    if (perLead.size !== unique) violations.fail('one job per lead', `${perLead.size} leads have webhook jobs, expected ${unique}`);
    if (twice.length) violations.fail('one job per lead', `${twice.length} leads with more than one webhook job`);
    // 3. Every card right.
    const enricher = await serviceEnricher(database);
    let wrong = 0;
    for (const c of companies) {
      const diff = cardDifferences(fake.cards.get(`company:${c.id}`), expectedHubspotCard(enricher, companyInput(c.props)));
      if (diff.length) {
        if (wrong < 3) violations.fail('every card right', `company ${c.id}: ${diff.slice(0, 3).join('; ')}`);
        wrong++;
      }
    }
    if (wrong) violations.fail('every card right', `${wrong} of ${unique} cards wrong`);
    // 4. Never over the limit in any rolling window.
    const overrun = windowOverrun('the fake HubSpot', fake, LIMIT, WINDOW_MS);
    if (overrun) violations.fail('never over the rate limit', overrun);

    const skipReasons = await queryRows<{ reason: string; n: number }>(
      database.db,
      sql`select coalesce(outcome->>'reason', '?') as reason, count(*)::int as n from jobs where status = 'skipped' group by 1`,
    );
    const statuses = (s: number) => fake.requests.filter((r) => r.status === s).length;
    console.log(
      JSON.stringify(
        {
          webhooks: deliveries.length,
          uniqueLeads: unique,
          duplicates: deliveries.length - unique,
          sendRetries: sendFailures,
          sigkills: KILLS,
          restarts,
          jobs: final,
          skippedBecause: Object.fromEntries(skipReasons.map((r) => [r.reason, r.n])),
          outageSeconds: OUTAGE_MS / 1000,
          recoverySeconds,
          deadLetters: dead,
          crmRequests: fake.requests.length,
          injected: { error503: statuses(503), tooMany429: statuses(429), hung: statuses(0) },
          maxRequestsInAnyWindow: `${fake.maxInAnyWindow(WINDOW_MS)} / ${LIMIT} per ${WINDOW_MS} ms`,
          cardsRight: unique - wrong,
          seconds: Math.round((Date.now() - started) / 1000),
        },
        null,
        2,
      ),
    );
  } finally {
    await closeRun({ service, database, fake, url, drop: dropPostgresDatabase });
  }
  return violations;
}

describeRun('chaos: a HubSpot storm with SIGKILLs and an outage (npm run test:chaos)', CHECKS, main, 15 * 60_000);
