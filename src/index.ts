/**
 * Process entry: config → dependencies → serve → graceful shutdown. Nothing else.
 */
import { serve } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { createApp } from './app.js';
import { type Config, ConfigError, configSecrets, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import { createLogger } from './logger.js';

let config: Config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

const logger = createLogger({ level: config.logLevel, secrets: configSecrets(config), pretty: process.stdout.isTTY });

async function main(cfg: Config) {
  const database = await openDatabase({ url: cfg.databaseUrl, pgliteDir: cfg.pgliteDir });
  await runMigrations(database);
  logger.info({ database: database.label }, 'database ready');

  const app = createApp({
    config: cfg,
    database,
    logger,
    readiness: [
      {
        name: 'database',
        check: async () => {
          await database.db.execute(sql`select 1`);
          return { ok: true };
        },
      },
    ],
  });

  const server = serve({ fetch: app.fetch, port: cfg.port, hostname: cfg.host }, (info) => {
    logger.info({ port: info.port, publicUrl: cfg.publicUrl }, 'listening');
  });
  // Explicit timeouts: a slow client cannot hold a socket forever.
  const http = server as unknown as import('node:http').Server;
  http.requestTimeout = 30_000;
  http.headersTimeout = 10_000;
  http.keepAliveTimeout = 5_000;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await database.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main(config).catch((err) => {
  logger.fatal({ err }, `startup failed: ${(err as Error).message}`);
  process.exit(1);
});
