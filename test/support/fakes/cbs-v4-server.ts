import { readFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { REPO_FIXTURES_DIR } from '../cbs-fixtures.js';
import type { CbsTableData } from '../../../src/cbs/model.js';

/**
 * A fake CBS OData v4 (odata4.cbs.nl) on loopback, answering from the real
 * recorded v4 responses of 80072ned (test/fixtures/cbs/cbsodata4jl/): the
 * catalog service document and Datasets, a table's service document,
 * Properties (a singleton, not wrapped in `value`), Dimensions, MeasureCodes,
 * `{Dim}Codes`/`{Dim}Groups` and Observations. Collections are paged the v4
 * way, `@odata.nextLink` = the same URL with `$skip`; `$count=true` adds
 * `@odata.count`; `$top`/`$skip` are honoured.
 *
 * `derived` tables (e.g. 81589NED from the bundled snapshot, which has no real
 * v4 recording) are served in the same shapes from the model: one Observation
 * per non-empty cell (v4 leaves empty cells out), codes unpadded, Properties
 * with the table's title and the Modified date CBS's v4 catalog recorded.
 */

export type V4Failure = 'error500' | 'resetBeforeHeaders';

export interface FakeCbsV4Options {
  pageSize?: number;
  /** Tables served from the model (no recording exists), with the Modified date to report. */
  derived?: Array<{ data: CbsTableData; modified: string }>;
  /** Send `@odata.count` as a string ("4409"), as some recorded responses have it. */
  countAsString?: boolean;
  /** Point `@odata.nextLink` at another host (a misbehaving or spoofed server) instead of this one. */
  nextLinkBase?: string;
}

export interface FakeCbsV4Request {
  url: string;
  tableId?: string;
  entitySet?: string;
  skip: number;
}

export interface FakeCbsV4 {
  url: string;
  requests: FakeCbsV4Request[];
  setModified(tableId: string, iso: string): void;
  failNext(n: number, kind: V4Failure, match?: (r: FakeCbsV4Request) => boolean): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
interface V4Table {
  id: string;
  properties: Json;
  sets: Map<string, Json[]>;
}

const FIXTURES = path.join(REPO_FIXTURES_DIR, 'cbsodata4jl');
const readJson = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as Json;

function recorded80072ned(): V4Table {
  const value = (name: string) => readJson(`80072ned_${name}.json`).value as Json[];
  const { '@odata.context': _context, ...properties } = readJson('80072ned_Properties.json');
  return {
    id: '80072ned',
    properties,
    sets: new Map(
      ['Dimensions', 'MeasureCodes', 'PeriodenGroups', 'PeriodenCodes', 'BedrijfskenmerkenSBI2008Groups', 'BedrijfskenmerkenSBI2008Codes', 'Observations'].map(
        (n) => [n, value(n)],
      ),
    ),
  };
}

function derivedTable(data: CbsTableData, modified: string): V4Table {
  const dims = data.dataProperties.filter((p) => /Dimension$/.test(p.type));
  const topics = data.dataProperties.filter((p) => p.type === 'Topic');
  const sets = new Map<string, Json[]>();
  sets.set(
    'Dimensions',
    dims.map((d) => ({ Identifier: d.key, Title: d.title, Description: d.description, Kind: d.type, MapYear: null, ReleasePolicy: null })),
  );
  sets.set(
    'MeasureCodes',
    topics.map((t, i) => ({ Identifier: t.key, Index: i + 1, Title: t.title, Description: t.description, MeasureGroupId: null, DataType: t.datatype, Unit: t.unit, Decimals: t.decimals, Format: null, PresentationType: null })),
  );
  for (const d of dims) {
    sets.set(
      `${d.key}Codes`,
      (data.dimensions[d.key] ?? []).map((r, i) => ({
        Identifier: r.keyTrimmed,
        Index: i + 1,
        Title: r.title,
        Description: r.description,
        DimensionGroupId: r.categoryGroupId === null ? null : String(r.categoryGroupId),
        ...(r.status !== undefined ? { Status: r.status } : {}),
      })),
    );
    sets.set(`${d.key}Groups`, []);
  }
  const observations: Json[] = [];
  for (const row of data.rows) {
    for (const t of topics) {
      const v = row[t.key];
      if (typeof v !== 'number') continue;
      const o: Json = { Id: observations.length, Measure: t.key, ValueAttribute: 'None', Value: v };
      for (const d of dims) o[d.key] = String(row[d.key]).trim();
      observations.push(o);
    }
  }
  sets.set('Observations', observations);
  return {
    id: data.tableId,
    properties: { Identifier: data.tableId, Title: data.info.title, ShortTitle: data.info.shortTitle ?? null, Modified: modified, ObservationsModified: modified, ObservationCount: observations.length, Status: 'Regulier', DatasetType: 'Numeric' },
    sets,
  };
}

export async function startFakeCbsV4(options: FakeCbsV4Options = {}): Promise<FakeCbsV4> {
  const tables = new Map<string, V4Table>([['80072NED', recorded80072ned()]]);
  for (const d of options.derived ?? []) tables.set(d.data.tableId.toUpperCase(), derivedTable(d.data, d.modified));
  const pageSize = options.pageSize ?? 10_000;
  const rules: Array<{ kind: V4Failure; left: number; match?: (r: FakeCbsV4Request) => boolean }> = [];
  const requests: FakeCbsV4Request[] = [];
  let base = '';

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      if (!res.headersSent) send(res, 500, { error: { code: '', message: String(err) } });
    }
  });

  function send(res: ServerResponse, status: number, body: unknown): void {
    const bytes = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'content-type': 'application/json; odata.metadata=minimal; charset=utf-8', 'content-length': String(bytes.length) });
    res.end(bytes);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', base);
    const [catalog, tableId, entitySet, ...rest] = url.pathname.split('/').filter(Boolean);
    const skip = Number(url.searchParams.get('$skip') ?? 0);
    const info: FakeCbsV4Request = { url: req.url ?? '/', tableId, entitySet, skip };
    requests.push(info);
    const rule = rules.find((r) => r.left > 0 && (!r.match || r.match(info)));
    if (rule) {
      rule.left--;
      if (rule.kind === 'resetBeforeHeaders') {
        res.socket?.destroy();
        return;
      }
      send(res, 500, { error: { code: '', message: 'An error has occurred.' } });
      return;
    }
    if (catalog !== 'CBS' || rest.length) return send(res, 404, { error: { code: '', message: 'Not found' } });
    if (!tableId) return send(res, 200, readJson('beta-odata4_CBS_service_document.json'));
    if (tableId === 'Datasets') return send(res, 200, readJson('beta-odata4_CBS_Datasets.json'));
    const table = tables.get(tableId.toUpperCase());
    if (!table) return send(res, 404, { error: { code: '', message: `Dataset ${tableId} not found` } });
    const context = `${base}/CBS/${table.id}/$metadata`;
    if (!entitySet) {
      const value = [...table.sets.keys()].map((name) => ({ name, kind: 'EntitySet', url: name }));
      return send(res, 200, { '@odata.context': context, value: [...value, { name: 'Properties', kind: 'Singleton', url: 'Properties' }] });
    }
    if (entitySet === 'Properties') return send(res, 200, { '@odata.context': `${context}#Properties`, ...table.properties });
    const rows = table.sets.get(entitySet);
    if (!rows) return send(res, 404, { error: { code: '', message: `Resource ${entitySet} not found` } });
    const top = url.searchParams.has('$top') ? Number(url.searchParams.get('$top')) : undefined;
    const size = Math.min(pageSize, top ?? Number.POSITIVE_INFINITY);
    const page = rows.slice(skip, skip + size);
    const body: Json = { '@odata.context': `${context}#${entitySet}` };
    if (url.searchParams.get('$count') === 'true') body['@odata.count'] = options.countAsString ? String(rows.length) : rows.length;
    body.value = page;
    if (top === undefined && skip + size < rows.length) {
      const params = new URLSearchParams(url.search);
      params.set('$skip', String(skip + size));
      body['@odata.nextLink'] = `${options.nextLinkBase ?? base}/CBS/${table.id}/${entitySet}?${params.toString().replace(/%24/g, '$')}`;
    }
    send(res, 200, body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    setModified(tableId, iso) {
      const table = tables.get(tableId.toUpperCase());
      if (!table) throw new Error(`fake CBS v4 has no table ${tableId}`);
      table.properties.Modified = iso;
      table.properties.ObservationsModified = iso;
    },
    failNext(n, kind, match) {
      rules.push({ kind, left: n, match });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
