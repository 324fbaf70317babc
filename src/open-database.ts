import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { type Database, openDatabase } from './db/client.js';

/**
 * Opens the database the config names, as the service does. Its own small module so that the process
 * entry (src/index.ts) can start opening while the rest of the service's modules load: PGlite compiles
 * its WebAssembly off the main thread meanwhile.
 */
export function openConfiguredDatabase(config: Config, logger: Logger): Promise<Database> {
  return openDatabase({
    url: config.databaseUrl,
    pgliteDir: config.pgliteDir,
    preparedStatements: config.databasePreparedStatements,
    poolSize: config.databasePoolSize,
    onLockTakeover: (why) => logger.warn({ why }, 'embedded database: took over the lock of a process that is gone'),
  });
}
