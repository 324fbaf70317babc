import type {
  CbsCategoryGroup,
  CbsCell,
  CbsDataProperty,
  CbsDimensionRow,
  CbsTableInfo,
} from './model.js';

/**
 * Turns raw OData v3 entity rows (as CBS sends them, or as the statline-bq
 * fixture stores them) into the shared model. The bundled snapshot builder and
 * the live loader both go through here, so a 'snapshot' and an 'odata' version
 * of one table have exactly the same shape.
 */

type Raw = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
};

/** `Cbs.OData.TimeDimension` → `TimeDimension`; statline-bq renamed `odata.type` to `odata_type`. */
export function dataPropertyType(row: Raw): string {
  const raw = str(row['odata.type']) ?? str(row.odata_type) ?? str(row.Type) ?? '';
  return raw.replace(/^Cbs\.OData\./, '');
}

export function mapDataProperty(row: Raw): CbsDataProperty {
  return {
    id: num(row.ID) ?? 0,
    position: num(row.Position),
    parentId: num(row.ParentID),
    type: dataPropertyType(row),
    key: str(row.Key) ?? '',
    title: str(row.Title) ?? '',
    description: str(row.Description),
    unit: str(row.Unit),
    decimals: num(row.Decimals),
    datatype: str(row.Datatype),
  };
}

export function mapDimensionRow(row: Raw): CbsDimensionRow {
  const key = str(row.Key) ?? '';
  const out: CbsDimensionRow = {
    key,
    keyTrimmed: key.trim(),
    title: str(row.Title) ?? '',
    description: str(row.Description),
    categoryGroupId: num(row.CategoryGroupID),
  };
  if ('Status' in row) out.status = str(row.Status);
  return out;
}

export function mapCategoryGroup(row: Raw): CbsCategoryGroup {
  return {
    id: num(row.ID) ?? 0,
    dimensionKey: str(row.DimensionKey) ?? '',
    title: str(row.Title) ?? '',
    description: str(row.Description),
    parentId: num(row.ParentID),
  };
}

/** A TableInfos row or an ODataCatalog/Tables record (same field names). */
export function mapTableInfo(row: Raw, fallbackId: string): CbsTableInfo {
  return {
    identifier: str(row.Identifier) ?? fallbackId,
    title: str(row.Title) ?? '',
    shortTitle: str(row.ShortTitle),
    summary: str(row.Summary),
    modified: str(row.Modified),
    metaDataModified: str(row.MetaDataModified),
    updated: str(row.Updated),
    reasonDelivery: str(row.ReasonDelivery),
    frequency: str(row.Frequency),
    period: str(row.Period),
    recordCount: num(row.RecordCount),
  };
}

/** Keeps only the cells a row of the data set can hold (drops `odata.*` annotations). */
export function mapDataRow(row: Raw): Record<string, CbsCell> {
  const out: Record<string, CbsCell> = {};
  for (const [k, v] of Object.entries(row)) {
    if (k.startsWith('odata.') || k.startsWith('@')) continue;
    out[k] = typeof v === 'number' || typeof v === 'string' ? v : null;
  }
  return out;
}

/** The dimension keys of a table, in DataProperties order (Dimension, TimeDimension, GeoDimension). */
export function dimensionKeys(properties: CbsDataProperty[]): string[] {
  return properties.filter((p) => /Dimension$/.test(p.type)).map((p) => p.key);
}
