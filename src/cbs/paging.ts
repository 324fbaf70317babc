/**
 * The bounds of one paged collection (v3 `odata.nextLink`, v4 `@odata.nextLink`),
 * checked before the next page is fetched: the link stays on the configured
 * origin (scheme, host and port: an https base never follows a cleartext link),
 * never repeats a page already read (a self-pointing link would page for ever),
 * and the collection stays under a page and a row ceiling, so a broken or
 * hostile server cannot grow a load without end before the row count is checked.
 */

/** CBS pages at 10,000 rows; the largest configured table has a few hundred thousand. */
export const DEFAULT_MAX_PAGES = 2_000;
export const DEFAULT_MAX_ROWS = 5_000_000;

export interface PagingLimits {
  maxPages?: number;
  maxRows?: number;
}

export function createPageGuard(baseUrl: string, label: string, limits: PagingLimits = {}) {
  const origin = new URL(baseUrl).origin;
  const maxPages = limits.maxPages ?? DEFAULT_MAX_PAGES;
  const maxRows = limits.maxRows ?? DEFAULT_MAX_ROWS;
  const seen = new Set<string>();

  return {
    /**
     * Called after page `page` of `url` was read: why `next` must not be followed
     * (the caller fails the load with it), or undefined.
     */
    problem(url: string, page: number, totalRows: number, next: string | undefined): string | undefined {
      seen.add(url);
      if (totalRows > maxRows) return `more than ${maxRows} rows in one collection`;
      if (next === undefined) return undefined;
      let nextUrl: URL;
      try {
        nextUrl = new URL(next);
      } catch {
        return `${label} is not a URL: ${next.slice(0, 200)}`;
      }
      // A link pointing elsewhere would make us fetch from an origin nobody configured.
      if (nextUrl.origin !== origin) return `${label} leaves ${origin}: ${next.slice(0, 200)}`;
      if (seen.has(next)) return `${label} repeats a page already read: ${next.slice(0, 200)}`;
      if (page >= maxPages) return `more than ${maxPages} pages in one collection`;
      return undefined;
    },
  };
}
