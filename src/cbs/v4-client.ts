import { z } from 'zod';
import { CbsInvalidResponseError, type CbsClientOptions, type FeedPage, requestOptions, validateRows } from './client.js';
import { createCbsAgent, DEFAULT_RETRY, DEFAULT_TIMEOUTS, getJson } from './http.js';
import { createPageGuard } from './paging.js';

/**
 * The CBS OData v4 client (`odata4.cbs.nl`, now also `datasets.cbs.nl/odata/v1`):
 * `{base}/{catalog}/{table}/Properties` (a singleton), `Dimensions`,
 * `MeasureCodes`, `{Dim}Codes`, `{Dim}Groups` and `Observations` (long format:
 * one row per Measure × dimension codes), every collection paged by
 * `@odata.nextLink`, followed exactly as given. Same retry policy and timeouts as
 * the v3 client; requests carry table ids and entity-set names only.
 */

/** A v4 collection. `@odata.count` arrives as a number, or (in recorded responses) as a string. */
export const v4EnvelopeSchema = z.object({
  '@odata.context': z.string().optional(),
  '@odata.nextLink': z.string().optional(),
  '@odata.count': z.union([z.number(), z.string().regex(/^\d+$/)]).optional(),
  value: z.array(z.record(z.string(), z.unknown())),
});

const text = z.string();
const optText = z.string().nullable().optional();
/** Ids and counts that recorded responses give as strings ("0", "4409"). */
const numberish = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform(Number);

export const v4PropertiesSchema = z.looseObject({
  Identifier: text,
  Title: text,
  ShortTitle: optText,
  Modified: optText,
  ObservationsModified: optText,
  ObservationCount: numberish.nullable().optional(),
  Version: optText,
  VersionReason: optText,
  Status: optText,
  Frequency: optText,
  DatasetType: optText,
});
export type V4Properties = z.infer<typeof v4PropertiesSchema>;

export const v4DimensionSchema = z.looseObject({ Identifier: text, Title: text, Kind: text, Description: optText });
export const v4MeasureSchema = z.looseObject({
  Identifier: text,
  Title: text,
  Unit: optText,
  DataType: optText,
  Decimals: numberish.nullable().optional(),
  MeasureGroupId: z.union([z.string(), z.number()]).nullable().optional(),
});
export const v4CodeSchema = z.looseObject({
  Identifier: text,
  Title: text,
  Description: optText,
  DimensionGroupId: z.union([z.string(), z.number()]).nullable().optional(),
  Status: optText,
});
export const v4GroupSchema = z.looseObject({ Id: numberish, Title: text, Description: optText, ParentId: numberish.nullable().optional() });
export const v4ObservationSchema = z.looseObject({
  Measure: text,
  Value: z.number().nullable().optional(),
  ValueAttribute: optText,
});

export interface CbsV4ClientOptions extends Omit<CbsClientOptions, 'baseUrl'> {
  baseUrl: string;
  /** The catalog segment: `CBS` for CBS's own tables. */
  catalog?: string;
}

export type CbsV4Client = ReturnType<typeof createCbsV4Client>;

export function createCbsV4Client(options: CbsV4ClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const catalog = options.catalog ?? 'CBS';
  const agent = createCbsAgent(options.timeouts ?? DEFAULT_TIMEOUTS, options.connections ?? 4);
  const retry = options.retry ?? DEFAULT_RETRY;
  const get = (tableId: string, url: string) => getJson(url, { ...requestOptions(options), agent, retry, tableId });
  const tableUrl = (tableId: string) => `${base}/${encodeURIComponent(catalog)}/${encodeURIComponent(tableId)}`;

  /** Every page of a collection, following `@odata.nextLink` verbatim (same origin, no page twice, bounded: paging.ts). */
  async function collect<S extends z.ZodType>(tableId: string, entitySet: string, schema: S, onPage?: (p: FeedPage) => void): Promise<z.infer<S>[]> {
    const rows: z.infer<S>[] = [];
    const guard = createPageGuard(base, '@odata.nextLink', options);
    let url: string | undefined = `${tableUrl(tableId)}/${encodeURIComponent(entitySet)}`;
    for (let page = 1; url; page++) {
      const body = await get(tableId, url);
      const parsed = v4EnvelopeSchema.safeParse(body);
      if (!parsed.success) throw new CbsInvalidResponseError(tableId, url, parsed.error.issues[0]?.message ?? 'not a v4 collection');
      for (const row of validateRows(tableId, url, parsed.data.value, schema)) rows.push(row);
      onPage?.({ tableId, entitySet, page, url, rows: parsed.data.value.length, totalRows: rows.length });
      const next: string | undefined = parsed.data['@odata.nextLink'];
      const problem = guard.problem(url, page, rows.length, next);
      if (problem) throw new CbsInvalidResponseError(tableId, url, problem);
      url = next;
    }
    return rows;
  }

  return {
    baseUrl: base,
    catalog,

    /** The table's Properties singleton (Modified, ObservationCount, Version, Status). */
    async properties(tableId: string): Promise<V4Properties> {
      const url = `${tableUrl(tableId)}/Properties`;
      const parsed = v4PropertiesSchema.safeParse(await get(tableId, url));
      if (!parsed.success) throw new CbsInvalidResponseError(tableId, url, `${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    },

    /** A collection of the table (`Dimensions`, `MeasureCodes`, `PeriodenCodes`, `Observations`, …), all pages. */
    collection: collect,

    async close(): Promise<void> {
      await agent.close();
    },
  };
}
