import type { z } from 'zod';
import type { HttpTimeouts } from '../outbound/agent.js';
import {
  type GetJsonOptions,
  type RetryPolicy,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUTS,
  createCbsAgent,
  getJson,
} from './http.js';
import { type CatalogRow, type V3Envelope, catalogRowSchema, v3EnvelopeSchema } from './odata-schemas.js';
import { createPageGuard, type PagingLimits } from './paging.js';

/**
 * The CBS StatLine OData v3 client: the catalog (change detection), ODataApi
 * (metadata and dimension sets) and ODataFeed (the bulk data set, paged by
 * `odata.nextLink`). Requests carry table ids and entity-set names only; no
 * lead data ever goes to CBS.
 */

export interface CbsClientOptions extends PagingLimits {
  baseUrl: string;
  retry?: RetryPolicy;
  timeouts?: HttpTimeouts;
  /** Max parallel connections to CBS. */
  connections?: number;
  onRetry?: GetJsonOptions['onRetry'];
  sleep?: GetJsonOptions['sleep'];
  random?: GetJsonOptions['random'];
  maxBytes?: GetJsonOptions['maxBytes'];
  requestDeadlineMs?: GetJsonOptions['requestDeadlineMs'];
  /** Ends every request of this client (the refresh run's deadline). */
  signal?: AbortSignal;
}

export interface FeedPage {
  tableId: string;
  entitySet: string;
  /** 1-based page number. */
  page: number;
  url: string;
  rows: number;
  totalRows: number;
}

/** A body CBS sent that does not have the shape it should: the load fails as a whole. */
export class CbsInvalidResponseError extends Error {
  constructor(
    readonly tableId: string,
    readonly url: string,
    detail: string,
  ) {
    super(`CBS table ${tableId}: GET ${url} returned an unexpected body: ${detail}`);
    this.name = 'CbsInvalidResponseError';
  }
}

export type CbsClient = ReturnType<typeof createCbsClient>;

export function createCbsClient(options: CbsClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const agent = createCbsAgent(options.timeouts ?? DEFAULT_TIMEOUTS, options.connections ?? 4);
  const retry = options.retry ?? DEFAULT_RETRY;

  const get = (tableId: string, url: string) => getJson(url, { ...requestOptions(options), agent, retry, tableId });

  async function envelope(tableId: string, url: string): Promise<V3Envelope> {
    const body = await get(tableId, url);
    const parsed = v3EnvelopeSchema.safeParse(body);
    if (!parsed.success) throw new CbsInvalidResponseError(tableId, url, firstIssue(parsed.error));
    return parsed.data;
  }

  /** Follows `odata.nextLink` exactly as CBS gives it: re-adding our own parameters breaks large downloads. */
  async function collect<S extends z.ZodType>(
    tableId: string,
    entitySet: string,
    firstUrl: string,
    schema: S,
    onPage?: (page: FeedPage) => void,
  ): Promise<z.infer<S>[]> {
    const rows: z.infer<S>[] = [];
    const guard = createPageGuard(base, 'odata.nextLink', options);
    let url: string | undefined = firstUrl;
    for (let page = 1; url; page++) {
      const body: V3Envelope = await envelope(tableId, url);
      // Validated page by page: one malformed page fails the load before more is fetched.
      for (const row of validateRows(tableId, url, body.value, schema)) rows.push(row);
      onPage?.({ tableId, entitySet, page, url, rows: body.value.length, totalRows: rows.length });
      const next: string | undefined = body['odata.nextLink'];
      const problem = guard.problem(url, page, rows.length, next);
      if (problem) throw new CbsInvalidResponseError(tableId, url, problem);
      url = next;
    }
    return rows;
  }

  const seg = (s: string) => encodeURIComponent(s);

  return {
    baseUrl: base,

    /** The ODataCatalog/Tables record of one table, or undefined when the catalog does not list it. */
    async catalogRecord(tableId: string): Promise<CatalogRow | undefined> {
      const filter = encodeURIComponent(`Identifier eq '${tableId}'`);
      const url = `${base}/ODataCatalog/Tables?$format=json&$filter=${filter}`;
      const body = await envelope(tableId, url);
      const rows = validateRows(tableId, url, body.value, catalogRowSchema);
      return rows.find((r) => r.Identifier.toUpperCase() === tableId.toUpperCase());
    },

    /** A small entity set from ODataApi (TableInfos, DataProperties, CategoryGroups, a dimension). */
    async apiSet<S extends z.ZodType>(tableId: string, entitySet: string, schema: S, onPage?: (page: FeedPage) => void): Promise<z.infer<S>[]> {
      const url = `${base}/ODataApi/odata/${seg(tableId)}/${seg(entitySet)}?$format=json`;
      return collect(tableId, entitySet, url, schema, onPage);
    },

    /** A bulk entity set from ODataFeed (TypedDataSet), page by page. Each page is retried on its own. */
    async feedSet<S extends z.ZodType>(tableId: string, entitySet: string, schema: S, onPage?: (page: FeedPage) => void): Promise<z.infer<S>[]> {
      const url = `${base}/ODataFeed/odata/${seg(tableId)}/${seg(entitySet)}?$format=json`;
      return collect(tableId, entitySet, url, schema, onPage);
    },

    async close(): Promise<void> {
      await agent.close();
    },
  };
}

/** What every request of a client shares: retry hooks, answer size, deadlines. */
export function requestOptions(options: CbsClientOptions) {
  const { onRetry, sleep, random, maxBytes, requestDeadlineMs, signal } = options;
  return { onRetry, sleep, random, maxBytes, requestDeadlineMs, signal };
}

/** Validates every row; the first bad row fails the whole response. */
export function validateRows<S extends z.ZodType>(tableId: string, url: string, rows: unknown[], schema: S): z.infer<S>[] {
  const out: z.infer<S>[] = [];
  for (let i = 0; i < rows.length; i++) {
    const parsed = schema.safeParse(rows[i]);
    if (!parsed.success) throw new CbsInvalidResponseError(tableId, url, `row ${i}: ${firstIssue(parsed.error)}`);
    out.push(parsed.data);
  }
  return out;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'invalid';
}
