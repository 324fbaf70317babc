import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A freshly initialised and migrated embedded database folder, made once at build time (`npm ci`
 * or `npm run build`, through scripts/start.mjs), that a first start copies into its empty
 * folder and then opens like any existing database. Without it a first start runs PostgreSQL's
 * initdb inside PGlite and then every migration, most of a first start's time (bench: "PGlite
 * on an empty folder" against "on an existing folder"; docs/performance.md).
 *
 * It is a plain folder, not an archive: copying ~28 MB of files costs a fraction of what
 * PGlite's own `loadDataDir` costs to unpack the same cluster from a tarball through its
 * emulated file system. It holds our tables as the migrations of drizzle/ left them when it was
 * made, no rows: the migrations still run at start as on any database and apply whatever came
 * after the base was made, so an old base is never wrong, only slower. Its name carries the
 * PGlite version that made it; another version's base is not used (initdb runs as before).
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The file PostgreSQL writes first into a data folder, and that the copy writes last. */
const PG_VERSION = 'PG_VERSION';

/** The installed PGlite's version (its package.json; the package does not export it). */
export function pgliteVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** dist/pglite-base-<version>/ at the repository root, whether we run from src/ or dist/. */
export function defaultPgliteBase(): string {
  return path.join(ROOT, 'dist', `pglite-base-${pgliteVersion()}`);
}

/** Whether a folder already holds a database (PostgreSQL writes PG_VERSION first thing). */
export function holdsDatabase(dataDir: string): boolean {
  return existsSync(path.join(dataDir, PG_VERSION));
}

/** The base to start an empty folder from, when one was made for this PGlite (undefined when there is none). */
export function findPgliteBase(base?: string): string | undefined {
  const dir = base ?? defaultPgliteBase();
  try {
    return statSync(dir).isDirectory() && holdsDatabase(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Copies the base into an empty data folder. PG_VERSION goes last: a copy cut short leaves a
 * folder that does not hold a database, so the next start copies again over it.
 */
export function copyPgliteBase(base: string, dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  for (const name of readdirSync(base)) {
    if (name === PG_VERSION) continue;
    cpSync(path.join(base, name), path.join(dataDir, name), { recursive: true, force: true });
  }
  cpSync(path.join(base, PG_VERSION), path.join(dataDir, PG_VERSION));
}

/**
 * Runs initdb and the migrations of drizzle/ in a new folder and moves it into place at `dir`
 * (atomically: a half-made base is never used).
 */
export async function writePgliteBase(dir = defaultPgliteBase()): Promise<string> {
  // Imported here: client.ts imports this file for the copy.
  const { openDatabase } = await import('./client.js');
  const { runMigrations } = await import('./migrate.js');
  const partial = `${dir}.${process.pid}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  const database = await openDatabase({ url: `file://${partial}`, pgliteBase: false });
  try {
    await runMigrations(database);
  } finally {
    await database.close();
  }
  // The closed database's pid file names this process: nothing to hand to every first start.
  rmSync(path.join(partial, 'postmaster.pid'), { force: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}
