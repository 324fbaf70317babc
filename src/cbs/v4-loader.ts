import { CbsInvalidResponseError } from './client.js';
import type { LoadProgress } from './loader.js';
import type { CbsCell, CbsDataProperty, CbsTableData } from './model.js';
import { type CbsV4Client, type V4Properties, v4CodeSchema, v4DimensionSchema, v4GroupSchema, v4MeasureSchema, v4ObservationSchema } from './v4-client.js';
import { parseTableData } from './validate.js';

/**
 * Loads one whole table through OData v4 into the same model the v3 loader
 * fills, so the store, the snapshot and the engine do not care which API a table
 * came from. v4 is long ("one observation per measure × codes") and leaves empty
 * cells out; this pivots it back to one row per combination of dimension codes
 * with one column per measure (absent = null), as a v3 TypedDataSet has it.
 * Dimension `Kind` becomes the v3 type (`TimeDimension`, `GeoDimension`, …);
 * v4 codes are not space-padded, and are stored as they come.
 */

/** The model's table info from v4 Properties: what refresh records before the load and compares next time. */
export function v4TableInfo(properties: V4Properties, observations?: number): CbsTableData['info'] {
  return {
    identifier: properties.Identifier,
    title: properties.Title,
    shortTitle: properties.ShortTitle ?? null,
    modified: properties.Modified ?? null,
    // v4 has no `Updated`; ObservationsModified plays its part in change detection (refresh.ts).
    updated: properties.ObservationsModified ?? null,
    reasonDelivery: properties.VersionReason ?? null,
    frequency: properties.Frequency ?? null,
    ...(observations !== undefined ? { recordCount: observations } : {}),
  };
}

export async function loadTableV4(
  client: CbsV4Client,
  tableId: string,
  options: { properties?: V4Properties; onProgress?: (p: LoadProgress) => void } = {},
): Promise<CbsTableData> {
  const progress = options.onProgress;
  const meta = async <T>(entitySet: string, fetch: () => Promise<T[]>): Promise<T[]> => {
    const rows = await fetch();
    progress?.({ tableId, phase: 'metadata', entitySet, rows: rows.length });
    return rows;
  };
  const properties = options.properties ?? (await client.properties(tableId));
  const [dimensions, measures] = await Promise.all([
    meta('Dimensions', () => client.collection(tableId, 'Dimensions', v4DimensionSchema)),
    meta('MeasureCodes', () => client.collection(tableId, 'MeasureCodes', v4MeasureSchema)),
  ]);

  const dataProperties: CbsDataProperty[] = [];
  let id = 0;
  for (const d of dimensions) {
    id++;
    dataProperties.push({ id, position: id, parentId: null, type: d.Kind, key: d.Identifier, title: d.Title, description: d.Description ?? null });
  }
  for (const m of measures) {
    id++;
    dataProperties.push({
      id,
      position: id,
      parentId: null,
      type: 'Topic',
      key: m.Identifier,
      title: m.Title,
      description: null,
      unit: m.Unit ?? null,
      decimals: m.Decimals ?? null,
      datatype: m.DataType ?? null,
    });
  }

  const dims: CbsTableData['dimensions'] = {};
  const categoryGroups: CbsTableData['categoryGroups'] = [];
  for (const d of dimensions) {
    const [codes, groups] = await Promise.all([
      meta(`${d.Identifier}Codes`, () => client.collection(tableId, `${d.Identifier}Codes`, v4CodeSchema)),
      meta(`${d.Identifier}Groups`, () => client.collection(tableId, `${d.Identifier}Groups`, v4GroupSchema)),
    ]);
    dims[d.Identifier] = codes.map((c) => ({
      key: c.Identifier,
      keyTrimmed: c.Identifier.trim(),
      title: c.Title,
      description: c.Description ?? null,
      categoryGroupId: c.DimensionGroupId === null || c.DimensionGroupId === undefined || c.DimensionGroupId === '' ? null : Number(c.DimensionGroupId),
      ...(c.Status !== undefined ? { status: c.Status ?? null } : {}),
    }));
    for (const g of groups) {
      categoryGroups.push({ id: g.Id, dimensionKey: d.Identifier, title: g.Title, description: g.Description ?? null, parentId: g.ParentId ?? null });
    }
  }

  const observations = await client.collection(tableId, 'Observations', v4ObservationSchema, (p) => progress?.({ phase: 'page', ...p }));
  const url = `${client.baseUrl}/${client.catalog}/${tableId}/Observations`;
  const expected = properties.ObservationCount;
  if (expected !== null && expected !== undefined && expected !== observations.length) {
    throw new CbsInvalidResponseError(tableId, url, `got ${observations.length} observations, Properties says ObservationCount ${expected}`);
  }
  const measureKeys = new Set(measures.map((m) => m.Identifier));
  const dimKeys = dimensions.map((d) => d.Identifier);
  const byCodes = new Map<string, Record<string, CbsCell>>();
  for (const o of observations) {
    const codes: string[] = [];
    for (const k of dimKeys) {
      const v = (o as Record<string, unknown>)[k];
      if (typeof v !== 'string') throw new CbsInvalidResponseError(tableId, url, `observation ${String((o as Record<string, unknown>).Id)} has no ${k} code`);
      codes.push(v);
    }
    if (!measureKeys.has(o.Measure)) throw new CbsInvalidResponseError(tableId, url, `observation of unknown measure ${o.Measure}`);
    const rowKey = codes.join('\u0000');
    let row = byCodes.get(rowKey);
    if (!row) {
      row = { ID: byCodes.size };
      dimKeys.forEach((k, i) => (row![k] = codes[i]));
      for (const m of measureKeys) row[m] = null;
      byCodes.set(rowKey, row);
    }
    // A special ValueAttribute ("Impossible", "Confidential", …) carries no number.
    row[o.Measure] = o.ValueAttribute && o.ValueAttribute !== 'None' ? null : (o.Value ?? null);
  }

  const data: CbsTableData = {
    tableId,
    info: v4TableInfo(properties, byCodes.size),
    dataProperties,
    categoryGroups,
    dimensions: dims,
    rows: [...byCodes.values()],
  };
  return parseTableData(data, `CBS table ${tableId} (OData v4)`);
}
