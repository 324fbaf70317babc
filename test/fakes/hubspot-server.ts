import { randomUUID } from 'node:crypto';
import { CARD_FIELDS } from '../../src/enrich/types.js';
import { type FakeBase, type FakeContext, type Reply, notFound, startFakeBase } from './crm-fake-base.js';

/**
 * A fake HubSpot CRM v3 (companies, contacts, batch read/update with 207,
 * properties and groups, company search) keeping records in memory, with
 * HubSpot's rate-limit headers and 429 bodies (research §1.4–1.6).
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
  /**
   * The token's scopes, when it should lack some. Creating a property or group
   * on companies/contacts needs `crm.schemas.<segment>.write`; without it the
   * answer is HubSpot's 403 MISSING_SCOPES. Default: every scope.
   */
  scopes?: string[];
  /** The account id HubSpot puts in validation messages (`portalId`). */
  portalId?: number;
}

export type Props = Record<string, string | null>;

export interface FakeHubspot extends FakeBase {
  /** Records by `company:{id}` / `contact:{id}`. */
  cards: Map<string, Props>;
  /** Property names per object path (`companies`, `contacts`) and the groups. */
  properties: Map<string, Set<string>>;
  groups: Map<string, Set<string>>;
  seed(objectType: 'company' | 'contact', id: string, props: Props, createdAt?: Date): void;
  /** The next batch update fails these ids with a per-record error (207). */
  failInBatch(ids: string[], category?: string): void;
}

const SEGMENTS: Record<string, 'company' | 'contact'> = { companies: 'company', contacts: 'contact' };

export async function startFakeHubspot(opts: FakeHubspotOptions = {}): Promise<FakeHubspot> {
  const token = opts.token ?? 'pat-eu1-fake-hubspot-token';
  const cards = new Map<string, Props>();
  const created = new Map<string, number>();
  const properties = new Map<string, Set<string>>([
    // `zip` is a default HubSpot property on both objects.
    ['companies', new Set(['name', 'domain', 'industry', 'numberofemployees', 'sbi_code', 'zip', 'createdate'])],
    ['contacts', new Set(['company', 'numemployees', 'industry', 'sbi_code', 'zip', 'createdate'])],
  ]);
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
  const hasScope = (scope: string) => opts.scopes === undefined || opts.scopes.includes(scope);
  const portalId = opts.portalId ?? 147_000_001;
  let dailyUsed = 0;
  const windowMs = opts.windowMs ?? 10_000;
  const limit = opts.limit ?? 100;

  const isSearch = (method: string, path: string) => method === 'POST' && path.endsWith('/search');

  const base = await startFakeBase({
    limit,
    windowMs,
    port: opts.port,
    verbose: opts.verbose,
    exempt: isSearch,
    authorized: (h) => h.authorization === `Bearer ${token}`,
    unauthorized: {
      status: 401,
      body: { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION', correlationId: randomUUID() },
    },
    limitHeaders(ctx) {
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
    tooMany(_ctx, failure) {
      const policy = failure?.policy ?? 'TEN_SECONDLY_ROLLING';
      const what = policy === 'DAILY' ? 'daily' : policy === 'SECONDLY' ? 'secondly' : 'ten_secondly_rolling';
      return {
        status: 429,
        headers: failure?.headers,
        body: {
          status: 'error',
          message: `You have reached your ${what} limit.`,
          errorType: 'RATE_LIMIT',
          correlationId: randomUUID(),
          policyName: policy,
          groupName: 'publicapi:private-app:fake',
        },
      };
    },
    handle(ctx) {
      if (opts.dailyLimit !== undefined && !isSearch(ctx.method, ctx.path)) {
        if (dailyUsed >= opts.dailyLimit) return dailyReply();
        dailyUsed++;
      }
      return route(ctx);
    },
  });

  /** The DAILY answer once the fake's own budget is spent. */
  function dailyReply(): Reply {
    return {
      status: 429,
      body: { status: 'error', message: 'You have reached your daily limit.', errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName: 'DAILY' },
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

  function unknownProperties(segment: string, props: Record<string, unknown>): string[] {
    const known = properties.get(segment) ?? new Set();
    return Object.keys(props).filter((p) => !known.has(p));
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

  /** 403 MISSING_SCOPES, as HubSpot answers a call the token has no scope for. */
  function missingScopes(scopes: string[]): Reply {
    return {
      status: 403,
      body: {
        status: 'error',
        message: "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
        correlationId: randomUUID(),
        errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: scopes } }],
        links: { scopes: 'https://developers.hubspot.com/scopes' },
        category: 'MISSING_SCOPES',
      },
    };
  }

  function update(objectType: string, segment: string, id: string, props: Record<string, unknown>): Reply | undefined {
    const card = cards.get(`${objectType}:${id}`);
    if (!card) return notFound(`Object not found. objectId are usually numeric.`);
    const unknown = unknownProperties(segment, props);
    if (unknown.length) return propertyDoesntExist(unknown);
    for (const [k, v] of Object.entries(props)) card[k] = typeof v === 'string' ? v : String(v);
    return undefined;
  }

  function route(ctx: FakeContext): Reply {
    const m = ctx.path.match(/^\/crm\/v3\/(objects|properties)\/([a-z]+)(?:\/(.+))?$/);
    if (!m) return notFound(`No route ${ctx.path}`);
    const [, kind, segment, rest] = m;
    const objectType = SEGMENTS[segment];
    if (!objectType) return notFound(`Unknown object type ${segment}`);
    const body = (ctx.body ?? {}) as Record<string, any>;

    if (kind === 'properties') {
      if (ctx.method === 'GET' && rest?.startsWith('groups/')) {
        const name = rest.slice('groups/'.length);
        return groups.get(segment)?.has(name) ? { status: 200, body: { name, label: name } } : notFound(`group ${name} not found`);
      }
      const schemaScope = `crm.schemas.${segment}.write`;
      if (ctx.method === 'POST' && !hasScope(schemaScope)) return missingScopes([schemaScope]);
      if (ctx.method === 'POST' && rest === 'groups') {
        if (groups.get(segment)?.has(body.name)) return { status: 409, body: { status: 'error', category: 'CONFLICT', message: `A property group named '${body.name}' already exists.`, correlationId: randomUUID() } };
        groups.get(segment)?.add(body.name);
        return { status: 201, body: { name: body.name, label: body.label } };
      }
      if (ctx.method === 'GET' && !rest) return { status: 200, body: { results: [...(properties.get(segment) ?? [])].map((name) => ({ name })) } };
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
      return { status: errors.length ? 207 : 200, body: { status: 'COMPLETE', results, ...(errors.length ? { errors, numErrors: errors.length } : {}) } };
    }
    if (ctx.method === 'POST' && rest === 'batch/update') {
      if ((body.inputs ?? []).length > 100) return { status: 400, body: { status: 'error', category: 'VALIDATION_ERROR', message: 'Batch too large' } };
      // A property the account lacks fails the whole batch (multi-status 207 is for per-record errors), nothing written.
      const unknownInBatch = [...new Set((body.inputs ?? []).flatMap((i: { properties?: Record<string, unknown> }) => unknownProperties(segment, i.properties ?? {})))] as string[];
      if (unknownInBatch.length) return propertyDoesntExist(unknownInBatch);
      const results = [];
      const errors = [];
      const injected = batchFailures;
      batchFailures = undefined;
      for (const input of body.inputs ?? []) {
        const id = String(input.id);
        if (injected?.ids.has(id)) {
          errors.push({ status: 'error', category: injected.category, message: 'Record could not be updated', context: { ids: [id] } });
          continue;
        }
        const failed = update(objectType, segment, id, input.properties ?? {});
        if (failed) {
          const b = failed.body as { category: string; message: string };
          errors.push({ status: 'error', category: b.category, message: b.message, context: { ids: [id] } });
          continue;
        }
        results.push(record(objectType, id, Object.keys(input.properties ?? {})));
      }
      return { status: errors.length ? 207 : 200, body: { status: 'COMPLETE', results, ...(errors.length ? { errors, numErrors: errors.length } : {}) } };
    }
    if (ctx.method === 'POST' && rest === 'search') {
      const filter = body.filterGroups?.[0]?.filters?.[0];
      const after = Number(filter?.value ?? 0);
      const offset = Number(body.after ?? 0);
      const size = Math.min(Number(body.limit ?? 10), 200);
      const hits = [...created.entries()]
        .filter(([key, at]) => key.startsWith(`${objectType}:`) && at > after)
        .sort((a, b) => a[1] - b[1]);
      const page = hits.slice(offset, offset + size).map(([key, at]) => ({ id: key.split(':')[1], properties: { createdate: new Date(at).toISOString() }, createdAt: new Date(at).toISOString() }));
      const next = offset + size < hits.length ? { next: { after: String(offset + size) } } : undefined;
      return { status: 200, body: { total: hits.length, results: page, ...(next ? { paging: next } : {}) } };
    }
    if (rest && !rest.includes('/')) {
      if (ctx.method === 'GET') {
        const wanted = (ctx.query.get('properties') ?? '').split(',').filter(Boolean);
        const r = record(objectType, rest, wanted);
        return r ? { status: 200, body: r } : notFound('Object not found. objectId are usually numeric.');
      }
      if (ctx.method === 'PATCH') {
        const failed = update(objectType, segment, rest, body.properties ?? {});
        return failed ?? { status: 200, body: record(objectType, rest, Object.keys(body.properties ?? {})) };
      }
    }
    return notFound();
  }

  return Object.assign(base, {
    cards,
    properties,
    groups,
    seed(objectType: 'company' | 'contact', id: string, props: Props, createdAt = new Date()) {
      cards.set(`${objectType}:${id}`, { ...props });
      created.set(`${objectType}:${id}`, createdAt.getTime());
    },
    failInBatch(ids: string[], category = 'INTERNAL_ERROR') {
      batchFailures = { ids: new Set(ids), category };
    },
  });
}

/** The card properties Verrijk may write, for tests that check nothing else changed. */
export function cbsProperties(props: Props): Props {
  return Object.fromEntries(Object.entries(props).filter(([k]) => k.startsWith('cbs_')));
}
