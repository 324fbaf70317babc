/**
 * Process entry: config → dependencies → serve → graceful shutdown. Nothing else.
 */
import type { Server } from 'node:http';
import { type Config, ConfigError, configSecrets, loadConfig } from './config.js';
import { openConfiguredDatabase } from './open-database.js';
import { EnvFileError, withEnvFile } from './env-file.js';
import { createLogger } from './logger.js';

let config: Config;
try {
  // `.env` in the working directory, if there is one; the process environment wins.
  config = loadConfig(withEnvFile(process.env));
} catch (err) {
  if (err instanceof ConfigError || err instanceof EnvFileError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

const logger = createLogger({ level: config.logLevel, secrets: configSecrets(config), pretty: process.stdout.isTTY });

async function main(cfg: Config) {
  // The database opens while the service's modules load (PGlite compiles its WebAssembly off the main
  // thread meanwhile); buildRuntime then migrates and owns it. A failed open is awaited there, not lost.
  const opening = openConfiguredDatabase(cfg, logger);
  opening.catch(() => undefined);
  const [{ serve }, { createApp }, { buildRuntime }] = await Promise.all([import('@hono/node-server'), import('./app.js'), import('./runtime.js')]);
  // From process start to here: node's own start and loading our modules.
  const modulesLoadedMs = Math.round(performance.now());
  const runtime = await buildRuntime(cfg, logger, { opening });
  const app = createApp(runtime.deps);

  const server = serve({ fetch: app.fetch, port: cfg.port, hostname: cfg.host }, (info) => {
    // Milliseconds since the process started: modules loaded, and now (docs/performance.md has the rest of the split).
    logger.info({ port: info.port, publicUrl: cfg.publicUrl, sinceProcessStartMs: { modulesLoaded: modulesLoadedMs, listening: Math.round(performance.now()) } }, 'listening');
  }) as unknown as Server;
  // Explicit timeouts: a slow client cannot hold a socket forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: intake closed, finishing in-flight work');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 20_000);
    force.unref();
    // Stop taking requests first, then let workers finish or release their jobs.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections?.();
    await runtime.stop();
    await closed;
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  // Webhooks are taken from here on; enrichment starts once the CBS data is loaded (src/runtime.ts).
  try {
    await runtime.start();
  } catch (err) {
    if (stopping) return; // stopped while starting: the database closed under the load
    throw err;
  }
}

main(config).catch((err) => {
  logger.fatal({ err }, `startup failed: ${(err as Error).message}`);
  process.exit(1);
});
