import { randomBytes } from 'node:crypto';
import { type FakeBase, type FakeContext, type Reply, startFakeBase } from './crm-fake-base.js';
import { type BudgetOptions, cloudflareBlock, createBudget, overLimit } from './pipedrive-budget.js';
import { type FakeField, rejectValue } from './pipedrive-fields.js';

/**
 * A fake Pipedrive API v2 as Pipedrive documents it: organizations and
 * persons with `custom_fields` keyed by 40-character field codes,
 * organizationFields (list, create) with types and options by id, the
 * company's other custom-field listings (person, deal, product) and the plan's
 * cap on custom fields across them, values
 * checked by type (pipedrive-fields.ts), lists with cursor pagination
 * (`limit` ≤ 500, `cursor`, `additional_data.next_cursor`, `sort_by`
 * id|update_time|add_time, `updated_since`: v2 API reference in
 * `pipedrive/client-nodejs` src/versions/v2/api/organizations-api.ts and
 * persons-api.ts), burst headers on a rolling 2 s window per token, the daily
 * token budget and the 429 → 403 escalation (pipedrive-budget.ts), and the
 * token in the `x-api-token` header. A token in a URL is refused, so a leak
 * fails tests. `GET /api/v1/users/me` answers the token's user and the company
 * it is bound to (API reference, Users getCurrentUser: "bound company data:
 * company ID, company name, and domain"; `company_id` is a number).
 */

export interface FakePipedriveOptions extends BudgetOptions {
  token?: string;
  limit?: number;
  windowMs?: number;
  port?: number;
  /** The company the token's user is bound to (`GET /api/v1/users/me` → `data.company_id`). */
  companyId?: number;
  /**
   * The plan's cap on custom fields per company — organization, person, deal and product
   * fields together (Lite 30, research F-P5); a create past it is refused. Pipedrive's exact
   * answer is not documented (research: UNVERIFIED): a 403 here. `setCustomFieldLimit` changes it.
   */
  customFieldLimit?: number;
}

/** The v2 field listings besides organizationFields; their custom fields count against the same cap. */
export type OtherFieldListing = 'personFields' | 'dealFields' | 'productFields';

/**
 * Pipedrive's own organization fields, listed before the custom ones with `is_custom_field: false`
 * (API v2 field object: `field_code`, `field_name`, `field_type`, `is_custom_field`; the client's
 * organization-fields-api.ts). They never count against the plan's cap.
 */
const BUILT_IN_ORGANIZATION_FIELDS = [
  { field_code: 'name', field_name: 'Name', field_type: 'varchar', options: null, is_custom_field: false },
  { field_code: 'owner_id', field_name: 'Owner', field_type: 'user', options: null, is_custom_field: false },
  { field_code: 'address', field_name: 'Address', field_type: 'address', options: null, is_custom_field: false },
];

export interface Organization {
  id: number;
  name: string;
  custom_fields: Record<string, unknown>;
  /** API v2: the address parts in one object (`postal_code`, `locality`, …). */
  address?: { value?: string | null; postal_code?: string | null; locality?: string | null } | null;
  add_time: string;
  update_time: string;
}

export interface Person {
  id: number;
  name: string;
  org_id: number | null;
  /** Set by seedPerson; a test may put a bare person in `persons`. */
  add_time?: string;
  update_time?: string;
}

export interface FakePipedrive extends FakeBase {
  /** Organizations by id (the lead cards). */
  cards: Map<string, Organization>;
  persons: Map<string, Person>;
  fields: FakeField[];
  addField(name: string, type?: string, options?: Array<{ id: number; label: string }>): string;
  fieldKey(name: string): string | undefined;
  /** Custom fields of persons, deals and products (the company's other custom fields). */
  otherFields: Record<OtherFieldListing, FakeField[]>;
  addOtherField(listing: OtherFieldListing, name: string): string;
  /** The plan's cap on all custom fields; undefined = none. */
  setCustomFieldLimit(limit: number | undefined): void;
  /** All the company's custom fields (organization, person, deal, product). */
  customFieldCount(): number;
  seedOrganization(id: number, name: string, custom?: Record<string, unknown>, addedAt?: Date, updatedAt?: Date): void;
  seedPerson(id: number, name: string, orgId: number | null, addedAt?: Date, updatedAt?: Date): void;
  /** An organization's custom fields by field NAME, for readable assertions. */
  customByName(id: number | string): Record<string, unknown>;
  /** Tokens spent today, and a test's midnight. */
  budgetUsed(): number;
  resetBudget(): void;
  /**
   * GETs whose path matches answer an empty page whose `next_cursor` is the cursor
   * just asked for (or a first one): a Pipedrive, or a proxy, that repeats itself
   * (review 2026-12, M4). `null` turns it off.
   */
  repeatCursor(path: RegExp | null): void;
}

const MAX_LIMIT = 500;
const cursorOf = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');
const offsetOf = (cursor: string | null) => (cursor ? Number(Buffer.from(cursor, 'base64url').toString('utf8').replace(/^offset:/, '')) || 0 : 0);

export async function startFakePipedrive(opts: FakePipedriveOptions = {}): Promise<FakePipedrive> {
  const token = opts.token ?? 'fake-pipedrive-api-token-0123456789';
  const limit = opts.limit ?? 20;
  const windowMs = opts.windowMs ?? 2_000;
  const cards = new Map<string, Organization>();
  const persons = new Map<string, Person>();
  const fields: FakeField[] = [];
  const otherFields: Record<OtherFieldListing, FakeField[]> = { personFields: [], dealFields: [], productFields: [] };
  let customFieldLimit = opts.customFieldLimit;
  const customFieldCount = () => fields.length + Object.values(otherFields).reduce((n, list) => n + list.length, 0);
  const budget = createBudget(opts);
  let repeating: RegExp | null = null;
  const companyId = opts.companyId ?? 13_000_001;
  const me = {
    id: 9_000_001,
    name: 'Verrijk Integratie',
    email: 'integratie@example.nl',
    lang: 1,
    locale: 'nl_NL',
    timezone_name: 'Europe/Amsterdam',
    timezone_offset: '+01:00',
    default_currency: 'EUR',
    active_flag: true,
    is_admin: 1,
    company_id: companyId,
    company_name: 'Voorbeeld B.V.',
    company_domain: 'voorbeeld',
    company_country: 'NL',
    company_industry: 'IT',
    language: { language_code: 'nl', country_code: 'NL' },
  };

  const addField = (name: string, type = 'varchar', options?: Array<{ id: number; label: string }>) => {
    const field_code = randomBytes(20).toString('hex');
    fields.push({ field_code, field_name: name, field_type: type, options: options ?? null });
    return field_code;
  };
  const addOtherField = (listing: OtherFieldListing, name: string) => {
    const field_code = randomBytes(20).toString('hex');
    otherFields[listing].push({ field_code, field_name: name, field_type: 'varchar', options: null });
    return field_code;
  };
  /** One page of a field listing (v2 cursor paging, `limit` ≤ 500), custom fields marked as such. */
  const fieldPage = (ctx: FakeContext, all: Array<FakeField & { is_custom_field?: boolean }>): Reply => {
    const size = Math.min(Number(ctx.query.get('limit') ?? 100) || 100, MAX_LIMIT);
    const offset = offsetOf(ctx.query.get('cursor'));
    const next = offset + size < all.length ? cursorOf(offset + size) : null;
    const data = all.slice(offset, offset + size).map((f) => ({ is_custom_field: true, ...f }));
    return { status: 200, body: { success: true, data, additional_data: { next_cursor: next } } };
  };
  const tooMany = (failure?: { headers?: Record<string, string> }): Reply => {
    budget.noteTooMany();
    return { ...overLimit, headers: failure?.headers };
  };

  const base = await startFakeBase({
    limit,
    windowMs,
    port: opts.port,
    authorized: (h, url) => h['x-api-token'] === token && !url.searchParams.has('api_token'),
    unauthorized: { status: 401, body: { success: false, error: 'unauthorized access', errorCode: 401 } },
    gate: () => (budget.blocked() ? cloudflareBlock() : undefined),
    limitHeaders: (ctx) => ({
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - ctx.inWindow)),
      'x-ratelimit-reset': String(Math.ceil(ctx.resetMs / 1000)),
      ...budget.postPutLeft(ctx.method),
    }),
    tooMany: (_ctx, failure) => tooMany(failure),
    handle: (ctx) => {
      if (!budget.charge(ctx.method, ctx.path)) return tooMany();
      if (ctx.method === 'GET' && ctx.path === '/api/v1/users/me') return { status: 200, body: { success: true, data: me } };
      if (repeating && ctx.method === 'GET' && repeating.test(ctx.path)) {
        return { status: 200, body: { success: true, data: [], additional_data: { next_cursor: ctx.query.get('cursor') ?? cursorOf(0) } } };
      }
      return route(ctx);
    },
  });

  function list<T extends { id: number; add_time?: string; update_time?: string }>(ctx: FakeContext, items: T[]): Reply {
    const since = ctx.query.get('updated_since');
    const sortBy = (ctx.query.get('sort_by') ?? 'id') as 'id' | 'update_time' | 'add_time';
    if (!['id', 'update_time', 'add_time'].includes(sortBy)) return { status: 400, body: { success: false, error: `sort_by ${sortBy} is not supported`, errorCode: 400 } };
    const dir = ctx.query.get('sort_direction') === 'desc' ? -1 : 1;
    const size = Math.min(Number(ctx.query.get('limit') ?? 100) || 100, MAX_LIMIT);
    const offset = offsetOf(ctx.query.get('cursor'));
    const key = (o: T) => (sortBy === 'id' ? o.id : Date.parse(o[sortBy] ?? '') || 0);
    const data = items
      .filter((o) => !since || Date.parse(o.update_time ?? '') >= Date.parse(since))
      .sort((a, b) => dir * (key(a) - key(b)) || a.id - b.id);
    const page = data.slice(offset, offset + size);
    const next = offset + size < data.length ? cursorOf(offset + size) : null;
    return { status: 200, body: { success: true, data: page, additional_data: { next_cursor: next } } };
  }

  function route(ctx: FakeContext): Reply {
    const body = (ctx.body ?? {}) as Record<string, any>;
    if (ctx.path === '/api/v2/organizationFields') {
      if (ctx.method === 'GET') return fieldPage(ctx, [...BUILT_IN_ORGANIZATION_FIELDS, ...fields]);
      if (ctx.method === 'POST') {
        if (!body.field_name || !body.field_type) return { status: 400, body: { success: false, error: 'field_name and field_type are required' } };
        if (customFieldLimit !== undefined && customFieldCount() >= customFieldLimit) {
          return { status: 403, body: { success: false, error: 'Custom field limit of your plan reached', errorCode: 403 } };
        }
        const code = addField(body.field_name, body.field_type);
        return { status: 200, body: { success: true, data: fields.find((f) => f.field_code === code) } };
      }
    }
    const listing = ctx.path.match(/^\/api\/v2\/(personFields|dealFields|productFields)$/)?.[1] as OtherFieldListing | undefined;
    if (listing && ctx.method === 'GET') return fieldPage(ctx, otherFields[listing]);
    if (ctx.path === '/api/v2/organizations' && ctx.method === 'GET') return list(ctx, [...cards.values()]);
    if (ctx.path === '/api/v2/persons' && ctx.method === 'GET') return list(ctx, [...persons.values()]);
    let m = ctx.path.match(/^\/api\/v2\/organizations\/(\d+)$/);
    if (m) {
      const org = cards.get(m[1]);
      if (!org) return { status: 404, body: { success: false, error: 'Organization not found', errorCode: 404 } };
      if (ctx.method === 'GET') return { status: 200, body: { success: true, data: org } };
      if (ctx.method === 'PATCH') {
        const custom = (body.custom_fields ?? {}) as Record<string, unknown>;
        for (const [code, value] of Object.entries(custom)) {
          const field = fields.find((f) => f.field_code === code);
          if (!field) return { status: 400, body: { success: false, error: `Unknown custom field ${code}`, errorCode: 400 } };
          const why = rejectValue(field, value);
          if (why) return { status: 400, body: { success: false, error: `Invalid value for custom field ${why}`, errorCode: 400 } };
        }
        Object.assign(org.custom_fields, custom);
        org.update_time = new Date().toISOString();
        return { status: 200, body: { success: true, data: org } };
      }
    }
    m = ctx.path.match(/^\/api\/v2\/persons\/(\d+)$/);
    if (m && ctx.method === 'GET') {
      const person = persons.get(m[1]);
      return person ? { status: 200, body: { success: true, data: person } } : { status: 404, body: { success: false, error: 'Person not found', errorCode: 404 } };
    }
    return { status: 404, body: { success: false, error: `No route ${ctx.method} ${ctx.path}` } };
  }

  const stamp = (d: Date) => d.toISOString();
  return Object.assign(base, {
    repeatCursor(path: RegExp | null) {
      repeating = path;
    },
    cards,
    persons,
    fields,
    addField,
    otherFields,
    addOtherField,
    setCustomFieldLimit(limit: number | undefined) {
      customFieldLimit = limit;
    },
    customFieldCount,
    fieldKey: (name: string) => fields.find((f) => f.field_name.toLowerCase() === name.toLowerCase())?.field_code,
    seedOrganization(id: number, name: string, custom: Record<string, unknown> = {}, addedAt = new Date(), updatedAt = addedAt) {
      cards.set(String(id), { id, name, custom_fields: { ...custom }, add_time: stamp(addedAt), update_time: stamp(updatedAt) });
    },
    seedPerson(id: number, name: string, orgId: number | null, addedAt = new Date(), updatedAt = addedAt) {
      persons.set(String(id), { id, name, org_id: orgId, add_time: stamp(addedAt), update_time: stamp(updatedAt) });
    },
    customByName(id: number | string) {
      const org = cards.get(String(id));
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(org?.custom_fields ?? {})) out[fields.find((f) => f.field_code === k)?.field_name ?? k] = v;
      return out;
    },
    budgetUsed: () => budget.used(),
    resetBudget: () => budget.reset(),
  });
}
