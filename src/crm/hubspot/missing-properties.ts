import type { Logger } from '../../logger.js';
import { type CardWrite, type CrmAdapter, type PerLead, refKey, type WriteProgress } from '../adapter.js';
import { CrmError } from '../crm-error.js';
import type { CrmHttp } from '../http.js';
import type { HubspotPaths } from './paths.js';
import { ensureHubspotSegment } from './properties.js';

/**
 * The write path creates the mapped `cbs_*` properties itself, as Pipedrive's
 * does its fields: an account whose admin never ran `npm run crm:ensure` gets
 * its cards written on first contact. When HubSpot refuses a write because a
 * property does not exist (400 VALIDATION_ERROR, PROPERTY_DOESNT_EXIST; a batch
 * is refused whole), the group and properties of that object type are created
 * once per account (every request under the shared rate limiter) and the
 * refused writes are sent again.
 *
 * Creating properties needs the `crm.schemas.<type>.write` scope. A token
 * without it gets 403 MISSING_SCOPES: that is logged once per account and
 * object type, and the writes become a long retry (SETUP_RECHECK_MS) whose
 * error starts with SETUP_WAIT_PREFIX, so the jobs wait (within the retry
 * window) instead of dying, and the readiness check and status page can name
 * the problem (src/ops/crm-setup.ts). Once someone adds the scope or runs
 * `crm:ensure`, the next attempt writes.
 */

export const PROPERTY_DOESNT_EXIST = 'PROPERTY_DOESNT_EXIST';
/** How long the writes of an account that cannot create its properties wait before the next try. */
export const SETUP_RECHECK_MS = 10 * 60_000;
/** How the last error of a job waiting for CRM setup begins. */
export const SETUP_WAIT_PREFIX = 'waiting for CRM setup: ';

type WriteCards = CrmAdapter['writeCards'];

export interface PropertyCreationOptions {
  http: CrmHttp;
  paths: HubspotPaths;
  /** The mapped card properties (HubSpot names). */
  properties: string[];
  /** Our object type → HubSpot's path segment (`company` → `companies`). */
  segmentOf(objectType: string): string;
  logger: Logger;
  now?: () => number;
}

export function isMissingProperty(err: unknown): err is CrmError {
  return err instanceof CrmError && err.codes.includes(PROPERTY_DOESNT_EXIST);
}

/** `write`, plus: create what HubSpot says is missing, then send the refused writes once more. */
export function withPropertyCreation(write: WriteCards, options: PropertyCreationOptions): WriteCards {
  const { http, properties, logger } = options;
  const now = options.now ?? Date.now;
  // Per `${accountId}:${segment}`: the creation in flight or done (reused for a while: once per account),
  // and the missing scope (until a recheck).
  const created = new Map<string, { at: number; done: Promise<void> }>();
  const blocked = new Map<string, { until: number; error: CrmError }>();

  async function ensure(accountId: string, segment: string, signal?: AbortSignal): Promise<CrmError | undefined> {
    const key = `${accountId}:${segment}`;
    const block = blocked.get(key);
    if (block && now() < block.until) return block.error;
    let entry = created.get(key);
    if (!entry || now() - entry.at > SETUP_RECHECK_MS) {
      const done = ensureHubspotSegment(http, options.paths, accountId, segment, properties, signal).then((report) => {
        if (report.created.length) logger.info({ crm: 'hubspot', accountId, created: report.created }, 'HubSpot: created the missing mapped properties');
      });
      entry = { at: now(), done };
      created.set(key, entry);
      done.catch(() => created.get(key) === entry && created.delete(key));
    }
    try {
      await entry.done;
      blocked.delete(key);
      return undefined;
    } catch (err) {
      if (!(err instanceof CrmError) || !err.codes.includes('MISSING_SCOPES')) throw err;
      const scope = `crm.schemas.${segment}.write`;
      const until = now() + SETUP_RECHECK_MS;
      const error = new CrmError(
        'hubspot',
        { kind: 'retry', notBefore: new Date(until) },
        `${SETUP_WAIT_PREFIX}hubspot account ${accountId}: the mapped properties do not exist on ${segment} and the token lacks ${scope} to create them; add that scope to the app or run npm run crm:ensure with a token that has it`,
      );
      // One line per account and object type until it is resolved, not one per job.
      if (!block) logger.error({ crm: 'hubspot', accountId, segment, scope }, error.message);
      blocked.set(key, { until, error });
      return error;
    }
  }

  /** A batch refused whole for a missing property is that failure for each of its writes. */
  async function attempt(accountId: string, writes: CardWrite[], signal?: AbortSignal, progress?: WriteProgress): Promise<PerLead<true>> {
    // The pipeline settles what progress hears; a missing property is held back for the second try.
    const forward: WriteProgress | undefined =
      progress &&
      (async (results) => {
        const settled = new Map([...results].filter(([, r]) => !isMissingProperty(r)));
        if (settled.size) await progress(settled);
      });
    try {
      return await write(accountId, writes, signal, forward);
    } catch (err) {
      if (!isMissingProperty(err)) throw err;
      return new Map(writes.map((w) => [refKey(w.ref), err]));
    }
  }

  return async function writeCards(accountId, writes, signal, progress) {
    const result = await attempt(accountId, writes, signal, progress);
    const bySegment = new Map<string, CardWrite[]>();
    for (const w of writes) {
      if (!isMissingProperty(result.get(refKey(w.ref)))) continue;
      const segment = options.segmentOf(w.ref.objectType);
      bySegment.set(segment, [...(bySegment.get(segment) ?? []), w]);
    }
    const again: CardWrite[] = [];
    for (const [segment, group] of bySegment) {
      const problem = await ensure(accountId, segment, signal);
      if (problem) for (const w of group) result.set(refKey(w.ref), problem);
      else again.push(...group);
    }
    if (!again.length) return result;
    const second = await attempt(accountId, again, signal, progress);
    for (const w of again) {
      const r = second.get(refKey(w.ref));
      // Just created: a property HubSpot does not show yet is worth another go later, not a dead letter.
      result.set(refKey(w.ref), isMissingProperty(r) ? new CrmError('hubspot', { kind: 'retry' }, r.message, r.codes) : (r ?? new CrmError('hubspot', { kind: 'retry' }, `hubspot: no write result for ${w.ref.objectId}`)));
    }
    return result;
  };
}
