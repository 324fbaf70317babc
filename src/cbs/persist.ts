import type { Queryable } from '../db/client.js';
import type { CbsTableData } from './model.js';
import { type VersionSource, createVersion, markFailed, pruneVersions, storeParts, swapIn } from './repository.js';

/**
 * Writes a complete table as a new version and swaps it in. Used by the
 * refresh (source 'odata') and by the first-start bootstrap (source
 * 'snapshot'). When anything fails the version is marked failed and the
 * current pointer is left where it was.
 */
export async function persistTable(
  db: Queryable,
  data: CbsTableData,
  source: VersionSource,
  existingVersionId?: number,
): Promise<{ versionId: number; pruned: number }> {
  const versionId = existingVersionId ?? (await createVersion(db, data.tableId, source, data.info));
  try {
    await storeParts(db, versionId, data);
    await swapIn(db, data.tableId, versionId, data.rows.length);
  } catch (err) {
    await markFailed(db, versionId, err instanceof Error ? err.message : String(err)).catch(() => undefined);
    throw err;
  }
  // Pruning is housekeeping: a failure here must not turn a good load into a failed one.
  const pruned = await pruneVersions(db, data.tableId).catch(() => 0);
  return { versionId, pruned };
}
