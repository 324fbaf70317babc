import type { Reply } from './crm-fake-base.js';

/**
 * What the fake HubSpot checks about values and how its search answers.
 * Property types: the properties spec (`type` bool|date|datetime|enumeration|
 * number|phone_number|string; enumeration values must be one of the options),
 * research §1.4 "Enumeration caveat". Search: the CRM search guide — filters
 * with GT/GTE/LT/LTE/EQ, `sorts`, at most 200 per page, `paging.next.after`,
 * and no more than 10,000 results per query.
 */

export interface PropertyDef {
  type: 'string' | 'number' | 'enumeration' | 'date' | 'datetime' | 'bool';
  options?: Array<{ label: string; value: string }>;
}

/** Why `value` does not fit `def`, or undefined. */
export function invalidValue(def: PropertyDef | undefined, name: string, value: unknown): string | undefined {
  if (!def || value === null || value === '') return undefined;
  const text = String(value);
  if (def.type === 'number' && !Number.isFinite(Number(text))) return `${text} was not a valid number for ${name}`;
  if (def.type === 'enumeration' && !(def.options ?? []).some((o) => o.value === text)) return `${text} was not one of the allowed options for ${name}`;
  if ((def.type === 'date' || def.type === 'datetime') && Number.isNaN(Date.parse(text)) && !/^\d+$/.test(text)) return `${text} was not a valid date for ${name}`;
  if (def.type === 'bool' && !['true', 'false'].includes(text)) return `${text} was not a valid boolean for ${name}`;
  return undefined;
}

export interface SearchRecord {
  id: string;
  createdAt: number;
  /** `hs_lastmodifieddate` (default: createdAt). */
  modifiedAt?: number;
}

/** The indexed properties the fake filters and sorts on. */
const INDEXED = ['createdate', 'hs_object_id', 'hs_lastmodifieddate'];
function valueOf(r: SearchRecord, property: string): number {
  if (property === 'hs_object_id') return Number(r.id);
  if (property === 'hs_lastmodifieddate') return r.modifiedAt ?? r.createdAt;
  return r.createdAt;
}

const MAX_RESULTS = 10_000;

function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case 'GT':
      return a > b;
    case 'GTE':
      return a >= b;
    case 'LT':
      return a < b;
    case 'LTE':
      return a <= b;
    case 'EQ':
      return a === b;
    default:
      return true;
  }
}

const asMs = (v: unknown) => (/^\d+$/.test(String(v)) ? Number(v) : Date.parse(String(v)));

/** A search over `createdate`, `hs_lastmodifieddate` and `hs_object_id` (the only properties the fake indexes), as HubSpot pages it. */
export function searchRecords(pool: SearchRecord[], body: Record<string, any>): Reply {
  const filters: Array<{ propertyName: string; operator: string; value: unknown }> = body.filterGroups?.[0]?.filters ?? [];
  for (const f of filters) {
    if (!INDEXED.includes(f.propertyName)) {
      return { status: 400, body: { status: 'error', category: 'VALIDATION_ERROR', message: `the fake indexes ${INDEXED.join(', ')} only, not ${f.propertyName}` } };
    }
  }
  const hits = pool.filter((r) => filters.every((f) => compare(f.operator, valueOf(r, f.propertyName), asMs(f.value))));
  const sort = body.sorts?.[0];
  const dir = (typeof sort === 'string' ? (sort.startsWith('-') ? 'DESCENDING' : 'ASCENDING') : sort?.direction) === 'DESCENDING' ? -1 : 1;
  // Ties and unsorted queries: by id, as HubSpot's default order. A string sort names createdate.
  const by = typeof sort === 'object' && INDEXED.includes(sort?.propertyName) ? sort.propertyName : 'createdate';
  hits.sort((a, b) => (sort ? dir * (valueOf(a, by) - valueOf(b, by)) : 0) || Number(a.id) - Number(b.id));
  const offset = Number(body.after ?? 0);
  const size = Math.min(Number(body.limit ?? 10), 200);
  if (offset + size > MAX_RESULTS) return { status: 400, body: { status: 'error', category: 'VALIDATION_ERROR', message: 'paging past 10000 results is not supported' } };
  const page = hits.slice(offset, offset + size).map((r) => {
    const at = new Date(r.createdAt).toISOString();
    const mod = new Date(r.modifiedAt ?? r.createdAt).toISOString();
    return { id: r.id, properties: { createdate: at, hs_object_id: r.id, hs_lastmodifieddate: mod }, createdAt: at, updatedAt: mod, archived: false };
  });
  const next = offset + size < hits.length ? { paging: { next: { after: String(offset + size) } } } : {};
  return { status: 200, body: { total: hits.length, results: page, ...next } };
}

/** `/crm/v3/objects/companies/1` and `/crm/objects/2026-09/companies/1` alike: the API family, segment, rest and version. */
export function matchCrmPath(path: string): { kind: string; segment: string; rest?: string; version: string } | undefined {
  const legacy = path.match(/^\/crm\/v3\/(objects|properties)\/([a-z]+)(?:\/(.+))?$/);
  if (legacy) return { kind: legacy[1], segment: legacy[2], rest: legacy[3], version: 'v3' };
  const dated = path.match(/^\/crm\/(objects|properties)\/(\d{4}-\d{2})\/([a-z]+)(?:\/(.+))?$/);
  if (dated) return { kind: dated[1], segment: dated[3], rest: dated[4], version: dated[2] };
  return undefined;
}
