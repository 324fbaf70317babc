/**
 * The in-memory shape of one loaded CBS StatLine table (OData v3), shared by the
 * loader (src/cbs), the bundled snapshot (data/cbs-snapshot/*.json holds exactly
 * this shape) and the enrichment engine (src/enrich).
 */

/** A row of a dimension entity set (`/BedrijfstakkenBranchesSBI2008`, `/Bedrijfsgrootte`, `/Perioden`). */
export interface CbsDimensionRow {
  /** As CBS sends it, space-padded (`'395000 '`): what `$filter` needs. */
  key: string;
  /** Trimmed, for joins and display. */
  keyTrimmed: string;
  title: string;
  description: string | null;
  categoryGroupId: number | null;
  /** Perioden only: 'Definitief' | 'Voorlopig' | 'NaderVoorlopig'. */
  status?: string | null;
}

export interface CbsCategoryGroup {
  id: number;
  dimensionKey: string;
  title: string;
  description: string | null;
  parentId: number | null;
}

/** A row of DataProperties: dimensions, topic groups and topics (measures). */
export interface CbsDataProperty {
  id: number;
  position: number | null;
  parentId: number | null;
  /** `Dimension` | `TimeDimension` | `GeoDimension` | `GeoDetail` | `TopicGroup` | `Topic` (the `odata.type` without `Cbs.OData.`). */
  type: string;
  key: string;
  title: string;
  description: string | null;
  unit?: string | null;
  decimals?: number | null;
  datatype?: string | null;
}

/** TableInfos / catalog record: what the table is and when CBS last changed it. */
export interface CbsTableInfo {
  identifier: string;
  title: string;
  shortTitle?: string | null;
  summary?: string | null;
  /** ISO timestamps as CBS gives them. `modified` drives change detection. */
  modified: string | null;
  metaDataModified?: string | null;
  updated?: string | null;
  reasonDelivery?: string | null;
  frequency?: string | null;
  period?: string | null;
  recordCount?: number | null;
}

export type CbsCell = string | number | null;

export interface CbsTableData {
  tableId: string;
  info: CbsTableInfo;
  dataProperties: CbsDataProperty[];
  categoryGroups: CbsCategoryGroup[];
  /** Dimension key (as in DataProperties, e.g. `Bedrijfsgrootte`) → its rows. */
  dimensions: Record<string, CbsDimensionRow[]>;
  /** TypedDataSet rows: `ID`, one raw (padded) key per dimension, one value per topic (null = empty or suppressed). */
  rows: Record<string, CbsCell>[];
}

/** A stored, complete version of a table as readers see it. */
export interface CbsTableVersion {
  versionId: number;
  tableId: string;
  /** 'snapshot' = bundled offline copy; 'odata' = fetched from CBS. */
  source: 'snapshot' | 'odata';
  loadedAt: string;
  data: CbsTableData;
}

/** Where every CBS figure comes from, as printed on a lead card. */
export const CBS_SOURCE_LINE = 'Bron: CBS StatLine (CC BY 4.0)';
