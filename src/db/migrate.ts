import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { Database } from './client.js';

/** drizzle/ at the repository root, whether we run from src/ (tsx) or dist/ (node). */
export const MIGRATIONS_FOLDER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

// Several instances may start at once on one PostgreSQL: one applies, the others wait.
const MIGRATION_LOCK = 727_411_001;

/** Applies every pending migration in drizzle/. Safe to run from several processes at once. */
export async function runMigrations(database: Database, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(database.db as never, { migrationsFolder });
    return;
  }
  await database.withSession(async (run) => {
    await run(sql`select pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      await migratePostgres(database.db as never, { migrationsFolder });
    } finally {
      await run(sql`select pg_advisory_unlock(${MIGRATION_LOCK})`);
    }
  });
}
