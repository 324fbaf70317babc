import type { LeadRef } from '../../leads/identity.js';
import { type AdapterBaseOptions, type CardWrite, type CrmAdapter, type CrmLead, type PerLead, perLead, type WriteProgress } from '../adapter.js';
import { accountIdOf } from '../account-id.js';
import { CrmError } from '../crm-error.js';
import { idSegment } from '../object-id.js';
import { createCrmHttp, type CrmHttp } from '../http.js';
import { mappedProperties } from '../mapping.js';
import { fromFieldValue, toFieldValue, unwritable } from './field-values.js';
import { createFieldDirectory, type FieldDirectoryOptions, type PipedriveField } from './fields.js';
import { createPipedriveThrottle, pipedriveClassify, pipedriveObservation } from './limits.js';
import { listPipedriveChangedSince, listPipedrivePage, listPipedriveSince } from './list.js';

/**
 * Pipedrive API v2 (research §2.3): organizations are read and written with
 * `custom_fields` keyed by 40-character field codes; a person is enriched on
 * its organization. The token goes in the `x-api-token` header, never in a
 * URL (the v1 `?api_token=` leaks into every access log).
 */

export interface PipedriveAdapterOptions extends AdapterBaseOptions {
  baseUrl: string;
  apiToken: string;
  /** While the daily token budget is spent, how often one request checks whether it has reset (default 1 h). */
  budgetProbeMs?: number;
  /** The plan's custom fields per company for an account (its customFieldLimit, else PIPEDRIVE_CUSTOM_FIELD_LIMIT); undefined = unknown. */
  customFieldLimit?: FieldDirectoryOptions['customFieldLimit'];
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
    throttle: createPipedriveThrottle({ probeMs: options.budgetProbeMs ?? 3_600_000 }),
    classify: pipedriveClassify,
    timeouts: options.timeouts,
    maxWaitMs: options.maxWaitMs,
    credentialsFor: options.credentialsFor,
  });
  const fields = createFieldDirectory(http, { customFieldLimit: options.customFieldLimit });
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
        const v = f ? fromFieldValue(custom[f.key], f) : null;
        if (v !== null) return v;
      }
      return null;
    };
    const current: Record<string, string | null> = {};
    for (const name of mapped) {
      const f = byName.get(name.toLowerCase());
      current[name] = f ? fromFieldValue(custom[f.key], f) : null;
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

  /** The mapped fields, refusing (before anything is written) one of a type no card value can go into. */
  async function writableFields(accountId: string, signal?: AbortSignal) {
    const ensured = await fields.ensure(accountId, mapped, signal);
    for (const field of ensured.fields.values()) {
      const why = unwritable(field);
      if (why) throw new CrmError('pipedrive', { kind: 'permanent' }, why);
    }
    return ensured;
  }

  async function writeCards(accountId: string, writes: CardWrite[], signal?: AbortSignal, progress?: WriteProgress): Promise<PerLead<true>> {
    if (!writes.length) return new Map();
    const { fields: byName } = await writableFields(accountId, signal);
    return perLead(writes, (w) => w.ref, async (w) => {
      const orgId = w.target?.objectId ?? w.ref.objectId;
      const custom: Record<string, unknown> = {};
      const unfit: string[] = [];
      for (const [name, value] of Object.entries(w.properties)) {
        const field = byName.get(name);
        if (!field) continue;
        const converted = toFieldValue(field, value);
        // This lead's value does not fit (no such dropdown option): its own failure, nothing written for it;
        // a restore writes the other fields and reports this one (M7).
        if (!converted.ok && !w.onUnfit) throw new CrmError('pipedrive', { kind: 'permanent', status: 422 }, converted.why);
        if (!converted.ok) unfit.push(converted.why);
        else custom[field.key] = converted.value;
      }
      if (unfit.length && !Object.keys(custom).length) throw new CrmError('pipedrive', { kind: 'permanent', status: 422 }, unfit.join('; '));
      for (const why of unfit) w.onUnfit?.(why);
      await http.send(accountId, { op: 'update', method: 'PATCH', path: `/api/v2/organizations/${idSegment('pipedrive', orgId)}`, body: { custom_fields: custom }, signal });
      return true as const;
    }, progress);
  }

  return {
    source: 'pipedrive',
    http,
    readLeads,
    writeCards,
    async ensureProperties(accountId, signal) {
      const { fields: byName, created } = await writableFields(accountId, signal);
      return { crm: 'pipedrive', created, existing: [...byName.keys()].filter((n) => !created.includes(n)) };
    },
    // The webhooks cover organization and person creation: the sweep lists both.
    catchupTypes: ['organization', 'person'],
    listSince: (accountId, objectType, since, limit, signal) => listPipedriveSince(http, accountId, objectType, since, limit, signal),
    listChangedSince: (accountId, objectType, since, limit, signal) => listPipedriveChangedSince(http, accountId, objectType, since, limit, signal),
    listPage: (accountId, objectType, page, signal) => listPipedrivePage(http, accountId, objectType, page, signal),
    // `GET /api/v1/users/me` states the company the token's user is bound to (API reference,
    // Users getCurrentUser: "bound company data: company ID, company name, and domain").
    // Without a likely account to key the call by: '' (the limiter keys by credential).
    async ownAccount(signal, likely) {
      const res = await http.send<{ data?: { company_id?: unknown } }>(likely ?? '', { op: 'account', method: 'GET', path: '/api/v1/users/me', signal });
      const accountId = accountIdOf('pipedrive', res.body?.data?.company_id, 'data.company_id');
      if (accountId !== likely) await http.countIn(accountId);
      return accountId;
    },
  };
}

/** Kept for callers of the old name: a field value as text. */
export const customValue = (raw: unknown, field: PipedriveField) => fromFieldValue(raw, field);
