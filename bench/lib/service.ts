import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPostgresDatabase, dropPostgresDatabase } from '../../test/support/db.js';
import { type SpawnedService, spawnService } from '../../test/support/spawn-service.js';

/**
 * The service as production runs it (compiled: `node scripts/start.mjs`, which
 * runs dist/ as the Dockerfile's `node dist/index.js` does), through the tests'
 * spawn helper, on a fresh database of either flavour:
 * PostgreSQL gets a new database, PGlite a new directory. `dispose` stops the
 * process and removes the database.
 */
export type Flavour = 'postgres' | 'pglite';

export interface BenchService extends SpawnedService {
  flavour: Flavour;
  /** The database URL (PostgreSQL) the service uses, for the harness to inspect. */
  databaseUrl?: string;
  dispose(): Promise<void>;
}

export async function freshDatabaseEnv(flavour: Flavour): Promise<{ env: Record<string, string>; url?: string; drop(): Promise<void> }> {
  if (flavour === 'postgres') {
    const url = await createPostgresDatabase();
    return { env: { DATABASE_URL: url }, url, drop: () => dropPostgresDatabase(url) };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'verrijk-bench-pglite-'));
  return { env: { PGLITE_DIR: dir }, drop: async () => {
      rmSync(dir, { recursive: true, force: true });
      // The embedded-database lock beside the folder, if a killed service left it (src/db/pglite-lock.ts).
      rmSync(`${dir}.lock`, { force: true });
    },
  };
}

/**
 * Starts the service on a fresh database of `flavour`, or on `shared` (another
 * bench service's database, left for that one to drop). Logs go to a file, as
 * a container's would, so the load generator spends no CPU reading them. The
 * catch-up sweep is off: it runs on the wall clock (every quarter hour), and
 * one that fell inside a section enriched the seeded companies before their
 * webhooks were sent, so the section measured nothing (a section may turn it on).
 */
export async function startBenchService(flavour: Flavour, env: Record<string, string>, shared?: BenchService): Promise<BenchService> {
  const db = shared?.databaseUrl
    ? { env: { DATABASE_URL: shared.databaseUrl }, url: shared.databaseUrl, drop: async () => {} }
    : await freshDatabaseEnv(flavour);
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'verrijk-bench-logs-'));
  let service: SpawnedService;
  try {
    service = await spawnService({ CRM_CATCHUP_CRON: 'off', ...db.env, ...env }, { readyTimeoutMs: 90_000, logFile: path.join(logDir, 'service.log'), compiled: true });
  } catch (err) {
    await db.drop();
    rmSync(logDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: service.url,
    port: service.port,
    pid: service.pid,
    get logs() {
      return service.logs;
    },
    stop: () => service.stop(),
    kill: () => service.kill(),
    flavour,
    databaseUrl: db.url,
    async dispose() {
      await service.stop();
      await db.drop();
      rmSync(logDir, { recursive: true, force: true });
    },
  };
}
