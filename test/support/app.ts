import { Writable } from 'node:stream';
import { createApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type Database, openDatabase } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import type { AppDeps, AppRouter } from '../../src/http/context.js';
import { type Logger, createLogger } from '../../src/logger.js';
import { type Runtime, type RuntimeInjections, buildRuntime } from '../../src/runtime.js';

/** A config as a test wants it: defaults plus overrides, never the real process environment. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ DATABASE_URL: 'memory://', LOG_LEVEL: 'silent', ...env });
}

/** Collects log lines in memory so tests can assert on them (e.g. that no secret is printed). */
export function memoryLogger(level = 'info') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, stream, logger: (secrets: string[] = []) => createLogger({ level, destination: stream, secrets }) };
}

export interface TestService {
  app: AppRouter;
  deps: AppDeps;
  runtime: Runtime;
}

/**
 * The app as production wires it (src/runtime.ts), on a test database the test
 * owns: the CBS data is loaded, background work is not started, and `runtime.stop()` leaves the
 * database open (drop it in afterAll). Costs a bundled-snapshot load the first
 * time on a database, so build it once per file or describe, not per request.
 */
export async function createTestService(
  database: Database,
  config: Config = testConfig(),
  options: { logger?: Logger } & Omit<RuntimeInjections, 'database'> = {},
): Promise<TestService> {
  const { logger, ...inject } = options;
  const runtime = await buildRuntime(config, logger ?? createLogger({ level: 'silent' }), { ...inject, database });
  // What start() does first, without the workers: the bundled snapshot in the database.
  await runtime.loadData();
  return { app: createApp(runtime.deps), deps: runtime.deps, runtime };
}

/** A test service on its own in-memory PGlite, for checks that need no particular data (error shapes, the document). */
export async function createMemoryService(config: Config = testConfig(), options: { logger?: Logger } = {}): Promise<TestService & { close(): Promise<void> }> {
  const database = await openDatabase({ url: 'memory://' });
  await runMigrations(database);
  const service = await createTestService(database, config, options);
  return {
    ...service,
    async close() {
      await service.runtime.stop();
      await database.close();
    },
  };
}

/**
 * Runtimes on one test database, one per distinct environment, each built on
 * first use (the first costs the snapshot load, the next a few ms) and stopped
 * together in afterAll. For tests that need the app under several configs.
 */
export function servicesOn(database: () => Database, options: { logger?: Logger } & Omit<RuntimeInjections, 'database'> = {}) {
  const built = new Map<string, Promise<TestService>>();
  return {
    get(env: Record<string, string> = {}): Promise<TestService> {
      const key = JSON.stringify(Object.entries(env).sort());
      let service = built.get(key);
      if (!service) {
        service = createTestService(database(), testConfig(env), options);
        built.set(key, service);
      }
      return service;
    },
    async stop(): Promise<void> {
      for (const service of built.values()) await (await service).runtime.stop();
      built.clear();
    },
  };
}

export { createApp };

/** Reads a response body once and returns it with a readable string for assertion messages. */
export async function bodyOf(res: Response): Promise<{ json: any; text: string }> {
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { json, text: `${res.status} ${text}` };
}
