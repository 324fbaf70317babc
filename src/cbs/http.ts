import { type Agent, errors as undiciErrors, request } from 'undici';
import { createAgent, type HttpTimeouts } from '../outbound/agent.js';
import { type BackoffPolicy, backoffDelay, parseRetryAfter, sleep as realSleep } from '../outbound/retry.js';

/**
 * GETs JSON from CBS with explicit timeouts, a bounded connection pool and
 * retries (exponential backoff with jitter) on what CBS is known to do:
 * connection resets mid-feed, 5xx, 429 and timeouts. A 4xx other than 429 and
 * a body that is not valid JSON are not retried: asking again will not help.
 * A `Retry-After` (seconds or a date) replaces the backoff, up to `maxDelayMs`.
 */

export interface RetryPolicy extends BackoffPolicy {
  /** Extra attempts after the first. */
  retries: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 500, maxDelayMs: 15_000 };

export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 60_000 };

/** A request to CBS that failed for good. The message names the table and the URL. */
export class CbsFetchError extends Error {
  constructor(
    readonly tableId: string,
    readonly url: string,
    readonly attempts: number,
    readonly reason: string,
    readonly status?: number,
  ) {
    super(`CBS table ${tableId}: GET ${url} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`);
    this.name = 'CbsFetchError';
  }
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}`);
  }
}

class BadBodyError extends Error {}

/** CBS's connection pool: a few connections, generous timeouts (feed pages are large and slow). */
export function createCbsAgent(timeouts: HttpTimeouts = DEFAULT_TIMEOUTS, connections = 4): Agent {
  return createAgent({ ...timeouts, connections, keepAliveMs: 10_000 });
}

export interface GetJsonOptions {
  agent: Agent;
  retry: RetryPolicy;
  tableId: string;
  /** Called before each retry (for logs and progress). */
  onRetry?: (info: { url: string; attempt: number; delayMs: number; reason: string }) => void;
  /** Injectable for tests; defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** GET `url` and parse its JSON body, retrying transient failures. Throws CbsFetchError when it gives up. */
export async function getJson(url: string, options: GetJsonOptions): Promise<unknown> {
  const sleep = options.sleep ?? realSleep;
  const maxAttempts = options.retry.retries + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await getOnce(url, options.agent);
    } catch (err) {
      const reason = describe(err);
      const status = err instanceof HttpStatusError ? err.status : undefined;
      if (!isRetryable(err) || attempt >= maxAttempts) {
        throw new CbsFetchError(options.tableId, url, attempt, reason, status);
      }
      const retryAfter = err instanceof HttpStatusError ? err.retryAfterMs : undefined;
      const delayMs = Math.min(options.retry.maxDelayMs, retryAfter ?? backoffDelay(options.retry, attempt, options.random));
      options.onRetry?.({ url, attempt, delayMs, reason });
      await sleep(delayMs);
    }
  }
}

async function getOnce(url: string, agent: Agent): Promise<unknown> {
  const res = await request(url, {
    method: 'GET',
    dispatcher: agent,
    headers: { accept: 'application/json', 'user-agent': 'verrijk (CBS StatLine cache)' },
  });
  if (res.statusCode < 200 || res.statusCode >= 300) {
    // Drain so the connection can be reused; the body of an error page is not needed.
    await res.body.text().catch(() => undefined);
    throw new HttpStatusError(res.statusCode, parseRetryAfter(res.headers['retry-after']));
  }
  const text = await res.body.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new BadBodyError(`body is not JSON (${text.length} bytes, starts with ${JSON.stringify(text.slice(0, 40))})`);
  }
}

function isRetryable(err: unknown): boolean {
  if (err instanceof HttpStatusError) return err.status >= 500 || err.status === 429 || err.status === 408;
  if (err instanceof BadBodyError) return false;
  if (err instanceof undiciErrors.InvalidArgumentError) return false;
  // Connection resets, refused connections, "other side closed" and every undici timeout.
  return true;
}

function describe(err: unknown): string {
  if (err instanceof HttpStatusError || err instanceof BadBodyError) return err.message;
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return code ? `${code} ${err.message}` : err.message;
  }
  return String(err);
}
