import { sql } from 'drizzle-orm';
import type { CbsClientOptions } from './cbs/client.js';
import { createCbsStore } from './cbs/store.js';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/client.js';
import type { AppDeps } from './http/context.js';
import { runMigrations } from './db/migrate.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { registerOpsCollectors } from './ops/collectors.js';
import { OPS_DEFAULTS, type OpsHooks } from './ops/hooks.js';
import { setupReadiness } from './ops/crm-setup.js';
import { setupCrm } from './crm/setup.js';
import { createOAuthInstalls } from './accounts/oauth/install.js';
import { createOAuthTokens, installedCredentials } from './accounts/oauth/tokens.js';
import { createCatchup } from './jobs/catchup.js';
import { createPipeline } from './jobs/pipeline.js';
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
  /** Starts background work (workers, schedulers) after the server listens. */
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
}

export async function buildRuntime(config: Config, logger: Logger, inject: RuntimeInjections = {}): Promise<Runtime> {
  const ownDatabase = !inject.database;
  const database =
    inject.database ??
    (await openDatabase({
      url: config.databaseUrl,
      pgliteDir: config.pgliteDir,
      preparedStatements: config.databasePreparedStatements,
      poolSize: config.databasePoolSize,
      onLockTakeover: (why) => logger.warn({ why }, 'embedded database: took over the lock of a process that is gone'),
    }));
  if (ownDatabase) {
    await runMigrations(database);
    logger.info({ database: database.label }, 'database ready');
    if (database.notice) logger.warn({ database: database.label }, database.notice);
  }

  const metrics = createMetrics({ defaultMetrics: true });
  const starters: Array<() => Promise<void>> = [];
  const stoppers: Array<() => Promise<void>> = [];

  // ── [cbs] CBS store: bootstrap the bundled snapshot into an empty database, schedule refreshes.
  const cbs = createCbsStore({ database, logger, metrics, config, client: inject.cbsClient });
  // Before the server listens: a fresh install serves the bundled snapshot from its first request.
  await cbs.bootstrapSnapshot();
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
  const enrichment = enrichmentServiceFor(cbs, {
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
  const crm = setupCrm({ config, database, metrics, logger, oauthSources, credentialsFor: tokens ? installedCredentials(database, tokens) : undefined });
  const catchup = createCatchup({ database, crm, logger, metrics, cron: config.crmCatchupCron, timezone: config.cbs.timezone });
  logger.info({ writesTo: crm.configured(), dryRun: config.dryRun, rolloutPercent: config.rolloutPercent }, 'CRM write-back');
  starters.push(async () => catchup.start());
  // Registered before [jobs]: stoppers run in reverse, so workers finish before the CRM clients close.
  stoppers.push(async () => {
    await catchup.stop();
    await crm.close();
  });
  // ── [jobs] Durable queue and workers (started after the server listens).
  const intake = createIntakeGauge();
  const pool = createWorkerPool({
    database,
    processor: createPipeline({ database, config, logger, enrichment, crm }),
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
  // ── [ops] Metrics collectors and anything the admin surface needs.
  registerOpsCollectors(metrics, database.db, config.cbs.tables, logger);

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
      { name: 'cbs', check: () => cbs.readiness() },
      { name: 'crm_setup', check: () => setupReadiness(database.db) },
    ],
    ops: { ...OPS_DEFAULTS, ...inject.ops },
    jobs: { wake: pool.wake },
    intake,
    enrichment,
    crm,
    cbs,
  };

  let stopped = false;
  return {
    deps,
    async start() {
      for (const s of starters) await s();
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
