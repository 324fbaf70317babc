import { CrmError } from '../crm-error.js';
import type { CrmHttp } from '../http.js';

/**
 * Pipedrive custom fields are keyed by random 40-character codes; people know
 * them by name. This finds fields by name (case-insensitive), creates the
 * mapped ones that are missing, and caches the answer for a few minutes.
 */

export interface PipedriveField {
  key: string;
  name: string;
  type?: string;
  options?: Array<{ id: number | string; label: string }>;
}

interface RawField {
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

export interface FieldDirectory {
  /** Fields by lower-cased name. */
  byName(accountId: string, signal?: AbortSignal): Promise<Map<string, PipedriveField>>;
  /** These fields by name, creating the missing ones (text fields). */
  ensure(accountId: string, names: string[], signal?: AbortSignal): Promise<{ fields: Map<string, PipedriveField>; created: string[] }>;
}

/**
 * One directory per credential (`http` carries one API token): the fields are the
 * token's company's, whatever account id a webhook named. Keyed by that id, a sender
 * naming N company ids made N field listings and N cache entries (review 2026-12, old 8).
 */
/** How a refused field creation begins: the pipeline pauses the account on it instead of dead-lettering its leads. */
export const FIELD_ROOM_PREFIX = 'pipedrive field setup refused: ';

export function createFieldDirectory(http: CrmHttp): FieldDirectory {
  let cache: { at: number; fields: Map<string, PipedriveField> } | undefined;

  async function load(accountId: string, signal?: AbortSignal): Promise<Map<string, PipedriveField>> {
    const fields = new Map<string, PipedriveField>();
    let cursor: string | undefined;
    const cursors = new Set<string>();
    do {
      // A repeated cursor (a broken Pipedrive or proxy) used to page for ever, holding the batch and its lease.
      if (cursor !== undefined) {
        if (cursors.has(cursor) || cursors.size >= MAX_FIELD_PAGES) {
          throw new CrmError('pipedrive', { kind: 'retry' }, `pipedrive fields: organizationFields ${cursors.has(cursor) ? 'repeated a next_cursor' : `has more than ${MAX_FIELD_PAGES} pages`}; listing stopped`);
        }
        cursors.add(cursor);
      }
      const qs = `limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await http.send<FieldsPage>(accountId, { op: 'fields', method: 'GET', path: `/api/v2/organizationFields?${qs}`, signal });
      for (const f of res.body?.data ?? []) {
        const key = f.field_code ?? f.key;
        const name = f.field_name ?? f.name;
        if (key && name) fields.set(name.trim().toLowerCase(), { key, name, type: f.field_type, options: f.options ?? undefined });
      }
      cursor = res.body?.additional_data?.next_cursor ?? undefined;
    } while (cursor);
    cache = { at: Date.now(), fields };
    return fields;
  }

  async function byName(accountId: string, signal?: AbortSignal) {
    return cache && Date.now() - cache.at < CACHE_MS ? cache.fields : load(accountId, signal);
  }

  async function ensure(accountId: string, names: string[], signal?: AbortSignal) {
    let fields = await byName(accountId, signal);
    // A field someone created a minute ago is not in the cache yet: reload once before creating a duplicate.
    if (names.some((n) => !fields.has(n.toLowerCase()))) fields = await load(accountId, signal);
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
