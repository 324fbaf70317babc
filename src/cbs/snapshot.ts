import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { CbsTableData } from './model.js';
import { parseTableData } from './validate.js';

/**
 * The bundled offline copy of the CBS tables (data/cbs-snapshot/, built by
 * `npm run cbs:snapshot` from the real fixtures). It lets a fresh install
 * enrich leads before it has ever reached opendata.cbs.nl.
 */

/** data/cbs-snapshot/ at the repo root: two levels up from src/cbs/ and from dist/cbs/. */
export const SNAPSHOT_DIR = fileURLToPath(new URL('../../data/cbs-snapshot/', import.meta.url));

export const snapshotManifestSchema = z.object({
  builtAt: z.string(),
  licence: z.string(),
  tables: z.array(
    z.object({
      tableId: z.string(),
      file: z.string(),
      source: z.string(),
      fixtureRepo: z.string(),
      fixtureCommit: z.string(),
      modified: z.string().nullable(),
      rowCount: z.number(),
      /** What the bundled copy covers when it is an excerpt of the table (the card says so). */
      covers: z.string().optional(),
    }),
  ),
  /** Default tables the snapshot has no copy of, and why: their figures wait for the first refresh. */
  absent: z.array(z.object({ tableId: z.string(), reason: z.string() })).default([]),
});
export type SnapshotManifest = z.infer<typeof snapshotManifestSchema>;

export async function readSnapshotManifest(dir = SNAPSHOT_DIR): Promise<SnapshotManifest> {
  const text = await readFile(path.join(dir, 'manifest.json'), 'utf8');
  return snapshotManifestSchema.parse(JSON.parse(text));
}

/** What the manifest says beyond the files: a table it has no copy of (why), or what an excerpt covers. */
export interface SnapshotNote {
  absent?: string;
  covers?: string;
}

const notes = new Map<string, Map<string, SnapshotNote>>();

/** Table id (upper case) → its snapshot note; read once per folder, empty without a manifest. */
export function snapshotNotes(dir = SNAPSHOT_DIR): Map<string, SnapshotNote> {
  let known = notes.get(dir);
  if (!known) {
    known = new Map();
    try {
      const manifest = snapshotManifestSchema.parse(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')));
      for (const a of manifest.absent) known.set(a.tableId.toUpperCase(), { absent: a.reason });
      for (const t of manifest.tables) if (t.covers) known.set(t.tableId.toUpperCase(), { covers: t.covers });
    } catch {
      // No snapshot (or an unreadable one): nothing is known; a missing table's figure says 'no_table'.
    }
    notes.set(dir, known);
  }
  return known;
}

/** The bundled tables (all, or those of `tableIds` the snapshot has), validated. */
export async function loadBundledSnapshot(tableIds?: string[], dir = SNAPSHOT_DIR): Promise<CbsTableData[]> {
  const manifest = await readSnapshotManifest(dir);
  const wanted = tableIds ? new Set(tableIds.map((t) => t.toUpperCase())) : undefined;
  const out: CbsTableData[] = [];
  for (const entry of manifest.tables) {
    if (wanted && !wanted.has(entry.tableId.toUpperCase())) continue;
    const file = path.join(dir, entry.file);
    const data = parseTableData(JSON.parse(await readFile(file, 'utf8')), file);
    out.push(data);
  }
  return out;
}
