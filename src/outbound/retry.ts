/**
 * The retry toolbox every outbound HTTP client shares (CBS, the CRMs): an
 * abortable sleep, exponential backoff with jitter, and `Retry-After` read in
 * both of its forms (RFC 9110 §10.2.3: delay-seconds or an HTTP-date). What to
 * retry and how often is each client's own decision; these are the pieces.
 */

/** Resolves after `ms`, or rejects with the signal's reason when `signal` aborts first. */
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

export interface BackoffPolicy {
  /** The ceiling of the first retry's delay; it doubles per attempt. */
  baseDelayMs: number;
  /** No delay is longer than this. */
  maxDelayMs: number;
}

/**
 * The delay before retry number `attempt` (1-based): the ceiling doubles per
 * attempt up to `maxDelayMs`, and the delay is drawn from its upper half. The
 * jitter spreads the retries of several instances so they do not hit a server
 * in step; the floor keeps a retry from coming back almost at once.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * The longest delay any `Retry-After` means here, whatever it says (callers cap
 * it further: CRM_MAX_PAUSE_MS, the CBS retry policy). Past this a date is no
 * longer a pause but a mistake, and `99999999999999` seconds is not even a
 * valid Date (`RangeError: Invalid time value`).
 */
export const RETRY_AFTER_CEILING_MS = 48 * 60 * 60 * 1000;

/**
 * `Retry-After` as delay-seconds or an HTTP-date, in ms from `now` (at most two
 * days; a date in the past is 0); undefined when absent or malformed. Takes a
 * header as undici gives it too: of a repeated header the first value counts.
 */
export function parseRetryAfter(value: string | string[] | undefined | null, now = Date.now()): number | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (!first) return undefined;
  const trimmed = first.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Math.round(Number(trimmed) * 1000);
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Number.isFinite(ms) ? Math.min(ms, RETRY_AFTER_CEILING_MS) : RETRY_AFTER_CEILING_MS;
}
