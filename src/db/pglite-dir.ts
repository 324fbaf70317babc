import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Where the embedded database lives when PGLITE_DIR is not set. Not under
 * `data/`: that folder holds the bundled reference data (SBI list, CBS
 * snapshot), is read-only at run time, and "delete it to reset" must never
 * take the bundled data with it.
 */
export const DEFAULT_PGLITE_DIR = './var/pglite';
/** The default before: an installation that already has its database there keeps it. */
export const LEGACY_PGLITE_DIR = './data/pglite';

export interface PgliteDirChoice {
  dir: string;
  /** One line for the log when an older default is still in use. */
  notice?: string;
}

/** PGLITE_DIR when set; else the default, unless only the old default holds a database (PGlite writes PG_VERSION there). */
export function choosePgliteDir(configured: string | undefined, exists: (p: string) => boolean = existsSync): PgliteDirChoice {
  if (configured) return { dir: configured };
  const holdsDatabase = (dir: string) => exists(path.join(dir, 'PG_VERSION'));
  if (holdsDatabase(LEGACY_PGLITE_DIR) && !holdsDatabase(DEFAULT_PGLITE_DIR)) {
    return {
      dir: LEGACY_PGLITE_DIR,
      notice: `embedded database found in ${LEGACY_PGLITE_DIR} (the old default): using it; move it to ${DEFAULT_PGLITE_DIR} or set PGLITE_DIR, data/ is for bundled data`,
    };
  }
  return { dir: DEFAULT_PGLITE_DIR };
}
