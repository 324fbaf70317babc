import { withAdvisoryLock } from '../db/advisory-lock.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import { persistTable } from './persist.js';
import { currentPointers } from './repository.js';
import { SNAPSHOT_DIR, loadBundledSnapshot, readSnapshotManifest } from './snapshot.js';

/**
 * Offline first start: every configured table that has no current version
 * yet but is in the bundled snapshot gets the snapshot swapped in as version
 * source 'snapshot', so a fresh install enriches before it ever reaches CBS.
 */

export async function bootstrapSnapshot(
  database: Database,
  logger: Logger,
  tables: string[],
  snapshotDir = SNAPSHOT_DIR,
): Promise<string[]> {
  const bundled = await bundledTableIds(snapshotDir);
  const candidates = tables.filter((t) => bundled.has(t));
  if (candidates.length === 0) return [];
  // Held while bootstrapping so two instances starting together load the snapshot once.
  return withAdvisoryLock(database, 'cbsBootstrap', async () => {
    const current = await currentPointers(database.db, candidates);
    const missing = candidates.filter((t) => !current.has(t));
    if (missing.length === 0) return [];
    const loaded: string[] = [];
    for (const data of await loadBundledSnapshot(missing, snapshotDir)) {
      const { versionId } = await persistTable(database.db, data, 'snapshot');
      logger.info(
        { tableId: data.tableId, versionId, rows: data.rows.length, modified: data.info.modified, source: 'snapshot' },
        'CBS table loaded from the bundled snapshot',
      );
      loaded.push(data.tableId);
    }
    return loaded;
  });
}

/** Table ids in the bundled snapshot (empty when the snapshot is missing). */
export async function bundledTableIds(snapshotDir = SNAPSHOT_DIR): Promise<Set<string>> {
  try {
    return new Set((await readSnapshotManifest(snapshotDir)).tables.map((t) => t.tableId));
  } catch {
    return new Set();
  }
}
