import type { CrmFailure } from '../crm-error.js';
import { parseRetryAfter } from '../../outbound/retry.js';
import { nextMidnight } from '../clock.js';
import { numberHeader, type Throttle } from '../http.js';
import type { RateLimitObservation } from '../rate-limiter.js';

/**
 * Pipedrive's limits (pipedrive.readme.io/docs/core-api-concepts-rate-limiting,
 * token-based version; research §2.4):
 * - burst: a rolling 2 s window per token, with `x-ratelimit-limit`,
 *   `-remaining` and `-reset` on every answer;
 * - a daily token budget per company. When it is spent every request gets a
 *   429 "until the budget resets at the start of the next day", at midnight in
 *   Pipedrive's server time zone, which "may not be aligned" with the
 *   customer's. No header tells that 429 from a burst one or says when the
 *   day ends. So a 429 while the burst window still had room, or a second 429
 *   right after waiting out a burst one, means the day's budget is gone; the
 *   account then waits until midnight UTC (the zone Pipedrive's docs name for
 *   its daily counters) but sends one probe every `probeMs` before that, so
 *   an earlier server midnight is found within the hour, not a day late;
 * - `x-daily-requests-left` (POST/PUT only, UTC): 0 likewise ends the day;
 * - clients that keep sending despite 429s get 403 pages from Cloudflare:
 *   a block to wait out, not a bad token (a bad token is Pipedrive's own 401).
 */

/** How long a Cloudflare block is waited out (undocumented; Cloudflare's blocks run minutes). */
export const CLOUDFLARE_BLOCK_MS = 5 * 60_000;

export function pipedriveObservation(headers: Headers, now = new Date()): RateLimitObservation {
  const reset = numberHeader(headers, 'x-ratelimit-reset');
  const dailyRemaining = numberHeader(headers, 'x-daily-requests-left');
  return {
    limit: numberHeader(headers, 'x-ratelimit-limit'),
    remaining: numberHeader(headers, 'x-ratelimit-remaining'),
    resetMs: reset === undefined ? undefined : reset * 1000,
    dailyRemaining,
    dailyResetAt: dailyRemaining === undefined ? undefined : nextMidnight(now, 'UTC'),
  };
}

export interface PipedriveThrottleOptions {
  /** While the budget is spent, one request checks this often whether it has reset. */
  probeMs: number;
}

/** Reads Pipedrive's 429s; remembers, per account, until when the last burst pause ran. */
export function createPipedriveThrottle(options: PipedriveThrottleOptions) {
  const burstUntil = new Map<string, number>();
  return function pipedriveThrottle(headers: Headers, _body: unknown, now: number, accountId: string): Throttle {
    const remaining = numberHeader(headers, 'x-ratelimit-remaining');
    const dailyLeft = numberHeader(headers, 'x-daily-requests-left');
    const after = burstUntil.get(accountId);
    // A 429 again within a window of the last burst pause ending: the window is clear, the budget is not.
    const persisted = after !== undefined && now >= after && now - after < 10_000;
    if ((remaining !== undefined && remaining > 0) || dailyLeft === 0 || persisted) {
      burstUntil.delete(accountId);
      const midnight = nextMidnight(new Date(now), 'UTC').getTime();
      return { until: new Date(Math.min(midnight, now + options.probeMs)), policy: 'DAILY', daily: true };
    }
    const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
    const reset = numberHeader(headers, 'x-ratelimit-reset');
    const waitMs = Math.max(retryAfter ?? (reset !== undefined ? reset * 1000 : 2_000), 250);
    burstUntil.set(accountId, now + waitMs);
    if (burstUntil.size > 10_000) burstUntil.delete(burstUntil.keys().next().value as string);
    return { until: new Date(now + waitMs), policy: 'BURST', daily: false };
  };
}

/** Cloudflare's 403 (HTML, `server: cloudflare`), not Pipedrive's JSON: a block after a 429 storm. */
export function pipedriveClassify(status: number, headers: Headers, body: unknown, now: number): CrmFailure | undefined {
  if (status !== 403) return undefined;
  const pipedriveJson = body !== null && typeof body === 'object' && 'success' in body;
  const cloudflare = /cloudflare/i.test(headers.get('server') ?? '') || headers.has('cf-ray');
  if (pipedriveJson || !cloudflare) return undefined;
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  return { kind: 'rate_limited', until: new Date(now + (retryAfter ?? CLOUDFLARE_BLOCK_MS)), policy: 'CLOUDFLARE_403' };
}
