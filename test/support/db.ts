import postgres from 'postgres';
import { type Database, openDatabase } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';

/**
 * Database tests run against both flavours: in-memory PGlite and PostgreSQL.
 * TEST_DATABASE_URL names the PostgreSQL server (default: the local one); set it
 * to `none` to run only PGlite. Every test file gets a database of its own, so
 * runs and parallel files never collide.
 */
export const TEST_POSTGRES_URL =
  process.env.TEST_DATABASE_URL === 'none'
    ? undefined
    : (process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');

export type Flavour = 'pglite' | 'postgres';

export const flavours: Flavour[] = TEST_POSTGRES_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase extends Database {
  /** A URL another process can open (postgres only; PGlite in memory cannot be shared). */
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of the given flavour. Call `drop()` in afterAll. */
export async function createTestDatabase(flavour: Flavour, options: { poolSize?: number } = {}): Promise<TestDatabase> {
  if (flavour === 'pglite') {
    const database = await openDatabase({ url: 'memory://' });
    await runMigrations(database);
    return { ...database, url: 'memory://', drop: () => database.close() };
  }
  const url = await createPostgresDatabase();
  const database = await openDatabase({ url, poolSize: options.poolSize ?? 5 });
  await runMigrations(database);
  return {
    ...database,
    url,
    drop: async () => {
      await database.close();
      await dropPostgresDatabase(url);
    },
  };
}

/** Creates an empty PostgreSQL database with a unique name and returns its URL. */
export async function createPostgresDatabase(): Promise<string> {
  if (!TEST_POSTGRES_URL) throw new Error('TEST_DATABASE_URL is none: no PostgreSQL for this test');
  const name = `verrijk_t_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropPostgresDatabase(url: string): Promise<void> {
  if (!TEST_POSTGRES_URL) return;
  const name = new URL(url).pathname.slice(1);
  const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
}
