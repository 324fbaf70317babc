import type { CbsClient, FeedPage } from './client.js';
import { CbsInvalidResponseError } from './client.js';
import { mapCategoryGroup, mapDataProperty, mapDataRow, mapDimensionRow, mapTableInfo, dimensionKeys } from './map.js';
import type { CbsTableData } from './model.js';
import type { CatalogRow } from './odata-schemas.js';
import {
  categoryGroupRowSchema,
  dataPropertyRowSchema,
  dataRowSchema,
  dimensionRowSchema,
  tableInfoRowSchema,
} from './odata-schemas.js';
import { parseTableData } from './validate.js';

/**
 * Loads one whole CBS table into the shared model. Generic over dimensions and
 * topics: the dimension entity sets are whatever DataProperties calls a
 * dimension, so 83583NED (SBI × size × period, one topic) and 81589NED (SBI ×
 * period, size classes as topic columns) load the same way.
 */

export type LoadProgress =
  | { tableId: string; phase: 'metadata'; entitySet: string; rows: number }
  | ({ phase: 'page' } & FeedPage);

export interface LoadOptions {
  /** The catalog record when the caller already has it (refresh asks the catalog first). */
  catalog?: CatalogRow;
  onProgress?: (p: LoadProgress) => void;
}

export async function loadTable(client: CbsClient, tableId: string, options: LoadOptions = {}): Promise<CbsTableData> {
  const progress = options.onProgress;
  const meta = async <T>(entitySet: string, fetch: () => Promise<T[]>): Promise<T[]> => {
    const rows = await fetch();
    progress?.({ tableId, phase: 'metadata', entitySet, rows: rows.length });
    return rows;
  };

  const [infoRows, propertyRows, groupRows] = await Promise.all([
    meta('TableInfos', () => client.apiSet(tableId, 'TableInfos', tableInfoRowSchema)),
    meta('DataProperties', () => client.apiSet(tableId, 'DataProperties', dataPropertyRowSchema)),
    meta('CategoryGroups', () => client.apiSet(tableId, 'CategoryGroups', categoryGroupRowSchema)),
  ]);
  if (infoRows.length !== 1) {
    throw new CbsInvalidResponseError(tableId, `${client.baseUrl}/ODataApi/odata/${tableId}/TableInfos`, `expected 1 TableInfos row, got ${infoRows.length}`);
  }
  const dataProperties = propertyRows.map(mapDataProperty);

  const dimensions: CbsTableData['dimensions'] = {};
  for (const key of dimensionKeys(dataProperties)) {
    const rows = await meta(key, () => client.apiSet(tableId, key, dimensionRowSchema));
    dimensions[key] = rows.map(mapDimensionRow);
  }

  const rows = await client.feedSet(tableId, 'TypedDataSet', dataRowSchema, (p) => progress?.({ phase: 'page', ...p }));

  // The catalog record carries Updated and RecordCount, which TableInfos lacks. It wins where both have a
  // field, because change detection compares the next catalog answer with what we stored.
  const info = mapTableInfo({ ...infoRows[0], ...(options.catalog ?? {}) }, tableId);

  const data: CbsTableData = {
    tableId,
    info,
    dataProperties,
    categoryGroups: groupRows.map(mapCategoryGroup),
    dimensions,
    rows: rows.map(mapDataRow),
  };
  checkComplete(data, client.baseUrl);
  return parseTableData(data, `CBS table ${tableId}`);
}

/** Refuses a table that is visibly incomplete: fewer rows than CBS says, or rows missing a dimension. */
function checkComplete(data: CbsTableData, baseUrl: string): void {
  const url = `${baseUrl}/ODataFeed/odata/${data.tableId}/TypedDataSet`;
  const expected = data.info.recordCount;
  if (expected != null && expected !== data.rows.length) {
    throw new CbsInvalidResponseError(data.tableId, url, `got ${data.rows.length} rows, CBS says RecordCount ${expected}`);
  }
  const keys = Object.keys(data.dimensions);
  for (const row of data.rows) {
    for (const key of keys) {
      if (typeof row[key] !== 'string') {
        throw new CbsInvalidResponseError(data.tableId, url, `row ID ${String(row.ID)} has no ${key} key`);
      }
    }
  }
}
