import { randomBytes } from 'node:crypto';
import { type FakeBase, type FakeContext, type Reply, startFakeBase } from './crm-fake-base.js';

/**
 * A fake Pipedrive API v2: organizations with `custom_fields` keyed by
 * 40-character field codes, organizationFields (list, create), persons with
 * their `org_id`, the organization list by `updated_since`, burst headers
 * (`x-ratelimit-*`, rolling 2 s by default) and the token checked in the
 * `x-api-token` header. A token in a URL is refused, so a leak fails tests.
 */

export interface FakePipedriveOptions {
  token?: string;
  limit?: number;
  windowMs?: number;
  port?: number;
}

export interface Organization {
  id: number;
  name: string;
  custom_fields: Record<string, unknown>;
  /** API v2: the address parts in one object (`postal_code`, `locality`, …). */
  address?: { value?: string | null; postal_code?: string | null; locality?: string | null } | null;
  add_time: string;
  update_time: string;
}

export interface FakePipedrive extends FakeBase {
  /** Organizations by id (the lead cards). */
  cards: Map<string, Organization>;
  persons: Map<string, { id: number; name: string; org_id: number | null }>;
  fields: Array<{ field_code: string; field_name: string; field_type: string; options?: Array<{ id: number; label: string }> }>;
  addField(name: string, type?: string, options?: Array<{ id: number; label: string }>): string;
  fieldKey(name: string): string | undefined;
  seedOrganization(id: number, name: string, custom?: Record<string, unknown>, addedAt?: Date): void;
  seedPerson(id: number, name: string, orgId: number | null): void;
  /** An organization's custom fields by field NAME, for readable assertions. */
  customByName(id: number | string): Record<string, unknown>;
}

export async function startFakePipedrive(opts: FakePipedriveOptions = {}): Promise<FakePipedrive> {
  const token = opts.token ?? 'fake-pipedrive-api-token-0123456789';
  const limit = opts.limit ?? 20;
  const windowMs = opts.windowMs ?? 2_000;
  const cards = new Map<string, Organization>();
  const persons = new Map<string, { id: number; name: string; org_id: number | null }>();
  const fields: FakePipedrive['fields'] = [];

  const addField = (name: string, type = 'varchar', options?: Array<{ id: number; label: string }>) => {
    const field_code = randomBytes(20).toString('hex');
    fields.push({ field_code, field_name: name, field_type: type, ...(options ? { options } : {}) });
    return field_code;
  };

  const base = await startFakeBase({
    limit,
    windowMs,
    port: opts.port,
    authorized: (h, url) => h['x-api-token'] === token && !url.searchParams.has('api_token'),
    unauthorized: { status: 401, body: { success: false, error: 'unauthorized access', errorCode: 401 } },
    limitHeaders: (ctx) => ({
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - ctx.inWindow)),
      'x-ratelimit-reset': String(Math.ceil(ctx.resetMs / 1000)),
    }),
    tooMany: (_ctx, failure) => ({ status: 429, headers: failure?.headers, body: { success: false, error: 'Request over limit', errorCode: 429 } }),
    handle: route,
  });

  function route(ctx: FakeContext): Reply {
    const body = (ctx.body ?? {}) as Record<string, any>;
    if (ctx.path === '/api/v2/organizationFields') {
      if (ctx.method === 'GET') return { status: 200, body: { success: true, data: fields, additional_data: { next_cursor: null } } };
      if (ctx.method === 'POST') {
        if (!body.field_name || !body.field_type) return { status: 400, body: { success: false, error: 'field_name and field_type are required' } };
        const code = addField(body.field_name, body.field_type);
        return { status: 200, body: { success: true, data: fields.find((f) => f.field_code === code) } };
      }
    }
    if (ctx.path === '/api/v2/organizations' && ctx.method === 'GET') {
      const since = Date.parse(ctx.query.get('updated_since') ?? '1970-01-01T00:00:00Z');
      const data = [...cards.values()].filter((o) => Date.parse(o.update_time) >= since).sort((a, b) => a.update_time.localeCompare(b.update_time));
      return { status: 200, body: { success: true, data, additional_data: { next_cursor: null } } };
    }
    let m = ctx.path.match(/^\/api\/v2\/organizations\/(\d+)$/);
    if (m) {
      const org = cards.get(m[1]);
      if (!org) return { status: 404, body: { success: false, error: 'Organization not found', errorCode: 404 } };
      if (ctx.method === 'GET') return { status: 200, body: { success: true, data: org } };
      if (ctx.method === 'PATCH') {
        const custom = (body.custom_fields ?? {}) as Record<string, unknown>;
        const unknown = Object.keys(custom).filter((k) => !fields.some((f) => f.field_code === k));
        if (unknown.length) return { status: 400, body: { success: false, error: `Unknown custom field ${unknown[0]}`, errorCode: 400 } };
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
    cards,
    persons,
    fields,
    addField,
    fieldKey: (name: string) => fields.find((f) => f.field_name.toLowerCase() === name.toLowerCase())?.field_code,
    seedOrganization(id: number, name: string, custom: Record<string, unknown> = {}, addedAt = new Date()) {
      cards.set(String(id), { id, name, custom_fields: { ...custom }, add_time: stamp(addedAt), update_time: stamp(addedAt) });
    },
    seedPerson(id: number, name: string, orgId: number | null) {
      persons.set(String(id), { id, name, org_id: orgId });
    },
    customByName(id: number | string) {
      const org = cards.get(String(id));
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(org?.custom_fields ?? {})) out[fields.find((f) => f.field_code === k)?.field_name ?? k] = v;
      return out;
    },
  });
}
