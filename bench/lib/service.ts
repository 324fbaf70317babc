import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPostgresDatabase, dropPostgresDatabase } from '../../test/helpers/db.js';
import { type SpawnedService, spawnService } from '../../test/helpers/spawn-service.js';

/**
 * The service as production runs it (`node --import tsx src/index.ts`, the
 * intake colleague's spawn helper), on a fresh database of either flavour:
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
  return { env: { PGLITE_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startBenchService(flavour: Flavour, env: Record<string, string>): Promise<BenchService> {
  const db = await freshDatabaseEnv(flavour);
  let service: SpawnedService;
  try {
    service = await spawnService({ ...db.env, ...env }, { readyTimeoutMs: 90_000 });
  } catch (err) {
    await db.drop();
    throw err;
  }
  return {
    ...service,
    flavour,
    databaseUrl: db.url,
    async dispose() {
      await service.stop();
      await db.drop();
    },
  };
}
