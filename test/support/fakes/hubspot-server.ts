import { randomUUID } from 'node:crypto';
import { CARD_FIELDS } from '../../../src/enrich/types.js';
import { type FakeBase, type FakeContext, type Reply, notFound, startFakeBase } from './crm-fake-base.js';
import { ALL_VERRIJK_SCOPES, missingScopes, requiredScope } from './hubspot-scopes.js';
import { type PropertyDef, type SearchRecord, invalidValue, matchCrmPath, searchRecords } from './hubspot-records.js';
import { batchUses207 } from '../../../src/crm/hubspot/paths.js';

/**
 * A fake HubSpot CRM (companies, contacts, batch read/update, properties
 * and groups, search, account details) keeping records in memory, as the real
 * service documents it (research §1.4–1.6):
 * - both path families: legacy `/crm/v3/objects/…` and date-versioned
 *   `/crm/objects/2026-09/…` (`/crm/properties/{v}/…`, `/account-info/{v}/details`);
 *   a batch with per-record failures answers 207 on v3 and 2026-03, and 200 with
 *   `errors[]` + `numErrors` from 2026-09 on (the 2026-09 spec declares only 200:
 *   research crm-apis-2026.md F-H2). `versions` records which were called;
 * - rate-limit headers and 429 bodies with `policyName`; the default window is
 *   the lowest documented one, 100 / 10 s (Free/Starter private apps);
 * - scopes checked per endpoint, 403 MISSING_SCOPES otherwise (hubspot-scopes.ts);
 * - batch update is all-or-nothing on validation: one invalid value fails the
 *   whole call with 400 VALIDATION_ERROR and nothing is written (HubSpot.NET#25:
 *   "if there is a single error in the list … none of them will be processed");
 *   per-record 207 Multi-Status results (the CRM v3 spec's 207 response) come
 *   from `failInBatch`;
 * - values checked against the property's type (number, enumeration options);
 * - search: its own 5 requests/s per token and no rate-limit headers
 *   (usage-details page), and a record shows up only once indexed (`indexedAt`);
 * - `GET /account-info/v3/details` with the account's `timeZone` (account
 *   information API, scope `oauth`).
 */

export interface FakeHubspotOptions {
  token?: string;
  /** Per rolling window; default 100 / 10 s. */
  limit?: number;
  windowMs?: number;
  /** Daily budget: `X-HubSpot-RateLimit-Daily*` headers and a DAILY 429 once spent. */
  dailyLimit?: number;
  port?: number;
  verbose?: boolean;
  /** Start with the `verrijk` group and the cbs_* properties in place (as after `crm:ensure`); default true. */
  ensured?: boolean;
  /** Scopes granted to the token; default everything Verrijk needs. */
  scopes?: string[];
  /** The account's time zone setting (account details); default Europe/Amsterdam. */
  timeZone?: string;
  /** The account the token belongs to (`portalId`): in validation messages and the account details. */
  portalId?: number;
  /** Also accept these bearer tokens (an OAuth install's access tokens, as the fake authorization server issued them). */
  acceptToken?: (token: string) => boolean;
}

export type Props = Record<string, string | null>;

export interface FakeHubspot extends FakeBase {
  /** Records by `company:{id}` / `contact:{id}`. */
  cards: Map<string, Props>;
  /** Property names per object path (`companies`, `contacts`) and the groups. */
  properties: Map<string, Set<string>>;
  groups: Map<string, Set<string>>;
  scopes: Set<string>;
  seed(objectType: 'company' | 'contact', id: string, props: Props, createdAt?: Date, opts?: { indexedAt?: Date }): void;
  /** A person changes a record in HubSpot: its properties, and `hs_lastmodifieddate` moves to now. */
  edit(objectType: 'company' | 'contact', id: string, props: Props): void;
  /** Gives an existing property a type (number, enumeration with options …): values are checked against it. */
  defineProperty(segment: 'companies' | 'contacts', name: string, def: PropertyDef): void;
  /** The next batch update fails these ids with a per-record error (207). */
  failInBatch(ids: string[], category?: string): void;
  /** The API versions the requests named (`v3`, `2026-09` …), account details included. */
  versions: Set<string>;
}

const SEGMENTS: Record<string, 'company' | 'contact'> = { companies: 'company', contacts: 'contact' };
/** Search: 5 requests per second per token (usage-details page). */
const SEARCH_LIMIT = 5;
const SEARCH_WINDOW_MS = 1_000;

export async function startFakeHubspot(opts: FakeHubspotOptions = {}): Promise<FakeHubspot> {
  const token = opts.token ?? 'pat-eu1-fake-hubspot-token';
  const scopes = new Set(opts.scopes ?? ALL_VERRIJK_SCOPES);
  const cards = new Map<string, Props>();
  const created = new Map<string, number>();
  /** `hs_lastmodifieddate` of each record: set by every write, Verrijk's included. */
  const modified = new Map<string, number>();
  const indexed = new Map<string, number>();
  const properties = new Map<string, Set<string>>([
    // `zip` is a default HubSpot property on both objects.
    ['companies', new Set(['name', 'domain', 'industry', 'numberofemployees', 'sbi_code', 'zip', 'createdate'])],
    ['contacts', new Set(['company', 'numemployees', 'industry', 'sbi_code', 'zip', 'createdate'])],
  ]);
  const types = new Map<string, PropertyDef>();
  const groups = new Map<string, Set<string>>([
    ['companies', new Set(['companyinformation'])],
    ['contacts', new Set(['contactinformation'])],
  ]);
  if (opts.ensured !== false) {
    for (const segment of ['companies', 'contacts']) {
      groups.get(segment)?.add('verrijk');
      for (const f of CARD_FIELDS) properties.get(segment)?.add(f);
    }
  }
  let batchFailures: { ids: Set<string>; category: string } | undefined;
  const portalId = opts.portalId ?? 147_000_001;
  let dailyUsed = 0;
  const searches: number[] = [];
  const windowMs = opts.windowMs ?? 10_000;
  const limit = opts.limit ?? 100;

  const versions = new Set<string>();
  const isSearch = (method: string, path: string) => method === 'POST' && path.endsWith('/search');

  const base = await startFakeBase({
    limit,
    windowMs,
    port: opts.port,
    verbose: opts.verbose,
    exempt: isSearch,
    authorized: (h) => h.authorization === `Bearer ${token}` || Boolean(opts.acceptToken?.(String(h.authorization ?? '').replace(/^Bearer\s+/i, ''))),
    unauthorized: {
      status: 401,
      body: { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION', correlationId: randomUUID() },
    },
    limitHeaders(ctx) {
      // "Responses from the search API endpoints will not include any of the rate limit headers."
      if (isSearch(ctx.method, ctx.path)) return {};
      const h: Record<string, string> = {
        'X-HubSpot-RateLimit-Interval-Milliseconds': String(windowMs),
        'X-HubSpot-RateLimit-Max': String(limit),
        'X-HubSpot-RateLimit-Remaining': String(Math.max(0, limit - ctx.inWindow)),
      };
      if (opts.dailyLimit !== undefined) {
        h['X-HubSpot-RateLimit-Daily'] = String(opts.dailyLimit);
        h['X-HubSpot-RateLimit-Daily-Remaining'] = String(Math.max(0, opts.dailyLimit - dailyUsed));
      }
      return h;
    },
    tooMany: (_ctx, failure) => tooMany(failure?.policy ?? 'TEN_SECONDLY_ROLLING', failure?.headers),
    handle(ctx) {
      const scope = requiredScope(ctx.method, ctx.path);
      if (scope && !scopes.has(scope)) return missingScopes(scope);
      if (isSearch(ctx.method, ctx.path)) {
        const now = Date.now();
        searches.push(now);
        while (searches.length && searches[0] <= now - SEARCH_WINDOW_MS) searches.shift();
        if (searches.length > SEARCH_LIMIT) return tooMany('SECONDLY');
      } else if (opts.dailyLimit !== undefined) {
        if (dailyUsed >= opts.dailyLimit) return tooMany('DAILY');
        dailyUsed++;
      }
      return route(ctx);
    },
  });

  /** The documented 429 body: `policyName` says which limit (research §1.6). */
  function tooMany(policy: string, headers?: Record<string, string>): Reply {
    const what = policy === 'DAILY' ? 'daily' : policy === 'SECONDLY' ? 'secondly' : 'ten_secondly_rolling';
    return {
      status: 429,
      headers,
      body: {
        status: 'error',
        message: `You have reached your ${what} limit.`,
        errorType: 'RATE_LIMIT',
        correlationId: randomUUID(),
        policyName: policy,
        groupName: 'publicapi:private-app:fake',
      },
    };
  }

  function record(objectType: string, id: string, wanted: string[]) {
    const props = cards.get(`${objectType}:${id}`);
    if (!props) return undefined;
    const out: Props = {};
    for (const p of wanted) out[p] = props[p] ?? null;
    const at = new Date(created.get(`${objectType}:${id}`) ?? 0).toISOString();
    return { id, properties: out, createdAt: at, updatedAt: at, archived: false };
  }

  /** Why these values cannot be written to this record, or undefined. */
  function problem(objectType: string, segment: string, id: string, props: Record<string, unknown>): Reply | undefined {
    if (!cards.has(`${objectType}:${id}`)) return notFound(`Object not found. objectId are usually numeric.`);
    const known = properties.get(segment) ?? new Set();
    const unknown = Object.keys(props).filter((p) => !known.has(p));
    if (unknown.length) return propertyDoesntExist(unknown);
    for (const [name, value] of Object.entries(props)) {
      const why = invalidValue(types.get(`${segment}.${name}`), name, value);
      if (why) return { status: 400, body: { status: 'error', category: 'VALIDATION_ERROR', message: `Property values were not valid: ${why} (record ${id})`, context: { ids: [id] } } };
    }
    return undefined;
  }

  /**
   * HubSpot's answer to a write naming properties the account does not have:
   * 400 VALIDATION_ERROR whose message embeds one JSON entry per property with
   * `"error":"PROPERTY_DOESNT_EXIST"` (the shape HubSpot's own clients and
   * integrators quote; e.g. PostHog/posthog#53339 for the 403 below).
   */
  function propertyDoesntExist(unknown: string[]): Reply {
    const entries = unknown.map((name) => ({
      isValid: false,
      message: `Property "${name}" does not exist`,
      error: 'PROPERTY_DOESNT_EXIST',
      name,
      localizedErrorMessage: `Property "${name}" does not exist`,
      portalId,
    }));
    return { status: 400, body: { status: 'error', message: `Property values were not valid: ${JSON.stringify(entries)}`, correlationId: randomUUID(), category: 'VALIDATION_ERROR' } };
  }

  function write(objectType: string, id: string, props: Record<string, unknown>) {
    const card = cards.get(`${objectType}:${id}`)!;
    for (const [k, v] of Object.entries(props)) card[k] = typeof v === 'string' ? v : String(v);
    // Strictly later than the last modification: two writes in one millisecond still move it.
    modified.set(`${objectType}:${id}`, Math.max(Date.now(), (modified.get(`${objectType}:${id}`) ?? 0) + 1));
  }

  function route(ctx: FakeContext): Reply {
    const details = ctx.path.match(/^\/account-info\/(v3|\d{4}-\d{2})\/details$/);
    if (ctx.method === 'GET' && details) {
      versions.add(details[1]);
      const timeZone = opts.timeZone ?? 'Europe/Amsterdam';
      return { status: 200, body: { portalId, accountType: 'STANDARD', timeZone, companyCurrency: 'EUR', additionalCurrencies: [], dataHostingLocation: 'eu1', uiDomain: 'app-eu1.hubspot.com', utcOffset: '+01:00', utcOffsetMilliseconds: 3_600_000 } };
    }
    const m = matchCrmPath(ctx.path);
    if (!m) return notFound(`No route ${ctx.path}`);
    const { kind, segment, rest, version } = m;
    versions.add(version);
    // Per-record failures: 207 on v3 and 2026-03, 200 with errors[] from 2026-09 on.
    const partial = batchUses207(version) ? 207 : 200;
    const objectType = SEGMENTS[segment];
    if (!objectType) return notFound(`Unknown object type ${segment}`);
    const body = (ctx.body ?? {}) as Record<string, any>;

    if (kind === 'properties') {
      if (ctx.method === 'GET' && rest?.startsWith('groups/')) {
        const name = rest.slice('groups/'.length);
        return groups.get(segment)?.has(name) ? { status: 200, body: { name, label: name } } : notFound(`group ${name} not found`);
      }
      if (ctx.method === 'POST' && rest === 'groups') {
        if (groups.get(segment)?.has(body.name)) return { status: 409, body: { status: 'error', category: 'CONFLICT', message: `A property group named '${body.name}' already exists.`, correlationId: randomUUID() } };
        groups.get(segment)?.add(body.name);
        return { status: 201, body: { name: body.name, label: body.label } };
      }
      if (ctx.method === 'GET' && !rest) {
        return { status: 200, body: { results: [...(properties.get(segment) ?? [])].map((name) => ({ name, ...(types.get(`${segment}.${name}`) ?? { type: 'string' }) })) } };
      }
      if (ctx.method === 'POST' && !rest) {
        if (!body.name || !body.type || !body.fieldType || !body.groupName || !body.label) {
          return { status: 400, body: { status: 'error', category: 'VALIDATION_ERROR', message: 'name, label, type, fieldType and groupName are required' } };
        }
        if (!groups.get(segment)?.has(body.groupName)) return { status: 400, body: { status: 'error', category: 'VALIDATION_ERROR', message: `group ${body.groupName} does not exist` } };
        if (properties.get(segment)?.has(body.name)) return { status: 409, body: { status: 'error', category: 'CONFLICT', message: `Property named '${body.name}' already exists.`, correlationId: randomUUID() } };
        properties.get(segment)?.add(body.name);
        return { status: 201, body: { name: body.name, type: body.type, fieldType: body.fieldType, groupName: body.groupName } };
      }
      return notFound();
    }

    if (ctx.method === 'POST' && rest === 'batch/read') {
      const wanted: string[] = body.properties ?? [];
      const results = [];
      const missing: string[] = [];
      for (const input of body.inputs ?? []) {
        const r = record(objectType, String(input.id), wanted);
        if (r) results.push(r);
        else missing.push(String(input.id));
      }
      const errors = missing.length ? [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some records', context: { ids: missing } }] : [];
      return { status: errors.length ? partial : 200, body: { status: 'COMPLETE', results, ...(errors.length ? { errors, numErrors: errors.length } : {}) } };
    }
    if (ctx.method === 'POST' && rest === 'batch/update') {
      const inputs: Array<{ id: unknown; properties?: Record<string, unknown> }> = body.inputs ?? [];
      if (inputs.length > 100) return { status: 400, body: { status: 'error', category: 'VALIDATION_ERROR', message: 'Batch too large' } };
      const injected = batchFailures;
      batchFailures = undefined;
      // A property the account lacks fails the whole batch, naming every missing one; nothing written.
      const known = properties.get(segment) ?? new Set<string>();
      const unknownInBatch = [...new Set(inputs.flatMap((i) => Object.keys(i.properties ?? {}).filter((p) => !known.has(p))))];
      if (unknownInBatch.length) return propertyDoesntExist(unknownInBatch);
      // Validation first, for every input: one invalid value and the whole call is refused.
      const errors = [];
      for (const input of inputs) {
        const id = String(input.id);
        const failed = problem(objectType, segment, id, input.properties ?? {});
        if (!failed) continue;
        const b = failed.body as { category: string; message: string };
        if (failed.status === 400) return failed;
        errors.push({ status: 'error', category: b.category, message: b.message, context: { ids: [id] } });
      }
      const results = [];
      for (const input of inputs) {
        const id = String(input.id);
        if (errors.some((e) => e.context.ids[0] === id)) continue;
        if (injected?.ids.has(id)) {
          errors.push({ status: 'error', category: injected.category, message: 'Record could not be updated', context: { ids: [id] } });
          continue;
        }
        write(objectType, id, input.properties ?? {});
        results.push(record(objectType, id, Object.keys(input.properties ?? {})));
      }
      return { status: errors.length ? partial : 200, body: { status: 'COMPLETE', results, ...(errors.length ? { errors, numErrors: errors.length } : {}) } };
    }
    if (ctx.method === 'POST' && rest === 'search') {
      const pool: SearchRecord[] = [];
      for (const [key, at] of created) {
        const [type, id] = key.split(':');
        if (type === objectType && (indexed.get(key) ?? at) <= Date.now()) pool.push({ id, createdAt: at, modifiedAt: modified.get(key) ?? at });
      }
      return searchRecords(pool, body);
    }
    if (rest && !rest.includes('/')) {
      if (ctx.method === 'GET') {
        const wanted = (ctx.query.get('properties') ?? '').split(',').filter(Boolean);
        const r = record(objectType, rest, wanted);
        return r ? { status: 200, body: r } : notFound('Object not found. objectId are usually numeric.');
      }
      if (ctx.method === 'PATCH') {
        const failed = problem(objectType, segment, rest, body.properties ?? {});
        if (failed) return failed;
        write(objectType, rest, body.properties ?? {});
        return { status: 200, body: record(objectType, rest, Object.keys(body.properties ?? {})) };
      }
    }
    return notFound();
  }

  return Object.assign(base, {
    cards,
    properties,
    groups,
    scopes,
    seed(objectType: 'company' | 'contact', id: string, props: Props, createdAt = new Date(), seedOpts: { indexedAt?: Date } = {}) {
      cards.set(`${objectType}:${id}`, { ...props });
      created.set(`${objectType}:${id}`, createdAt.getTime());
      indexed.set(`${objectType}:${id}`, (seedOpts.indexedAt ?? createdAt).getTime());
      modified.set(`${objectType}:${id}`, createdAt.getTime());
    },
    /** A person changes a record in HubSpot: its properties, and `hs_lastmodifieddate` moves to now. */
    edit(objectType: 'company' | 'contact', id: string, props: Props) {
      write(objectType, id, props);
    },
    defineProperty(segment: 'companies' | 'contacts', name: string, def: PropertyDef) {
      properties.get(segment)?.add(name);
      types.set(`${segment}.${name}`, def);
    },
    failInBatch(ids: string[], category = 'INTERNAL_ERROR') {
      batchFailures = { ids: new Set(ids), category };
    },
    versions,
  });
}

/** The card properties Verrijk may write, for tests that check nothing else changed. */
export function cbsProperties(props: Props): Props {
  return Object.fromEntries(Object.entries(props).filter(([k]) => k.startsWith('cbs_')));
}
