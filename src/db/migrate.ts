import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { withAdvisoryLock } from './advisory-lock.js';
import type { Database } from './client.js';

/** drizzle/ at the repository root, whether we run from src/ (tsx) or dist/ (node). */
export const MIGRATIONS_FOLDER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/**
 * Applies every pending migration in drizzle/. Safe to run from several processes at once:
 * one applies, the others wait for the lock and then find nothing pending.
 */
export async function runMigrations(database: Database, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  if (database.kind === 'pglite') {
    // One process owns an embedded database: there is nobody to wait for.
    await migratePglite(database.db as never, { migrationsFolder });
    return;
  }
  await withAdvisoryLock(database, 'migration', () => migratePostgres(database.db as never, { migrationsFolder }));
}
