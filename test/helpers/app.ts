import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { type AppDeps, createApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';

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

export function baseDeps(database: Database, config: Config = testConfig()): AppDeps {
  return {
    config,
    database,
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
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
