import type { LeadRef } from '../../jobs/types.js';
import { type AdapterBaseOptions, type CardWrite, type CrmAdapter, CrmError, type CrmLead, type ListedLead, type PerLead, perLead, refKey, type WriteProgress } from '../adapter.js';
import { idSegment } from '../object-id.js';
import { createCrmHttp, type CrmHttp } from '../http.js';
import { mappedProperties } from '../mapping.js';
import { createFieldDirectory, type PipedriveField } from './fields.js';
import { pipedriveObservation, pipedriveThrottle } from './limits.js';

/**
 * Pipedrive API v2 (research §2.3): organizations are read and written with
 * `custom_fields` keyed by 40-character field codes; a person is enriched on
 * its organization. The token goes in the `x-api-token` header, never in a
 * URL (the v1 `?api_token=` leaks into every access log).
 */

export interface PipedriveAdapterOptions extends AdapterBaseOptions {
  baseUrl: string;
  apiToken: string;
}

/** The input fields, by the names people give them (DESIGN.md "Reading the lead"). */
const SBI_FIELDS = ['sbi code', 'sbi-code', 'sbi'];
const INDUSTRY_FIELDS = ['industry', 'branche'];
const EMPLOYEE_FIELDS = ['employees', 'aantal medewerkers'];
/** A custom postcode field, when the organization's own address has no postal code. */
const POSTCODE_FIELDS = ['postcode', 'zip', 'postal code'];

interface Organization {
  id: number | string;
  name?: string | null;
  custom_fields?: Record<string, unknown> | null;
  /** API v2 groups the address parts in one object. */
  address?: { postal_code?: string | null } | null;
  add_time?: string;
  update_time?: string;
}

interface Person {
  id: number | string;
  org_id?: number | string | { value?: number | string } | null;
}

export type PipedriveAdapter = CrmAdapter & { http: CrmHttp };

export function createPipedriveAdapter(options: PipedriveAdapterOptions): PipedriveAdapter {
  const http = createCrmHttp({
    crm: 'pipedrive',
    baseUrl: options.baseUrl,
    authHeaders: { 'x-api-token': options.apiToken },
    limiter: options.limiter,
    metrics: options.metrics,
    logger: options.logger,
    observe: (h) => pipedriveObservation(h),
    throttle: pipedriveThrottle,
    timeouts: options.timeouts,
    maxWaitMs: options.maxWaitMs,
  });
  const fields = createFieldDirectory(http);
  const mapped = mappedProperties(options.mapping);

  async function readOne(accountId: string, ref: LeadRef, signal?: AbortSignal): Promise<CrmLead> {
    let orgId = ref.objectId;
    let target: CrmLead['target'];
    if (ref.objectType === 'person') {
      const person = await http.send<{ data?: Person }>(accountId, { op: 'read', method: 'GET', path: `/api/v2/persons/${idSegment('pipedrive', ref.objectId)}`, signal });
      const org = person.body?.data?.org_id;
      const id = org && typeof org === 'object' ? org.value : org;
      if (id === undefined || id === null || id === '') {
        throw new CrmError('pipedrive', { kind: 'permanent', status: 422 }, `pipedrive: person ${ref.objectId} belongs to no organization`);
      }
      orgId = String(id);
      target = { objectType: 'organization', objectId: orgId };
    } else if (ref.objectType !== 'organization') {
      throw new CrmError('pipedrive', { kind: 'permanent' }, `pipedrive: object type ${ref.objectType} is not enriched`);
    }
    const res = await http.send<{ data?: Organization }>(accountId, { op: 'read', method: 'GET', path: `/api/v2/organizations/${idSegment('pipedrive', orgId)}`, signal });
    const org = res.body?.data ?? { id: orgId };
    const byName = await fields.byName(accountId, signal);
    const custom = org.custom_fields ?? {};
    const valueOf = (names: string[]) => {
      for (const n of names) {
        const f = byName.get(n);
        const v = f ? customValue(custom[f.key], f) : null;
        if (v !== null) return v;
      }
      return null;
    };
    const current: Record<string, string | null> = {};
    for (const name of mapped) {
      const f = byName.get(name.toLowerCase());
      current[name] = f ? customValue(custom[f.key], f) : null;
    }
    return {
      ref,
      target,
      input: {
        sbi: valueOf(SBI_FIELDS),
        industry: valueOf(INDUSTRY_FIELDS),
        employees: valueOf(EMPLOYEE_FIELDS),
        company: org.name ?? null,
        postcode: (typeof org.address?.postal_code === 'string' && org.address.postal_code.trim()) || valueOf(POSTCODE_FIELDS),
      },
      current,
    };
  }

  async function readLeads(accountId: string, refs: LeadRef[], signal?: AbortSignal): Promise<PerLead<CrmLead>> {
    return perLead(refs, (ref) => ref, (ref) => readOne(accountId, ref, signal));
  }

  async function writeCards(accountId: string, writes: CardWrite[], signal?: AbortSignal, progress?: WriteProgress): Promise<PerLead<true>> {
    if (!writes.length) return new Map();
    const { keys } = await fields.ensure(accountId, mapped, signal);
    return perLead(writes, (w) => w.ref, async (w) => {
      const orgId = w.target?.objectId ?? w.ref.objectId;
      const custom: Record<string, string> = {};
      for (const [name, value] of Object.entries(w.properties)) {
        const key = keys.get(name);
        if (key) custom[key] = value;
      }
      await http.send(accountId, { op: 'update', method: 'PATCH', path: `/api/v2/organizations/${idSegment('pipedrive', orgId)}`, body: { custom_fields: custom }, signal });
      return true as const;
    }, progress);
  }

  async function listCreatedSince(accountId: string, since: Date, limit: number, signal?: AbortSignal): Promise<ListedLead[]> {
    const out: ListedLead[] = [];
    let cursor: string | undefined;
    do {
      const qs = new URLSearchParams({ updated_since: since.toISOString().replace(/\.\d{3}Z$/, 'Z'), sort_by: 'update_time', sort_direction: 'asc', limit: '100' });
      if (cursor) qs.set('cursor', cursor);
      const res = await http.send<{ data?: Organization[]; additional_data?: { next_cursor?: string | null } }>(accountId, {
        op: 'list',
        method: 'GET',
        path: `/api/v2/organizations?${qs}`,
        signal,
      });
      for (const org of res.body?.data ?? []) {
        // updated_since is the only filter: keep the ones actually created after `since`.
        const added = org.add_time ? new Date(org.add_time) : undefined;
        if (!added || Number.isNaN(added.getTime()) || added <= since) continue;
        out.push({ ref: { source: 'pipedrive', accountId, objectType: 'organization', objectId: String(org.id) }, createdAt: added.toISOString() });
      }
      cursor = res.body?.additional_data?.next_cursor ?? undefined;
    } while (cursor && out.length < limit);
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).slice(0, limit);
  }

  return {
    source: 'pipedrive',
    http,
    readLeads,
    writeCards,
    async ensureProperties(accountId, signal) {
      const { keys, created } = await fields.ensure(accountId, mapped, signal);
      return { crm: 'pipedrive', created, existing: [...keys.keys()].filter((n) => !created.includes(n)) };
    },
    listCreatedSince,
  };
}

/** A custom field's value as text: plain values, v2 typed objects (`{type, value}`), enum option ids → labels. */
export function customValue(raw: unknown, field: PipedriveField): string | null {
  let v = raw;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as { value?: unknown; id?: unknown };
    v = o.value !== undefined ? o.value : o.id;
  }
  if (v === null || v === undefined || v === '') return null;
  if ((field.type === 'enum' || field.type === 'set') && field.options) {
    const label = field.options.find((opt) => String(opt.id) === String(v))?.label;
    if (label) return label;
  }
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
}
