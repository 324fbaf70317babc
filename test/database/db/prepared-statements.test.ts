import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase, queryRows, withTransaction } from '../../../src/db/client.js';
import { runMigrations } from '../../../src/db/migrate.js';
import { jobs } from '../../../src/db/schema.js';
import { createPostgresDatabase, dropPostgresDatabase, TEST_POSTGRES_URL } from '../../support/db.js';

/**
 * drizzle sends every query through postgres.js `unsafe()`, which does not
 * prepare; src/db/client.ts wraps the client so it does. pg_prepared_statements
 * lists the statements of the current session, so each database here has one
 * connection and the view shows exactly what our queries left behind.
 */
describe.skipIf(!TEST_POSTGRES_URL)('prepared statements on PostgreSQL', () => {
  let url: string;
  const opened: Database[] = [];
  beforeAll(async () => {
    url = await createPostgresDatabase();
    const migrator = await openDatabase({ url, poolSize: 2 });
    await runMigrations(migrator);
    await migrator.close();
  });
  afterAll(async () => {
    for (const d of opened) await d.close();
    if (url) await dropPostgresDatabase(url);
  });

  const open = async (preparedStatements?: boolean) => {
    const d = await openDatabase({ url, poolSize: 1, preparedStatements });
    opened.push(d);
    return d;
  };
  const ourStatements = async (d: Database) =>
    (await queryRows<{ statement: string }>(d.db, sql`select statement from pg_prepared_statements where statement like '%"jobs"%'`)).map((r) => r.statement);

  it('prepares drizzle queries by default, inside transactions too, and reuses them', async () => {
    const d = await open();
    for (let i = 0; i < 3; i++) await d.db.select().from(jobs).where(eq(jobs.id, i));
    expect(await ourStatements(d)).toHaveLength(1);
    await withTransaction(d.db, async (tx) => {
      await tx.select().from(jobs).where(eq(jobs.status, 'queued'));
    });
    expect(await ourStatements(d)).toHaveLength(2);
  });

  it('prepares nothing when DATABASE_PREPARED_STATEMENTS is false (PgBouncer in transaction mode)', async () => {
    const d = await open(false);
    for (let i = 0; i < 3; i++) await d.db.select().from(jobs).where(eq(jobs.id, i));
    await withTransaction(d.db, async (tx) => {
      await tx.select().from(jobs).where(eq(jobs.status, 'queued'));
    });
    expect(await ourStatements(d)).toEqual([]);
  });
});
