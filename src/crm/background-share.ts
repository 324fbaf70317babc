import { AsyncLocalStorage } from 'node:async_hooks';
import type { RateLimitSpec } from '../config.js';

/**
 * Background work (a backfill, the scheduled refresh of out-of-date cards) may use only a share of a
 * CRM account's rate-limit window, so new leads and the account's other integrations keep headroom
 * (issue 27). Work runs "in the background" inside `asBackground(share, fn)`; every CRM request it
 * makes (crm/http.ts) then takes a grant from a second budget of the same account, `…:background`,
 * whose limit is `share` of the account's limit, before the account's own. A background request
 * therefore counts in both windows, and background requests never fill more than `share` of one.
 */

const store = new AsyncLocalStorage<{ share: number }>();

/** Runs `fn` as background work limited to `share` (0 < share ≤ 1) of each CRM budget it uses. */
export function asBackground<T>(share: number, fn: () => Promise<T>): Promise<T> {
  return store.run({ share }, fn);
}

/** The share in force for the current work; undefined outside background work. */
export function backgroundShare(): number | undefined {
  return store.getStore()?.share;
}

/** The background budget of a spec: `share` of its limit over the same window, at least one request. */
export function backgroundSpec(spec: RateLimitSpec, share: number): RateLimitSpec {
  return { limit: Math.max(1, Math.floor(spec.limit * share)), windowMs: spec.windowMs };
}
