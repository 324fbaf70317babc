import { nextMidnight, parseRetryAfter } from '../clock.js';
import { numberHeader, type Throttle } from '../http.js';
import type { RateLimitObservation } from '../rate-limiter.js';

/**
 * Pipedrive's burst headers (rolling 2 s window per token) and its daily
 * budget (research §2.4). No header tells a burst 429 from a spent daily
 * budget; the documented heuristic: a 429 while the burst window still has
 * room, or `x-daily-requests-left: 0`, means the day is over (midnight UTC).
 */

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

export function pipedriveThrottle(headers: Headers, _body: unknown, now: number): Throttle {
  const remaining = numberHeader(headers, 'x-ratelimit-remaining');
  const dailyLeft = numberHeader(headers, 'x-daily-requests-left');
  if ((remaining !== undefined && remaining > 0) || dailyLeft === 0) {
    return { until: nextMidnight(new Date(now), 'UTC'), policy: 'DAILY', daily: true };
  }
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  const reset = numberHeader(headers, 'x-ratelimit-reset');
  const waitMs = retryAfter ?? (reset !== undefined ? reset * 1000 : 2_000);
  return { until: new Date(now + Math.max(waitMs, 250)), policy: 'BURST', daily: false };
}
