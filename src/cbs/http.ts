import { errors as undiciErrors, request } from 'undici';
import { createAgent, type HttpTimeouts, type OutboundAgent } from '../outbound/agent.js';
import { type BackoffPolicy, backoffDelay, parseRetryAfter, sleep as realSleep } from '../outbound/retry.js';

/**
 * GETs JSON from CBS with explicit timeouts, a bounded connection pool and
 * retries (exponential backoff with jitter) on what CBS is known to do:
 * connection resets mid-feed, 5xx, 429 and timeouts. A 4xx other than 429 and
 * a body that is not valid JSON are not retried: asking again will not help.
 * A `Retry-After` (seconds or a date) replaces the backoff, up to `maxDelayMs`.
 *
 * Bounds, because the other end may be a broken mirror, a captive proxy or a
 * hostile server at CBS_BASE_URL: an answer larger than `maxBytes` is refused
 * while it streams in (and not retried: it will be as large again), an error
 * page is drained without being kept, every request has an overall deadline
 * (`bodyTimeout` alone lets a server that sends one byte a minute go on for
 * ever), and the caller's `signal` (the refresh run's deadline) ends the
 * request and its retries at once.
 */

export interface RetryPolicy extends BackoffPolicy {
  /** Extra attempts after the first. */
  retries: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 500, maxDelayMs: 15_000 };

export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 60_000 };

/**
 * The largest answer read. The largest real page (a 10,000-row ODataFeed page
 * of 83583NED-sized rows) is a few MB; 64 MB leaves room for wider tables.
 */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** One request, headers to last byte, including a slow body. */
export const DEFAULT_REQUEST_DEADLINE_MS = 5 * 60_000;

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

class TooLargeError extends Error {}

/** The caller's signal ended the request (the run's deadline): not retried. */
class AbortedError extends Error {}

/** CBS's connection pool: a few connections, generous timeouts (feed pages are large and slow). */
export function createCbsAgent(timeouts: HttpTimeouts = DEFAULT_TIMEOUTS, connections = 4): OutboundAgent {
  return createAgent({ ...timeouts, connections, keepAliveMs: 10_000 });
}

export interface GetJsonOptions {
  agent: OutboundAgent;
  retry: RetryPolicy;
  tableId: string;
  /** Called before each retry (for logs and progress). */
  onRetry?: (info: { url: string; attempt: number; delayMs: number; reason: string }) => void;
  /** Injectable for tests; defaults to a real timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Bytes per answer; larger answers fail (default DEFAULT_MAX_BYTES). */
  maxBytes?: number;
  /** Per request, including its body (default DEFAULT_REQUEST_DEADLINE_MS). */
  requestDeadlineMs?: number;
  /** Ends the request and its retries (the refresh run's deadline). */
  signal?: AbortSignal;
}

/** GET `url` and parse its JSON body, retrying transient failures. Throws CbsFetchError when it gives up. */
export async function getJson(url: string, options: GetJsonOptions): Promise<unknown> {
  const sleep = options.sleep ?? realSleep;
  const maxAttempts = options.retry.retries + 1;
  const limits = {
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    deadlineMs: options.requestDeadlineMs ?? DEFAULT_REQUEST_DEADLINE_MS,
    signal: options.signal,
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return await getOnce(url, options.agent, limits);
    } catch (caught) {
      const err = options.signal?.aborted ? new AbortedError(`stopped: ${reasonOf(options.signal)}`) : caught;
      const reason = describe(err);
      const status = err instanceof HttpStatusError ? err.status : undefined;
      if (!isRetryable(err) || attempt >= maxAttempts) {
        throw new CbsFetchError(options.tableId, url, attempt, reason, status);
      }
      const retryAfter = err instanceof HttpStatusError ? err.retryAfterMs : undefined;
      const delayMs = Math.min(options.retry.maxDelayMs, retryAfter ?? backoffDelay(options.retry, attempt, options.random));
      options.onRetry?.({ url, attempt, delayMs, reason });
      try {
        await sleep(delayMs, options.signal);
      } catch {
        throw new CbsFetchError(options.tableId, url, attempt, `stopped: ${reasonOf(options.signal)}`, status);
      }
    }
  }
}

interface Limits {
  maxBytes: number;
  deadlineMs: number;
  signal?: AbortSignal;
}

async function getOnce(url: string, agent: OutboundAgent, limits: Limits): Promise<unknown> {
  const deadline = AbortSignal.timeout(limits.deadlineMs);
  const signal = limits.signal ? AbortSignal.any([limits.signal, deadline]) : deadline;
  const res = await request(url, {
    method: 'GET',
    dispatcher: await agent.dispatcher(),
    signal,
    headers: { accept: 'application/json', 'user-agent': 'verrijk (CBS StatLine cache)' },
  });
  if (res.statusCode < 200 || res.statusCode >= 300) {
    // The body of an error page is not needed: read a little (so a small page keeps the
    // connection reusable), then drop the connection rather than buffer a large one.
    await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    throw new HttpStatusError(res.statusCode, parseRetryAfter(res.headers['retry-after']));
  }
  const text = await readCapped(res.body, Number(res.headers['content-length']), limits.maxBytes);
  try {
    return JSON.parse(text);
  } catch {
    throw new BadBodyError(`body is not JSON (${text.length} bytes, starts with ${JSON.stringify(text.slice(0, 40))})`);
  }
}

/** The body as text, failing as soon as it declares or reaches more than `maxBytes`. */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }, declared: number, maxBytes: number): Promise<string> {
  const tooLarge = (n: string) => new TooLargeError(`answer larger than ${maxBytes} bytes (${n})`);
  if (Number.isFinite(declared) && declared > maxBytes) {
    body.destroy();
    throw tooLarge(`Content-Length ${declared}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw tooLarge(`${size} bytes read`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

function reasonOf(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason.message : String(reason ?? 'aborted');
}

function isRetryable(err: unknown): boolean {
  if (err instanceof HttpStatusError) return err.status >= 500 || err.status === 429 || err.status === 408;
  if (err instanceof BadBodyError || err instanceof TooLargeError || err instanceof AbortedError) return false;
  if (err instanceof undiciErrors.InvalidArgumentError) return false;
  // Connection resets, refused connections, "other side closed" and every undici timeout.
  return true;
}

function describe(err: unknown): string {
  if (err instanceof HttpStatusError || err instanceof BadBodyError || err instanceof TooLargeError || err instanceof AbortedError) return err.message;
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return code ? `${code} ${err.message}` : err.message;
  }
  return String(err);
}
