import path from 'node:path';
import { buildTable, CBS_FIXTURES_DIR } from '../../scripts/build-snapshot.js';
import type { CbsTableData, CbsTableVersion } from '../../src/cbs/model.js';

/**
 * The real 83583NED table, built straight from the statline-bq fixture in
 * test/fixtures/cbs/ (tests read it; the runtime never does), through the same mapping the
 * snapshot builder and the live loader use.
 */

export { CBS_FIXTURES_DIR };

let cached: Promise<CbsTableData> | undefined;

export function load83583NED(): Promise<CbsTableData> {
  cached ??= buildTable(path.join(CBS_FIXTURES_DIR, 'statline-bq/83583NED'), '83583NED');
  return cached;
}

export function asVersion(data: CbsTableData, versionId = 1, source: CbsTableVersion['source'] = 'snapshot'): CbsTableVersion {
  return { versionId, tableId: data.tableId, source, loadedAt: '2026-01-01T00:00:00.000Z', data };
}
