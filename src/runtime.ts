import { sql } from 'drizzle-orm';
import type { CbsClientOptions } from './cbs/client.js';
import { createCbsStore } from './cbs/store.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { openConfiguredDatabase } from './open-database.js';
import type { AppDeps } from './http/context.js';
import { runMigrations } from './db/migrate.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { registerBackfillCollector } from './ops/backfill-collector.js';
import { registerOpsCollectors } from './ops/collectors.js';
import { OPS_DEFAULTS, type OpsHooks } from './ops/hooks.js';
import { setupReadiness } from './ops/crm-setup.js';
import { setupCrm } from './crm/setup.js';
import { createAccountBindings } from './accounts/bindings.js';
import { createSecretBox } from './accounts/secret-box.js';
import { createBackfills } from './jobs/backfill.js';
import { createOAuthInstalls } from './accounts/oauth/install.js';
import { createOAuthTokens, installedCredentials } from './accounts/oauth/tokens.js';
import { createCatchup } from './jobs/catchup.js';
import { createPipeline } from './jobs/pipeline.js';
import { createCardRefresh } from './jobs/refresh.js';
import { startRetention } from './jobs/retention.js';
import { createIntakeGauge } from './jobs/intake-gauge.js';
import { createWorkerPool } from './jobs/worker.js';
import { enrichmentServiceFor } from './enrich/service.js';
import { loadInputSystems } from './crm/mapping.js';

/**
 * The composition root: builds every long-lived dependency once, in order, and
 * knows how to stop them in reverse. src/index.ts serves what this returns;
 * tests build the app through it too (test/support/app.ts, on a test database
 * they own), and tests that need a whole process spawn src/index.ts.
 */
export interface Runtime {
  deps: AppDeps;
  /**
   * Loads the bundled CBS snapshot into an empty database (once; later calls share the first).
   * start() calls it; a test that wants the data without background work calls it alone.
   */
  loadData(): Promise<void>;
  /**
   * After the server listens: loads the CBS data, builds the enricher, then starts the
   * workers and schedulers. Webhooks are taken and recorded meanwhile; they are enriched
   * once the workers run. Stops early when stop() is called during it.
   */
  start(): Promise<void>;
  /** Stops background work, then closes the database (unless it was handed in). Idempotent. */
  stop(): Promise<void>;
}

/** What a caller (a test) may hand in instead of what buildRuntime would make from the config. */
export interface RuntimeInjections {
  /**
   * An open, migrated database to use instead of opening one from the config.
   * The caller owns it: `stop()` does not close it (a test drops it in afterAll).
   */
  database?: Database;
  /** Admin tunables; the defaults (src/ops/hooks.ts) fill in what is not given. */
  ops?: OpsHooks;
  /** CBS client overrides (a test's fake CBS wants no retry backoff). */
  cbsClient?: Partial<CbsClientOptions>;
  /**
   * The database from the config, already being opened (src/index.ts starts it while the service's
   * modules load): migrated and owned here like one this function opens itself.
   */
  opening?: Promise<Database>;
}

export async function buildRuntime(config: Config, logger: Logger, inject: RuntimeInjections = {}): Promise<Runtime> {
  const ownDatabase = !inject.database;
  const opening = performance.now();
  const database = inject.database ?? (await (inject.opening ?? openConfiguredDatabase(config, logger)));
  if (ownDatabase) {
    const migrating = performance.now();
    await runMigrations(database);
    const ms = (since: number, until = performance.now()) => Math.round(until - since);
    logger.info({ database: database.label, openMs: ms(opening, migrating), migrationsMs: ms(migrating) }, 'database ready');
    if (database.notice) logger.warn({ database: database.label }, database.notice);
  }

  const metrics = createMetrics({ defaultMetrics: true });
  const starters: Array<() => Promise<void>> = [];
  const stoppers: Array<() => Promise<void>> = [];

  // ── [cbs] CBS store: bootstrap the bundled snapshot into an empty database, schedule refreshes.
  const cbs = createCbsStore({ database, logger, metrics, config, client: inject.cbsClient });
  // Not before the server listens: a webhook needs the database, not CBS data. The bundled
  // snapshot goes into an empty database once, on the first call (start() makes it; a lookup
  // or an enricher build that comes first waits for it), and readiness says enrichment waits.
  const data = createDataLoad(() => cbs.bootstrapSnapshot(), logger);
  starters.push(async () => {
    await data.load();
  });
  starters.push(async () => {
    cbs.start();
    if (config.cbs.refreshOnStart) {
      cbs.refresh({ trigger: 'start' }).then(
        (summary) => logger.info({ status: summary.status, tables: summary.tables }, 'CBS refresh after start finished'),
        (err) => logger.error({ err }, 'CBS refresh after start failed'),
      );
    }
  });
  stoppers.push(() => cbs.stop());
  // ── [enrichment] Enrichment service over the CBS store (rebuilt when a table version swaps).
  // The enricher reads the tables only once the bundled snapshot is in: built earlier, it would lack them.
  const tableSource = { getTables: async () => (await data.load(), cbs.getTables()), onSwap: cbs.onSwap };
  const enrichment = enrichmentServiceFor(tableSource, {
    minConfidence: config.enrichMinConfidence,
    logger,
    tableIds: config.cbs.tables,
    figures: config.cbs.figures,
    inputSystems: loadInputSystems(config.crmMappingFile, config.sbiInputSystem),
  });
  // Build the enricher before the workers start: its indexes take a moment, and a
  // first batch that builds it would block the event loop while holding a lease.
  starters.push(async () => {
    await enrichment.enricher();
  });
  // ── [crm] CRM adapters, shared rate limiter, write-back pipeline, catch-up sweep.
  // OAuth-installed accounts call with their own tokens, refreshed ahead of expiry (src/accounts/oauth/).
  const installs = createOAuthInstalls({ config, database, logger });
  const oauthSources = (['hubspot', 'pipedrive'] as const).filter((s) => installs.configured(s));
  const tokens = installs.box ? createOAuthTokens({ database, box: installs.box, providers: installs.providers, logger }) : undefined;
  const credentialsFor = tokens ? installedCredentials(database, tokens) : undefined;
  const crm = setupCrm({ config, database, metrics, logger, oauthSources, credentialsFor });
  // ── [accounts] Which credential serves which CRM account (src/accounts/): the environment's
  // credentials register the account they prove to be; others come from the admin API or an install.
  const box = config.accounts.key ? createSecretBox(config.accounts.key, config.accounts.previousKeys) : undefined;
  const bindings = createAccountBindings({ config, database, crm, limiter: crm.limiter, box, credentialsFor, metrics, logger });
  starters.unshift(() => bindings.registerEnvironment());
  const catchup = createCatchup({ database, crm, registry: bindings, logger, metrics, cron: config.crmCatchupCron, timezone: config.cbs.timezone });
  logger.info({ writesTo: crm.configured(), dryRun: config.dryRun, rolloutPercent: config.rolloutPercent }, 'CRM write-back');
  starters.push(async () => catchup.start());
  // Registered before [jobs]: stoppers run in reverse, so workers finish before the CRM clients close.
  stoppers.push(async () => {
    await catchup.stop();
    await bindings.close();
    await crm.close();
  });
  // ── [jobs] Durable queue and workers (started after the server listens).
  const intake = createIntakeGauge();
  const pool = createWorkerPool({
    database,
    processor: createPipeline({ database, config, logger, enrichment, crm, accounts: bindings, metrics }),
    concurrency: config.workerConcurrency,
    batchSize: config.jobs.batchSize,
    leaseMs: config.jobs.leaseMs,
    pollMs: config.jobs.pollMs,
    backoff: config.jobs.retry,
    logger,
    metrics,
    intake,
  });
  let stopRetention = () => {};
  starters.push(async () => {
    pool.start();
    stopRetention = startRetention({ db: database.db, logger });
  });
  // Stoppers run in reverse: the pool finishes or releases its jobs before the CRM clients close.
  stoppers.push(async () => {
    stopRetention();
    await pool.stop();
  });
  // ── [backfill] Listing existing records into background jobs (after the pool: stopped before it).
  const backfills = createBackfills({ database, crm, registry: bindings, logger, metrics, rateShare: config.background.rateShare, pollMs: config.jobs.pollMs, wake: pool.wake });
  starters.push(async () => backfills.startListing());
  stoppers.push(() => backfills.stop());
  const cardRefresh = createCardRefresh({
    database,
    enrichment,
    logger,
    metrics,
    cron: config.cardRefresh.cron,
    timezone: config.cbs.timezone,
    budget: config.cardRefresh.budget,
    wake: pool.wake,
  });
  // A CBS refresh that swapped in a table (a new period) runs the card refresh at once, within its budget.
  const stopRefreshed = cbs.onRefreshed(() => void cardRefresh.trigger('cbs_refresh'));
  starters.push(async () => cardRefresh.start());
  stoppers.push(async () => stopRefreshed());
  stoppers.push(() => cardRefresh.stop());
  // ── [ops] Metrics collectors and anything the admin surface needs.
  registerOpsCollectors(metrics, database.db, config.cbs.tables, logger);
  registerBackfillCollector(metrics, database.db, logger);

  // ── [http] What the handlers get: built once, complete, never changed afterwards.
  const deps: AppDeps = {
    config,
    database,
    logger,
    metrics,
    readiness: [
      {
        name: 'database',
        check: async () => {
          await database.db.execute(sql`select 1`);
          return { ok: true };
        },
      },
      { name: 'cbs', check: () => data.readiness(() => cbs.readiness(), phase === 'starting') },
      { name: 'crm_setup', check: () => setupReadiness(database.db) },
    ],
    ops: { ...OPS_DEFAULTS, ...inject.ops },
    jobs: { wake: pool.wake },
    backfills,
    intake,
    enrichment,
    crm,
    accounts: { bindings, box },
    cbs,
  };

  let stopped = false;
  /** 'starting' from start() until the workers run: readiness says enrichment waits. */
  let phase: 'idle' | 'starting' | 'running' = 'idle';
  return {
    deps,
    loadData: data.load,
    async start() {
      phase = 'starting';
      for (const s of starters) {
        if (stopped) return;
        await s();
      }
      phase = 'running';
      logger.info('enrichment running: CBS data loaded, enricher built, workers started');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const s of stoppers.reverse()) {
        try {
          await s();
        } catch (err) {
          logger.error({ err }, 'error while stopping');
        }
      }
      if (ownDatabase) await database.close();
    },
  };
}

/**
 * The one-time load of the bundled CBS snapshot, and what readiness says meanwhile and while
 * start() goes on to build the enricher: still ready (webhooks are recorded), with a warning
 * that enrichment waits; not ready when the load failed.
 */
function createDataLoad(bootstrap: () => Promise<unknown>, logger: Logger) {
  let loading: Promise<void> | undefined;
  let state: 'idle' | 'loading' | 'loaded' | 'failed' = 'idle';
  function load(): Promise<void> {
    if (!loading) {
      state = 'loading';
      const started = performance.now();
      loading = bootstrap().then(
        () => {
          state = 'loaded';
          logger.info({ ms: Math.round(performance.now() - started) }, 'CBS data loaded');
        },
        (err) => {
          state = 'failed';
          // The next call tries again (a restart is not needed to recover from a passing fault).
          loading = undefined;
          logger.error({ err }, 'loading the bundled CBS snapshot failed');
          throw err;
        },
      );
    }
    return loading;
  }
  return {
    load,
    async readiness(loaded: () => Promise<{ ok: boolean; warning?: boolean; detail?: string }>, starting: boolean) {
      if (state === 'loaded' && starting) {
        const served = await loaded();
        if (!served.ok) return served;
        return { ok: true, warning: true, detail: 'building the enricher: webhooks are taken and recorded, enrichment starts once it is built' };
      }
      if (state === 'loaded') return loaded();
      if (state === 'failed') return { ok: false, detail: 'loading the bundled CBS snapshot failed (see the log); nothing is enriched' };
      return { ok: true, warning: true, detail: 'loading CBS data: webhooks are taken and recorded, enrichment starts once it is loaded' };
    },
  };
}
