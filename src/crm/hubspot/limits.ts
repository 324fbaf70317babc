import { parseRetryAfter } from '../../outbound/retry.js';
import { nextMidnight } from '../clock.js';
import { numberHeader, type Throttle } from '../http.js';
import type { RateLimitObservation } from '../rate-limiter.js';

/**
 * HubSpot's rate-limit headers and 429 bodies (research §1.6). The daily budget
 * resets at midnight in the account's time zone; HubSpot does not say when in
 * the headers, so the adapter is told the zone (Dutch teams: Europe/Amsterdam).
 */

export function hubspotObservation(headers: Headers, timeZone: string, now = new Date()): RateLimitObservation {
  const dailyRemaining = numberHeader(headers, 'x-hubspot-ratelimit-daily-remaining');
  return {
    limit: numberHeader(headers, 'x-hubspot-ratelimit-max'),
    windowMs: numberHeader(headers, 'x-hubspot-ratelimit-interval-milliseconds'),
    remaining: numberHeader(headers, 'x-hubspot-ratelimit-remaining'),
    dailyLimit: numberHeader(headers, 'x-hubspot-ratelimit-daily'),
    dailyRemaining,
    dailyResetAt: dailyRemaining === undefined ? undefined : nextMidnight(now, timeZone),
  };
}

const HUBSPOT_POLICIES = new Set(['TEN_SECONDLY_ROLLING', 'SECONDLY', 'DAILY']);

/** A 429: `policyName` says which limit; Retry-After, when sent, wins (IETF rule). */
export function hubspotThrottle(headers: Headers, body: unknown, now: number, timeZone: string): Throttle {
  const policyName = body && typeof body === 'object' ? (body as { policyName?: unknown }).policyName : undefined;
  // Only the policies HubSpot documents: the name becomes a metric label and a stored pause reason.
  const policy = typeof policyName === 'string' && HUBSPOT_POLICIES.has(policyName) ? policyName : '429';
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  const interval = numberHeader(headers, 'x-hubspot-ratelimit-interval-milliseconds') ?? 10_000;
  if (policy === 'DAILY') {
    const until = retryAfter !== undefined ? new Date(now + retryAfter) : nextMidnight(new Date(now), timeZone);
    return { until, policy, daily: true };
  }
  if (policy === 'SECONDLY') return { until: new Date(now + Math.max(retryAfter ?? 0, 1_000)), policy, daily: false };
  // TEN_SECONDLY_ROLLING or unknown: the whole interval, so the rolling window is clear again.
  return { until: new Date(now + Math.max(retryAfter ?? 0, interval)), policy, daily: false };
}
