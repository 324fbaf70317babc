/**
 * CRM clocks: the midnight at which a CRM's daily budget resets (HubSpot: the
 * account's time zone, which for Dutch teams is Europe/Amsterdam; Pipedrive:
 * its server's), and a pause capped at the longest we wait. `Retry-After` and
 * `sleep` live with the other retry pieces in src/outbound/retry.ts.
 */

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
