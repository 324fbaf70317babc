/**
 * Time arithmetic for rate limits: `Retry-After` in both of its forms, and the
 * midnight at which a CRM's daily budget resets (HubSpot: the account's time
 * zone, which for Dutch teams is Europe/Amsterdam; Pipedrive: its server's).
 */

/**
 * The longest delay any `Retry-After` means here, whatever it says (the limiter
 * and the CRM client cap it further, at CRM_MAX_PAUSE_MS). Past this a date is
 * no longer a pause but a mistake, and `99999999999999` seconds is not even a
 * valid Date (`RangeError: Invalid time value`).
 */
export const RETRY_AFTER_CEILING_MS = 48 * 60 * 60 * 1000;

/** `Retry-After` as delay-seconds or an HTTP-date, in ms from `now` (at most two days); undefined when absent or malformed. */
export function parseRetryAfter(value: string | undefined | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Math.round(Number(trimmed) * 1000);
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Number.isFinite(ms) ? Math.min(ms, RETRY_AFTER_CEILING_MS) : RETRY_AFTER_CEILING_MS;
}

/** `until`, or `now + maxMs` when it is later than that or not a valid date at all. */
export function capUntil(until: Date, now: number, maxMs: number): Date {
  const t = until.getTime();
  return Number.isFinite(t) && t - now <= maxMs ? until : new Date(now + maxMs);
}

/** How far `timeZone`'s wall clock is ahead of UTC at `date`, in ms. */
function offsetMs(date: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(date);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(date.getTime() / 1000) * 1000;
}

/** The next midnight on `timeZone`'s wall clock after `now`. */
export function nextMidnight(now: Date, timeZone = 'UTC'): Date {
  const local = new Date(now.getTime() + offsetMs(now, timeZone));
  const wallMidnight = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1);
  // The offset at midnight may differ from now's (a DST switch tonight): use midnight's own.
  const guess = new Date(wallMidnight - offsetMs(now, timeZone));
  return new Date(wallMidnight - offsetMs(guess, timeZone));
}

/** Resolves after `ms`, or rejects when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
