import { CrmError } from '../crm-error.js';
import type { CrmHttp } from '../http.js';

/**
 * Pipedrive custom fields are keyed by random 40-character codes; people know
 * them by name. This finds fields by name (case-insensitive), creates the
 * mapped ones that are missing, and caches the answer for a few minutes.
 *
 * A plan caps custom fields per company, across organizations, persons, deals and
 * products (Lite 30, Growth 100, Premium 300, Ultimate 500; research F-P5), and the
 * API does not say which plan a company has. When the operator states the cap (the
 * account's `customFieldLimit`, or PIPEDRIVE_CUSTOM_FIELD_LIMIT), the company's custom
 * fields are counted before anything is created, and a setup that does not fit is
 * refused whole: no field half-created, the account paused with the numbers.
 */

export interface PipedriveField {
  key: string;
  name: string;
  type?: string;
  options?: Array<{ id: number | string; label: string }>;
}

interface RawField {
  /** API v2: true for a company's own fields, false for Pipedrive's (name, owner, address…). */
  is_custom_field?: boolean;
  field_code?: string;
  key?: string;
  field_name?: string;
  name?: string;
  field_type?: string;
  options?: Array<{ id: number | string; label: string }> | null;
}

interface FieldsPage {
  data?: RawField[];
  additional_data?: { next_cursor?: string | null };
}

const CACHE_MS = 5 * 60_000;
/** 500 fields a page: 10,000 fields is far beyond any real account, and the end of a listing that never ends. */
const MAX_FIELD_PAGES = 20;

/** The field listings of API v2 whose custom fields count against the plan's cap (all of the company's). */
export const CUSTOM_FIELD_LISTINGS = ['organizationFields', 'personFields', 'dealFields', 'productFields'] as const;

/** A custom field's code is 40 hex characters; Pipedrive's own fields have names (`name`, `owner_id`). */
const CUSTOM_CODE = /^[0-9a-f]{40}$/;
const isCustom = (f: RawField) => f.is_custom_field ?? CUSTOM_CODE.test(f.field_code ?? f.key ?? '');

export interface FieldDirectoryOptions {
  /** The plan's custom fields per company for this account; undefined = unknown (create, and let a refusal pause it). */
  customFieldLimit?: (accountId: string, signal?: AbortSignal) => Promise<number | undefined>;
}

export interface FieldDirectory {
  /** Fields by lower-cased name. */
  byName(accountId: string, signal?: AbortSignal): Promise<Map<string, PipedriveField>>;
  /** These fields by name, creating the missing ones (text fields). */
  ensure(accountId: string, names: string[], signal?: AbortSignal): Promise<{ fields: Map<string, PipedriveField>; created: string[] }>;
}

/** How a refused field creation begins: the pipeline pauses the account on it instead of dead-lettering its leads. */
export const FIELD_ROOM_PREFIX = 'pipedrive field setup refused: ';

/**
 * One directory per credential (`http` carries one API token): the fields are the
 * token's company's, whatever account id a webhook named. Keyed by that id, a sender
 * naming N company ids made N field listings and N cache entries (review 2026-12, old 8).
 */
export function createFieldDirectory(http: CrmHttp, options: FieldDirectoryOptions = {}): FieldDirectory {
  let cache: { at: number; fields: Map<string, PipedriveField>; custom: number } | undefined;

  /** Every field of one v2 listing, all pages. */
  async function list(accountId: string, listing: (typeof CUSTOM_FIELD_LISTINGS)[number], signal?: AbortSignal): Promise<RawField[]> {
    const all: RawField[] = [];
    let cursor: string | undefined;
    const cursors = new Set<string>();
    do {
      // A repeated cursor (a broken Pipedrive or proxy) used to page for ever, holding the batch and its lease.
      if (cursor !== undefined) {
        if (cursors.has(cursor) || cursors.size >= MAX_FIELD_PAGES) {
          throw new CrmError('pipedrive', { kind: 'retry' }, `pipedrive fields: ${listing} ${cursors.has(cursor) ? 'repeated a next_cursor' : `has more than ${MAX_FIELD_PAGES} pages`}; listing stopped`);
        }
        cursors.add(cursor);
      }
      const qs = `limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await http.send<FieldsPage>(accountId, { op: 'fields', method: 'GET', path: `/api/v2/${listing}?${qs}`, signal });
      all.push(...(res.body?.data ?? []));
      cursor = res.body?.additional_data?.next_cursor ?? undefined;
    } while (cursor);
    return all;
  }

  async function load(accountId: string, signal?: AbortSignal): Promise<Map<string, PipedriveField>> {
    const fields = new Map<string, PipedriveField>();
    const raw = await list(accountId, 'organizationFields', signal);
    for (const f of raw) {
      const key = f.field_code ?? f.key;
      const name = f.field_name ?? f.name;
      if (key && name) fields.set(name.trim().toLowerCase(), { key, name, type: f.field_type, options: f.options ?? undefined });
    }
    cache = { at: Date.now(), fields, custom: raw.filter(isCustom).length };
    return fields;
  }

  /**
   * Refuses, before anything is created, a setup that does not fit the plan: the company's
   * custom fields (the organization ones just listed, and those of persons, deals and
   * products) plus the `missing` ones against the account's limit. Fields Verrijk made
   * before are among the existing ones. Nothing is counted while the limit is unknown.
   */
  async function checkRoom(accountId: string, missing: string[], signal?: AbortSignal): Promise<void> {
    const limit = await options.customFieldLimit?.(accountId, signal);
    if (limit === undefined) return;
    let existing = cache?.custom ?? 0;
    for (const listing of CUSTOM_FIELD_LISTINGS.slice(1)) {
      let fields: RawField[];
      try {
        fields = await list(accountId, listing, signal);
      } catch (err) {
        // An OAuth app granted contacts and fields but not deals or products may not list their fields:
        // the room cannot be counted, and creating blind is what the limit was set to avoid.
        if (err instanceof CrmError && (err.failure.kind === 'permanent' || err.failure.kind === 'auth')) {
          throw new CrmError(
            'pipedrive',
            err.failure,
            `${FIELD_ROOM_PREFIX}listing ${listing} to count the company's custom fields against the plan's custom-field limit (${limit}) was refused (${err.failure.status ?? err.failure.kind}): nothing was created. Give the token read access to those fields (OAuth: the deals and products scopes), or clear customFieldLimit to create fields until Pipedrive refuses one; then resume the account`,
          );
        }
        throw err;
      }
      existing += fields.filter(isCustom).length;
    }
    if (existing + missing.length <= limit) return;
    const free = existing + missing.length - limit;
    throw new CrmError(
      'pipedrive',
      { kind: 'permanent' },
      `${FIELD_ROOM_PREFIX}the company has ${existing} custom fields, Verrijk needs ${missing.length} more (${missing.map((n) => `"${n}"`).join(', ')}) and the plan's custom-field limit is ${limit}: nothing was created. Delete ${free} unused custom field${free === 1 ? '' : 's'} in Pipedrive, or raise customFieldLimit after upgrading the plan, or map the card to existing fields with the account's mappingOverride; then resume the account`,
    );
  }

  async function byName(accountId: string, signal?: AbortSignal) {
    return cache && Date.now() - cache.at < CACHE_MS ? cache.fields : load(accountId, signal);
  }

  async function ensure(accountId: string, names: string[], signal?: AbortSignal) {
    let fields = await byName(accountId, signal);
    // A field someone created a minute ago is not in the cache yet: reload once before creating a duplicate.
    if (names.some((n) => !fields.has(n.toLowerCase()))) fields = await load(accountId, signal);
    const missing = names.filter((n) => !fields.has(n.toLowerCase()));
    if (missing.length) await checkRoom(accountId, missing, signal);
    const found = new Map<string, PipedriveField>();
    const created: string[] = [];
    for (const name of names) {
      let field = fields.get(name.toLowerCase());
      if (!field) {
        let res: Awaited<ReturnType<typeof http.send<{ data?: RawField }>>>;
        try {
          res = await http.send<{ data?: RawField }>(accountId, {
            op: 'fields',
            method: 'POST',
            path: '/api/v2/organizationFields',
            body: { field_name: name, field_type: 'varchar' },
            signal,
          });
        } catch (err) {
          // A plan caps custom fields per company (Lite 30, research F-P5), and only some users may add
          // them: a refusal concerns the account, not a lead. The pipeline pauses the account on it.
          if (err instanceof CrmError && (err.failure.kind === 'permanent' || err.failure.kind === 'auth')) {
            const status = err.failure.status ?? err.failure.kind;
            throw new CrmError('pipedrive', err.failure, `${FIELD_ROOM_PREFIX}creating the organization field "${name}" was refused (${status}): the plan's custom-field limit is reached, or the token's user may not add fields. Make room (or upgrade the plan, or map to existing fields), then resume the account`);
          }
          throw err;
        }
        const key = res.body?.data?.field_code ?? res.body?.data?.key;
        if (!key) throw new CrmError('pipedrive', { kind: 'retry' }, `pipedrive: creating field "${name}" returned no field code`);
        field = { key, name, type: 'varchar' };
        fields.set(name.toLowerCase(), field);
        created.push(name);
      }
      found.set(name, field);
    }
    return { fields: found, created };
  }

  return { byName, ensure };
}
