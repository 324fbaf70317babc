import type { LeadInput } from '../../enrich/types.js';
import type { LeadRef } from '../../leads/identity.js';
import { type AdapterBaseOptions, type CardWrite, type CrmAdapter, type CrmLead, type PerLead, perLead, type WriteProgress } from '../adapter.js';
import { parseRetryAfter } from '../../outbound/retry.js';
import { idSegment } from '../object-id.js';
import { kvkProfileOf } from './kvk-profile.js';
import { createCrmHttp, type CrmHttp, numberHeader } from '../http.js';
import { mappedProperties } from '../mapping.js';

/**
 * Any CRM with a plain REST surface: `GET {GENERIC_CRM_URL}/leads/{id}` returns
 * the lead (bare or as `{ "lead": … }`, same fields as the generic webhook),
 * `PATCH` the same URL with the mapped properties as a flat JSON object.
 * Bearer token. Rate-limit headers in the common `X-RateLimit-*` / `Retry-After`
 * style are honoured when the CRM sends them.
 */

export interface GenericAdapterOptions extends AdapterBaseOptions {
  crmUrl: string;
  crmToken?: string;
}

export type GenericAdapter = CrmAdapter & { http: CrmHttp };

export function createGenericAdapter(options: GenericAdapterOptions): GenericAdapter {
  const http = createCrmHttp({
    crm: 'generic',
    baseUrl: options.crmUrl,
    authHeaders: options.crmToken ? { authorization: `Bearer ${options.crmToken}` } : {},
    limiter: options.limiter,
    metrics: options.metrics,
    logger: options.logger,
    observe: (h) => {
      const reset = numberHeader(h, 'x-ratelimit-reset');
      return { limit: numberHeader(h, 'x-ratelimit-limit'), remaining: numberHeader(h, 'x-ratelimit-remaining'), resetMs: reset === undefined ? undefined : reset * 1000 };
    },
    throttle: (h, _body, now) => {
      const wait = parseRetryAfter(h.get('retry-after'), now) ?? (numberHeader(h, 'x-ratelimit-reset') ?? 1) * 1000;
      return { until: new Date(now + Math.max(wait, 100)), policy: '429', daily: false };
    },
    timeouts: options.timeouts,
    maxWaitMs: options.maxWaitMs,
  });
  const mapped = mappedProperties(options.mapping);

  async function readLeads(accountId: string, refs: LeadRef[], signal?: AbortSignal): Promise<PerLead<CrmLead>> {
    return perLead(refs, (ref) => ref, async (ref) => {
      const res = await http.send<Record<string, unknown>>(accountId, { op: 'read', method: 'GET', path: `/leads/${idSegment('generic', ref.objectId)}`, signal });
      const raw = res.body && typeof res.body === 'object' ? res.body : {};
      const lead = (raw.lead && typeof raw.lead === 'object' ? raw.lead : raw) as Record<string, unknown>;
      const current: Record<string, string | null> = {};
      for (const prop of mapped) current[prop] = typeof lead[prop] === 'string' && lead[prop] !== '' ? (lead[prop] as string) : null;
      return { ref, input: genericInput(lead), current };
    });
  }

  async function writeCards(accountId: string, writes: CardWrite[], signal?: AbortSignal, progress?: WriteProgress): Promise<PerLead<true>> {
    return perLead(
      writes,
      (w) => w.ref,
      async (w) => {
        await http.send(accountId, { op: 'update', method: 'PATCH', path: `/leads/${idSegment('generic', w.ref.objectId)}`, body: w.properties, signal });
        return true as const;
      },
      progress,
    );
  }

  return {
    source: 'generic',
    http,
    readLeads,
    writeCards,
    // A plain REST CRM has no schema API: properties are just keys in the PATCH body.
    async ensureProperties() {
      return { crm: 'generic', existing: mapped, created: [] };
    },
  };
}

/** The generic lead shape (DESIGN.md): sbi, kvk.sbiActiviteiten, industry, employees, company, domain, postcode (or zip). */
export function genericInput(lead: Record<string, unknown>): LeadInput {
  const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
  const kvk = lead.kvk && typeof lead.kvk === 'object' ? (lead.kvk as Record<string, unknown>) : undefined;
  return {
    sbi: str(lead.sbi),
    // Bounded and flat (kvk-profile.ts): whatever the CRM nests there is neither stored nor serialised (L4).
    kvkSbi: kvk?.sbiActiviteiten === undefined || kvk.sbiActiviteiten === null ? undefined : kvkProfileOf({ sbiActiviteiten: kvk.sbiActiviteiten }),
    industry: str(lead.industry),
    employees: typeof lead.employees === 'number' ? lead.employees : str(lead.employees),
    company: str(lead.company),
    domain: str(lead.domain),
    postcode: str(lead.postcode ?? lead.zip),
  };
}
