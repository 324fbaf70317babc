import { sql } from 'drizzle-orm';
import type { AppDeps } from './app.js';
import { createCbsStore } from './cbs/store.js';
import type { Config } from './config.js';
import { openDatabase } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { registerOpsCollectors } from './ops/collectors.js';
import { setupReadiness } from './ops/crm-setup.js';
import { setupCrm } from './crm/setup.js';
import { createCatchup } from './jobs/catchup.js';
import { createPipeline } from './jobs/pipeline.js';
import { startRetention } from './jobs/retention.js';
import { createIntakeGauge } from './jobs/intake-gauge.js';
import { createWorkerPool } from './jobs/worker.js';
import { enrichmentServiceFor } from './enrich/service.js';

/**
 * The composition root: builds every long-lived dependency once, in order, and
 * knows how to stop them in reverse. src/index.ts serves what this returns;
 * tests that need a whole service spawn src/index.ts as a child process.
 */
export interface Runtime {
  deps: AppDeps;
  /** Starts background work (workers, schedulers) after the server listens. */
  start(): Promise<void>;
  /** Stops background work, then closes the database. Idempotent. */
  stop(): Promise<void>;
}

export async function buildRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir, preparedStatements: config.databasePreparedStatements, poolSize: config.databasePoolSize });
  await runMigrations(database);
  logger.info({ database: database.label }, 'database ready');
  if (database.notice) logger.warn({ database: database.label }, database.notice);

  const metrics = createMetrics({ defaultMetrics: true });
  const starters: Array<() => Promise<void>> = [];
  const stoppers: Array<() => Promise<void>> = [];

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
    ],
  };

  // ── [cbs] CBS store: bootstrap the bundled snapshot into an empty database, schedule refreshes.
  const cbs = createCbsStore({ database, logger, metrics, config });
  // Before the server listens: a fresh install serves the bundled snapshot from its first request.
  await cbs.bootstrapSnapshot();
  deps.cbs = cbs;
  deps.readiness.push({ name: 'cbs', check: () => cbs.readiness() });
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
  });
  deps.enrichment = enrichment;
  // Build the enricher before the workers start: its indexes take a moment, and a
  // first batch that builds it would block the event loop while holding a lease.
  starters.push(async () => {
    await enrichment.enricher();
  });
  // ── [crm] CRM adapters, shared rate limiter, write-back pipeline, catch-up sweep.
  const { crm, rateLimiter } = setupCrm({ config, database, metrics, logger });
  const catchup = createCatchup({ database, crm, logger, cron: config.crmCatchupCron, timezone: config.cbs.timezone });
  deps.crm = crm;
  deps.rateLimiter = rateLimiter;
  deps.readiness.push({ name: 'crm_setup', check: () => setupReadiness(database.db) });
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
  deps.jobs = { wake: pool.wake };
  deps.intake = intake;
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
      await database.close();
    },
  };
}
