import type { CbsTableData } from '../../../src/cbs/model.js';

/**
 * The OData v3 entity sets of a table that exists only as the model (81589NED
 * and 81575NED come from StatLine CSV exports: no real v3 recording of them
 * exists), in the shapes opendata.cbs.nl answers with: TableInfos and the
 * catalog record, DataProperties with `odata.type`, CategoryGroups, one set
 * per dimension and the TypedDataSet. For the v3 fake (cbs-server.ts).
 */
export function v3SetsFromModel(data: CbsTableData, modified: string): { catalog: Record<string, unknown>; sets: Map<string, Record<string, unknown>[]> } {
  const info = { Identifier: data.tableId, Title: data.info.title, ShortTitle: data.info.shortTitle ?? null, Modified: modified, Updated: modified, RecordCount: data.rows.length };
  const sets = new Map<string, Record<string, unknown>[]>();
  sets.set('TableInfos', [{ ID: 1, ...info }]);
  sets.set(
    'DataProperties',
    data.dataProperties.map((p) => ({
      'odata.type': `Cbs.OData.${p.type}`,
      ID: p.id,
      Position: p.position,
      ParentID: p.parentId,
      Type: p.type,
      Key: p.key,
      Title: p.title,
      Description: p.description,
      ...(p.type === 'Topic' ? { Unit: p.unit ?? null, Decimals: p.decimals ?? null, Datatype: p.datatype ?? null } : {}),
    })),
  );
  sets.set(
    'CategoryGroups',
    data.categoryGroups.map((g) => ({ ID: g.id, DimensionKey: g.dimensionKey, Title: g.title, Description: g.description, ParentID: g.parentId })),
  );
  for (const [key, rows] of Object.entries(data.dimensions)) {
    sets.set(
      key,
      rows.map((r) => ({ Key: r.key, Title: r.title, Description: r.description, CategoryGroupID: r.categoryGroupId, ...(r.status !== undefined ? { Status: r.status } : {}) })),
    );
  }
  sets.set('TypedDataSet', data.rows.map((r) => ({ ...r })));
  return { catalog: { ...info }, sets };
}
