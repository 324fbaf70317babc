import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

/**
 * A freshly initialised embedded database folder, packed once at build time (`npm ci` or
 * `npm run build`, through scripts/start.mjs) so that the first start unpacks it instead of
 * running PostgreSQL's initdb inside PGlite, which is most of a first start's time (bench:
 * "PGlite on an empty folder" against "on an existing folder"). It holds the empty cluster
 * only, no table of ours: the migrations run on it at start as on any database, so a base
 * built before a new migration is still right. Its name carries the PGlite version that made
 * it; another version's base is not used (initdb runs as before).
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The installed PGlite's version (its package.json; the package does not export it). */
export function pgliteVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** dist/pglite-base-<version>.tar.gz at the repository root, whether we run from src/ or dist/. */
export function defaultPgliteBaseFile(): string {
  return path.join(ROOT, 'dist', `pglite-base-${pgliteVersion()}.tar.gz`);
}

/** Whether a folder already holds a database (PostgreSQL writes PG_VERSION first thing). */
export function holdsDatabase(dataDir: string): boolean {
  return existsSync(path.join(dataDir, 'PG_VERSION'));
}

/** The base to unpack into an empty folder, when one was built for this PGlite (none when anything is missing). */
export function readPgliteBase(file?: string): Blob | undefined {
  try {
    return new Blob([readFileSync(file ?? defaultPgliteBaseFile())]);
  } catch {
    return undefined;
  }
}

/** Runs initdb in memory and writes the packed folder (atomically: a half-written file is never read). */
export async function writePgliteBase(file = defaultPgliteBaseFile()): Promise<string> {
  const db = new PGlite();
  try {
    await db.waitReady;
    const packed = await db.dumpDataDir('gzip');
    mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await packed.arrayBuffer()));
    renameSync(partial, file);
    return file;
  } finally {
    await db.close();
  }
}
