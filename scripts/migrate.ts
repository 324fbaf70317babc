/** `npm run db:migrate`: applies pending migrations in drizzle/ to DATABASE_URL (or the embedded PGlite). */
import { loadConfig, ConfigError } from '../src/config.js';
import { withEnvFile } from '../src/env-file.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';

try {
  const config = loadConfig(withEnvFile(process.env));
  const database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir, poolSize: 2 });
  await runMigrations(database);
  console.log(`migrations applied to ${database.label}`);
  await database.close();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `migration failed: ${(err as Error).message}`);
  process.exit(1);
}
