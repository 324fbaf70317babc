import { readFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { CbsTableData } from '../../../src/cbs/model.js';
import { v3SetsFromModel } from './cbs-v3-derived.js';

/**
 * A fake CBS StatLine (OData v3) on loopback, serving the real fixtures the way
 * opendata.cbs.nl does: `{"odata.metadata", "value"}` envelopes, the catalog
 * with `$filter=Identifier eq '…'`, and ODataFeed paging with an absolute
 * `odata.nextLink` carrying `$skip`. It can be told to reset connections, answer
 * 500, send garbage, be slow, or report a new `Modified`.
 *
 * Tables: 83583NED (statline-bq, full), 80137ned (CBSOData3.jl raw responses,
 * full) and 83599NED (the real two-page UntypedDataSet feed only).
 */

import { CBS_FIXTURES_DIR as CBS_FIXTURES } from '../cbs-fixtures.js';

export { CBS_FIXTURES };

/**
 * garbage = not JSON; malformed = JSON of the wrong shape (rows without their fields);
 * unavailable503 / throttled429 = that status, with the rule's Retry-After when it has one.
 */
export type FailureKind =
  | 'error500'
  | 'unavailable503'
  | 'throttled429'
  | 'resetBeforeHeaders'
  | 'resetAfterHeaders'
  | 'resetMidBody'
  | 'garbage'
  | 'malformed';

export interface FakeRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  path: string;
  api: 'catalog' | 'ODataApi' | 'ODataFeed' | 'other';
  tableId?: string;
  entitySet?: string;
  skip?: number;
  /** 1-based feed page (from $skip and the page size). */
  page?: number;
}

export interface FakeCbsOptions {
  pageSize?: number;
  fixturesDir?: string;
  /** Tables served from the model (no real v3 recording exists), with the Modified date to report. */
  derived?: Array<{ data: CbsTableData; modified: string }>;
}

interface FakeTable {
  id: string;
  catalog: Record<string, unknown>;
  sets: Map<string, Record<string, unknown>[]>;
  /** Real recorded feed pages by $skip (83599NED). */
  pages?: Map<number, Record<string, unknown>>;
}

type Rule = { kind: FailureKind; left: number; match?: (r: FakeRequest) => boolean; retryAfter?: () => string };

export interface FakeCbs {
  url: string;
  requests: FakeRequest[];
  count(match: (r: FakeRequest) => boolean): number;
  setModified(tableId: string, iso: string): void;
  /** Serves `data` as the table from now on (a new release: new periods, rows and Modified). */
  setTable(data: CbsTableData, modified: string): void;
  /**
   * The next `n` requests (that match) fail with `kind`. `retryAfter` is the
   * Retry-After header of a 503/429, computed as it is sent (an HTTP-date
   * relative to the moment of the answer).
   */
  failNext(n: number, kind: FailureKind, match?: (r: FakeRequest) => boolean, retryAfter?: () => string): void;
  setPageSize(n: number): void;
  /** Adds a delay before every answer (to let a test read while a load runs). */
  setDelay(ms: number): void;
  /** Forgets requests, pending failures, delay and page size. */
  reset(): void;
  /** Drops every open connection and stops listening. */
  close(): Promise<void>;
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

function loadTables(dir: string): Map<string, FakeTable> {
  const tables = new Map<string, FakeTable>();
  const catalog20 = readJson(path.join(dir, 'cbsodata3jl/ODataCatalog_Tables_20rows.json')).value as Record<string, unknown>[];
  const fromCatalog = (id: string) => ({ ...catalog20.find((r) => String(r.Identifier).toUpperCase() === id.toUpperCase())! });

  const bq = path.join(dir, 'statline-bq/83583NED');
  const value = (name: string) => readJson(path.join(bq, `${name}.value.json`)) as Record<string, unknown>[];
  const meta = readJson(path.join(bq, 'cbs.v3.83583NED_Metadata.json')) as Record<string, unknown>;
  // statline-bq renamed odata.type to odata_type; CBS sends odata.type.
  const props = value('DataProperties').map(({ odata_type, ...rest }) => ({ 'odata.type': odata_type, ...rest }));
  tables.set('83583NED', {
    id: '83583NED',
    catalog: { ...meta },
    sets: new Map([
      ['TableInfos', [{ ...meta }]],
      ['DataProperties', props],
      ['CategoryGroups', value('CategoryGroups')],
      ['BedrijfstakkenBranchesSBI2008', value('BedrijfstakkenBranchesSBI2008')],
      ['Bedrijfsgrootte', value('Bedrijfsgrootte')],
      ['Perioden', value('Perioden')],
      ['TypedDataSet', value('TypedDataSet')],
    ]),
  });

  const raw = (name: string) => readJson(path.join(dir, 'cbsodata3jl', `80137ned_${name}.json`)).value as Record<string, unknown>[];
  tables.set('80137NED', {
    id: '80137ned',
    catalog: fromCatalog('80137ned'),
    sets: new Map([
      ['TableInfos', raw('TableInfos')],
      ['DataProperties', raw('DataProperties')],
      ['CategoryGroups', raw('CategoryGroups_empty')],
      ['Persoonskenmerken', raw('Persoonskenmerken')],
      ['BedrijfstakkenSBI93', raw('BedrijfstakkenSBI93')],
      ['Perioden', raw('Perioden')],
      ['TypedDataSet', raw('TypedDataSet')],
    ]),
  });

  tables.set('83599NED', {
    id: '83599NED',
    catalog: fromCatalog('83599NED'),
    sets: new Map(),
    pages: new Map([
      [0, readJson(path.join(dir, 'cbsodata3jl/83599NED_ODataFeed_UntypedDataSet_page1.json'))],
      [10000, readJson(path.join(dir, 'cbsodata3jl/83599NED_ODataFeed_UntypedDataSet_page2_skip10000.json'))],
    ]),
  });
  return tables;
}

export async function startFakeCbs(options: FakeCbsOptions = {}): Promise<FakeCbs> {
  const tables = loadTables(options.fixturesDir ?? CBS_FIXTURES);
  for (const d of options.derived ?? []) tables.set(d.data.tableId.toUpperCase(), { id: d.data.tableId, ...v3SetsFromModel(d.data, d.modified) });
  let pageSize = options.pageSize ?? 10_000;
  let delayMs = 0;
  const rules: Rule[] = [];
  const requests: FakeRequest[] = [];
  let base = '';

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const info = describe(req.method ?? 'GET', req.url ?? '/', url);
    requests.push(info);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));

    const rule = rules.find((r) => r.left > 0 && (!r.match || r.match(info)));
    if (rule) {
      rule.left--;
      if (fail(rule, res)) return;
    }
    const answer = route(info, url);
    send(res, answer.status, answer.body, rule?.kind === 'resetMidBody');
  }

  function describe(method: string, rawUrl: string, url: URL): FakeRequest {
    const segments = url.pathname.split('/').filter(Boolean);
    const info: FakeRequest = { method, url: rawUrl, path: url.pathname, api: 'other' };
    if (segments[0]?.toLowerCase() === 'odatacatalog') info.api = 'catalog';
    const api = segments[0]?.toLowerCase();
    if ((api === 'odataapi' || api === 'odatafeed') && segments[1]?.toLowerCase() === 'odata') {
      info.api = api === 'odataapi' ? 'ODataApi' : 'ODataFeed';
      info.tableId = segments[2];
      info.entitySet = segments[3];
      const skip = url.searchParams.get('$skip');
      info.skip = skip ? Number(skip) : 0;
      info.page = Math.floor(info.skip / pageSize) + 1;
    }
    return info;
  }

  /** Returns true when the failure already answered (or killed) the request. */
  function fail(rule: Rule, res: ServerResponse): boolean {
    switch (rule.kind) {
      case 'error500':
        send(res, 500, 'Internal Server Error');
        return true;
      case 'unavailable503':
      case 'throttled429':
        send(res, rule.kind === 'throttled429' ? 429 : 503, 'Try again later', false, rule.retryAfter ? { 'retry-after': rule.retryAfter() } : {});
        return true;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"odata.metadata":"x","value":[{"ID":0,"Key":');
        return true;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ 'odata.metadata': `${base}/x`, value: [{ ID: 'zero', Perioden: { nested: true } }] }));
        return true;
      case 'resetBeforeHeaders':
        res.socket?.destroy();
        return true;
      case 'resetAfterHeaders':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
        res.flushHeaders();
        setImmediate(() => res.socket?.destroy());
        return true;
      case 'resetMidBody':
        return false; // answered by send() with half a body
    }
  }

  function send(res: ServerResponse, status: number, body: unknown, cutMidBody = false, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const bytes = Buffer.from(text);
    res.writeHead(status, {
      ...headers,
      'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json;odata=minimalmetadata;streaming=true;IEEE754Compatible=false;charset=utf-8',
      'content-length': String(bytes.length),
    });
    if (!cutMidBody) {
      res.end(bytes);
      return;
    }
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => setImmediate(() => res.socket?.destroy()));
  }

  function envelope(info: FakeRequest, set: string, value: unknown[], nextLink?: string) {
    const svc = info.api === 'ODataFeed' ? 'ODataFeed' : 'ODataApi';
    return {
      'odata.metadata': `${base}/${svc}/OData/${info.tableId}/$metadata#Cbs.OData.WebAPI.${set}`,
      value,
      ...(nextLink ? { 'odata.nextLink': nextLink } : {}),
    };
  }

  function route(info: FakeRequest, url: URL): { status: number; body: unknown } {
    if (info.api === 'catalog') {
      if (!/^\/ODataCatalog\/Tables\/?$/i.test(url.pathname)) return { status: 404, body: 'Not Found' };
      const filter = url.searchParams.get('$filter') ?? '';
      const m = /^Identifier eq '([^']+)'$/.exec(filter.trim());
      const rows = m ? [...tables.values()].filter((t) => t.id.toUpperCase() === m[1].toUpperCase()).map((t) => t.catalog) : [...tables.values()].map((t) => t.catalog);
      return { status: 200, body: { 'odata.metadata': `${base}/ODataCatalog/$metadata#Tables`, value: rows } };
    }
    if (info.api === 'other' || !info.tableId) return { status: 404, body: 'Not Found' };
    const table = tables.get(info.tableId.toUpperCase());
    if (!table) return { status: 404, body: 'Not Found' };
    const svc = info.api;
    if (!info.entitySet) {
      const names = table.pages ? ['UntypedDataSet'] : [...table.sets.keys()];
      return {
        status: 200,
        body: { 'odata.metadata': `${base}/${svc}/OData/${table.id}/$metadata`, value: names.map((name) => ({ name, url: `${base}/${svc}/odata/${table.id}/${name}` })) },
      };
    }
    if (table.pages && info.entitySet === 'UntypedDataSet') {
      const page = table.pages.get(info.skip ?? 0);
      if (!page) return { status: 404, body: 'Not Found' };
      const next = page['odata.nextLink'];
      // The recorded nextLink points at opendata.cbs.nl; point it at us, otherwise verbatim.
      return { status: 200, body: typeof next === 'string' ? { ...page, 'odata.nextLink': next.replace('https://opendata.cbs.nl', base) } : page };
    }
    const rows = table.sets.get(info.entitySet);
    if (!rows) return { status: 404, body: 'Not Found' };
    if (svc === 'ODataApi') {
      if (rows.length > 10_000) return { status: 500, body: 'query returns more than 10000 records' };
      return { status: 200, body: envelope(info, info.entitySet, rows) };
    }
    const skip = info.skip ?? 0;
    const slice = rows.slice(skip, skip + pageSize);
    let next: string | undefined;
    if (skip + pageSize < rows.length) {
      // CBS repeats the original query and adds $skip.
      const params = new URLSearchParams(url.search);
      params.delete('$skip');
      const query = [...params.entries()].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
      next = `${base}/ODataFeed/OData/${table.id}/${info.entitySet}?${query}${query ? '&' : ''}$skip=${skip + pageSize}`;
    }
    return { status: 200, body: envelope(info, info.entitySet, slice, next) };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    requests,
    count: (match) => requests.filter(match).length,
    setTable(data, modified) {
      tables.set(data.tableId.toUpperCase(), { id: data.tableId, ...v3SetsFromModel(data, modified) });
    },
    setModified(tableId, iso) {
      const table = tables.get(tableId.toUpperCase());
      if (!table) throw new Error(`fake CBS has no table ${tableId}`);
      table.catalog.Modified = iso;
      for (const info of table.sets.get('TableInfos') ?? []) info.Modified = iso;
    },
    failNext(n, kind, match, retryAfter) {
      rules.push({ kind, left: n, match, retryAfter });
    },
    setPageSize(n) {
      pageSize = n;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    reset() {
      requests.length = 0;
      rules.length = 0;
      delayMs = 0;
      pageSize = options.pageSize ?? 10_000;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
