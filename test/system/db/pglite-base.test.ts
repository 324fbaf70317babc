import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/client.js';
import { runMigrations } from '../../../src/db/migrate.js';
import { syncCursors } from '../../../src/db/schema.js';
import { holdsDatabase, writePgliteBase } from '../../../src/db/pglite-base.js';

/**
 * The migrated empty database a first start on the embedded database copies instead of running
 * initdb and the migrations (src/db/pglite-base.ts): a folder started from it already has our
 * tables, is a working database that takes the migrations (none pending) and keeps its data
 * across a reopen, and a folder that already holds a database is opened as it is, never
 * overwritten by the base.
 */
describe('embedded database from the migrated base', () => {
  let dir: string;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'verrijk-pglite-base-'));
    base = await writePgliteBase(path.join(dir, 'base'));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts an empty folder from it, migrates it, and keeps what was written across a reopen', async () => {
    expect(existsSync(base)).toBe(true);
    const folder = path.join(dir, 'db');
    const first = await openDatabase({ url: undefined, pgliteDir: folder, pgliteBase: base });
    try {
      expect(holdsDatabase(folder)).toBe(true);
      // Our tables are there before any migration runs at start: the base was migrated when it was made.
      const before = await first.db.select({ cursor: syncCursors.cursor }).from(syncCursors);
      expect(before).toEqual([]);
      await runMigrations(first);
      await first.db.insert(syncCursors).values({ key: 'base-test', cursor: 'kept' });
    } finally {
      await first.close();
    }
    // The same base offered again: unpacked over the folder, it would lose the row.
    const again = await openDatabase({ url: undefined, pgliteDir: folder, pgliteBase: base });
    try {
      const rows = await again.db.select({ cursor: syncCursors.cursor }).from(syncCursors).where(eq(syncCursors.key, 'base-test'));
      expect(rows).toEqual([{ cursor: 'kept' }]);
    } finally {
      await again.close();
    }
  }, 120_000);
});
