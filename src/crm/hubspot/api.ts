import type { LeadInput } from '../../enrich/types.js';
import type { LeadRef } from '../../leads/identity.js';
import { type AdapterBaseOptions, type CardWrite, type CrmAdapter, type CrmLead, type PerLead, refKey, type WriteProgress } from '../adapter.js';
import { accountIdOf } from '../account-id.js';
import { CrmError } from '../crm-error.js';
import { idSegment, isObjectId } from '../object-id.js';
import { createCrmHttp, type CrmHttp } from '../http.js';
import { mappedProperties } from '../mapping.js';
import { hubspotObservation, hubspotThrottle } from './limits.js';
import { withPropertyCreation } from './missing-properties.js';
import { ensureHubspotProperties } from './properties.js';
import { createAccountZones } from './account.js';
import { listHubspotPage } from './backfill-list.js';
import { listHubspotChangedSince, listHubspotSince } from './search.js';
import { hubspotPaths } from './paths.js';

/**
 * HubSpot CRM objects (research §1.4), on the API version `paths.ts` builds
 * paths for: read companies and contacts (one GET, or batch read of up to
 * 100), write the mapped properties (PATCH, or batch update of up to 100 with
 * per-record failures: a 207 on v3 and 2026-03, a 200 with `errors[]` from
 * 2026-09 on; both are read the same way).
 */

export const HUBSPOT_BATCH_MAX = 100;

/** Our object type (singular, as the webhook names it) → HubSpot's path segment. */
export const HUBSPOT_OBJECT_PATHS: Record<string, string> = { company: 'companies', contact: 'contacts' };

/** What each object type holds of the enrichment input (DESIGN.md "Reading the lead"). */
const INPUT_PROPERTIES: Record<string, string[]> = {
  company: ['name', 'domain', 'industry', 'numberofemployees', 'sbi_code', 'zip'],
  contact: ['company', 'numemployees', 'industry', 'sbi_code', 'zip'],
};

export interface HubspotAdapterOptions extends AdapterBaseOptions {
  baseUrl: string;
  accessToken: string;
  /** `HUBSPOT_API_VERSION`: a dated version (default) or `v3`. */
  apiVersion?: string;
  /** Until the account details say otherwise: the zone the daily budget resets in. */
  timeZone?: string;
}

interface HubspotObject {
  id: string;
  properties: Record<string, string | null>;
}

interface BatchError {
  status?: string;
  category?: string;
  message?: string;
  context?: { ids?: string[] };
}

interface BatchResponse {
  results?: HubspotObject[];
  errors?: BatchError[];
}

export type HubspotAdapter = CrmAdapter & { http: CrmHttp };

export function createHubspotAdapter(options: HubspotAdapterOptions): HubspotAdapter {
  // Filled in from the account details before an account's first read or write.
  const paths = hubspotPaths(options.apiVersion);
  let zones: ReturnType<typeof createAccountZones> | undefined;
  const zoneOf = (accountId: string) => zones?.zoneOf(accountId) ?? options.timeZone ?? 'Europe/Amsterdam';
  const http = createCrmHttp({
    crm: 'hubspot',
    baseUrl: options.baseUrl,
    authHeaders: { authorization: `Bearer ${options.accessToken}` },
    limiter: options.limiter,
    metrics: options.metrics,
    logger: options.logger,
    observe: (h, accountId) => hubspotObservation(h, zoneOf(accountId)),
    throttle: (h, body, now, accountId) => hubspotThrottle(h, body, now, zoneOf(accountId)),
    timeouts: options.timeouts,
    maxWaitMs: options.maxWaitMs,
    credentialsFor: options.credentialsFor,
  });
  zones = createAccountZones(http, paths, options.logger, options.timeZone ?? 'Europe/Amsterdam');
  const mapped = mappedProperties(options.mapping);
  const propertiesFor = (objectType: string) => [...new Set([...(INPUT_PROPERTIES[objectType] ?? []), ...mapped])];

  function toLead(ref: LeadRef, obj: HubspotObject): CrmLead {
    const p = obj.properties ?? {};
    const input: LeadInput =
      ref.objectType === 'contact'
        ? { sbi: p.sbi_code, industry: p.industry, employees: p.numemployees, company: p.company, postcode: p.zip }
        : { sbi: p.sbi_code, industry: p.industry, employees: p.numberofemployees, company: p.name, domain: p.domain, postcode: p.zip };
    const current: Record<string, string | null> = {};
    for (const prop of mapped) current[prop] = p[prop] === undefined || p[prop] === '' ? null : p[prop];
    return { ref, input, current };
  }

  function pathOf(objectType: string): string {
    const segment = HUBSPOT_OBJECT_PATHS[objectType];
    if (!segment) throw new CrmError('hubspot', { kind: 'permanent' }, `hubspot: object type ${objectType} is not enriched`);
    return segment;
  }

  async function readLeads(accountId: string, refs: LeadRef[], signal?: AbortSignal): Promise<PerLead<CrmLead>> {
    const out: PerLead<CrmLead> = new Map();
    for (const [objectType, group] of groupBy(refs, (r) => r.objectType)) {
      const segment = pathOf(objectType);
      const properties = propertiesFor(objectType);
      if (group.length === 1) {
        const ref = group[0];
        try {
          const qs = `properties=${properties.map(encodeURIComponent).join(',')}`;
          const res = await http.send<HubspotObject>(accountId, { op: 'read', method: 'GET', path: `${paths.object(segment, idSegment('hubspot', ref.objectId))}?${qs}`, signal });
          out.set(refKey(ref), toLead(ref, res.body));
        } catch (err) {
          if (!(err instanceof CrmError) || !isPerLead(err)) throw err;
          out.set(refKey(ref), err);
        }
        continue;
      }
      for (const chunk of chunks(group, HUBSPOT_BATCH_MAX)) {
        const res = await http.send<BatchResponse>(accountId, {
          op: 'batch_read',
          method: 'POST',
          path: paths.batchRead(segment),
          body: { properties, inputs: chunk.map((r) => ({ id: r.objectId })) },
          accept: [207],
          signal,
        });
        const byId = new Map((res.body?.results ?? []).map((o) => [String(o.id), o]));
        const failed = batchErrors(res.body?.errors);
        for (const ref of chunk) {
          const obj = byId.get(ref.objectId);
          out.set(refKey(ref), obj ? toLead(ref, obj) : (failed.get(ref.objectId) ?? missing(ref.objectId, 'batch read')));
        }
      }
    }
    return out;
  }

  async function writeCards(accountId: string, writes: CardWrite[], signal?: AbortSignal, progress?: WriteProgress): Promise<PerLead<true>> {
    const out: PerLead<true> = new Map();
    // The account's time zone, before the first write of the day can meet a DAILY 429 (after the reads,
    // so a lead that cannot be read costs no extra call).
    if (writes.some((w) => isObjectId('hubspot', w.ref.objectId))) await zones?.learn(accountId, signal);
    for (const [objectType, group] of groupBy(writes, (w) => w.ref.objectType)) {
      const segment = pathOf(objectType);
      if (group.length === 1) {
        const w = group[0];
        let result: true | CrmError = true;
        try {
          await http.send(accountId, { op: 'update', method: 'PATCH', path: paths.object(segment, idSegment('hubspot', w.ref.objectId)), body: { properties: w.properties }, signal });
        } catch (err) {
          if (!(err instanceof CrmError) || !isPerLead(err)) throw err;
          result = err;
        }
        out.set(refKey(w.ref), result);
        await progress?.(new Map([[refKey(w.ref), result]]));
        continue;
      }
      for (const chunk of chunks(group, HUBSPOT_BATCH_MAX)) await updateBatch(accountId, segment, chunk, out, signal, progress);
    }
    return out;
  }

  /**
   * One batch update. HubSpot refuses the whole call (400, or a 403 that is
   * not about scopes) when one record in it is bad, and writes nothing: the
   * halves are tried again, down to single records, so only the bad record
   * fails, with its own reason, and every other one is written.
   */
  async function updateBatch(accountId: string, segment: string, chunk: CardWrite[], out: PerLead<true>, signal?: AbortSignal, progress?: WriteProgress): Promise<void> {
    let res;
    try {
      res = await http.send<BatchResponse>(accountId, {
        op: 'batch_update',
        method: 'POST',
        path: paths.batchUpdate(segment),
        body: { inputs: chunk.map((w) => ({ id: w.ref.objectId, properties: w.properties })) },
        accept: [207],
        signal,
      });
    } catch (err) {
      if (!(err instanceof CrmError) || !isRecordFault(err)) throw err;
      if (chunk.length === 1) {
        out.set(refKey(chunk[0].ref), err);
        await progress?.(new Map([[refKey(chunk[0].ref), err]]));
        return;
      }
      const half = Math.ceil(chunk.length / 2);
      await updateBatch(accountId, segment, chunk.slice(0, half), out, signal, progress);
      await updateBatch(accountId, segment, chunk.slice(half), out, signal, progress);
      return;
    }
    const ok = new Set((res.body?.results ?? []).map((o) => String(o.id)));
    const failed = batchErrors(res.body?.errors);
    const results: PerLead<true> = new Map();
    for (const w of chunk) {
      results.set(refKey(w.ref), ok.has(w.ref.objectId) ? true : (failed.get(w.ref.objectId) ?? missing(w.ref.objectId, 'batch update')));
    }
    for (const [key, result] of results) out.set(key, result);
    await progress?.(results);
  }

  return {
    source: 'hubspot',
    http,
    readLeads,
    // A property the account lacks is created on first contact (missing-properties.ts).
    writeCards: withPropertyCreation(writeCards, { http, paths, properties: mapped, segmentOf: pathOf, logger: options.logger }),
    ensureProperties: (accountId, signal) => ensureHubspotProperties(http, paths, accountId, mapped, signal),
    // The webhooks cover company.creation and contact.creation: the sweep lists both.
    catchupTypes: ['company', 'contact'],
    listSince: (accountId, objectType, since, limit, signal) => listHubspotSince(http, paths, accountId, pathOf(objectType), objectType, since, limit, signal),
    listChangedSince: (accountId, objectType, since, limit, signal) =>
      listHubspotChangedSince(http, paths, accountId, pathOf(objectType), objectType, since, limit, signal),
    listPage: (accountId, objectType, page, signal) => listHubspotPage(http, paths, accountId, pathOf(objectType), objectType, page, signal),
    // `GET /account-info/{version}/details` states the token's `portalId` (scope `oauth`, which a
    // private app may lack: then a 403 CrmError, and the caller decides what else to trust).
    async ownAccount(signal, likely) {
      const res = await http.send<{ portalId?: unknown }>(likely ?? '', { op: 'account', method: 'GET', path: paths.accountDetails(), signal });
      const accountId = accountIdOf('hubspot', res.body?.portalId, 'portalId');
      if (accountId !== likely) await http.countIn(accountId);
      return accountId;
    },
  };
}

/** Failures that concern one lead (404, 400) rather than the whole call (auth, rate limit, outage). */
function isPerLead(err: CrmError): boolean {
  return err.failure.kind === 'permanent';
}

/** A whole-batch refusal that one record can cause: a 4xx, or a 403 that is not a missing scope (which would refuse every record alike). */
function isRecordFault(err: CrmError): boolean {
  const f = err.failure;
  // A property the account lacks refuses every record alike: property creation (missing-properties.ts) handles that.
  if (err.codes.includes('PROPERTY_DOESNT_EXIST')) return false;
  return f.kind === 'permanent' || (f.kind === 'auth' && f.status === 403 && !f.missingScopes?.length);
}

/** Per-record errors of a 207 (v3, 2026-03) or of a 200's `errors[]` (2026-09 on): not found and validation errors are final, anything else is retried. */
function batchErrors(errors: BatchError[] | undefined): Map<string, CrmError> {
  const out = new Map<string, CrmError>();
  for (const e of errors ?? []) {
    const category = e.category ?? 'UNKNOWN';
    const final = /NOT_FOUND|VALIDATION|INVALID/.test(category);
    const message = `hubspot: record failed in batch: ${category} ${(e.message ?? '').slice(0, 200)}`;
    for (const id of e.context?.ids ?? []) {
      out.set(String(id), new CrmError('hubspot', final ? { kind: 'permanent', status: category.includes('NOT_FOUND') ? 404 : 400 } : { kind: 'retry' }, message));
    }
  }
  return out;
}

function missing(id: string, what: string): CrmError {
  return new CrmError('hubspot', { kind: 'retry' }, `hubspot: ${what} returned nothing for record ${id}`);
}

export function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
