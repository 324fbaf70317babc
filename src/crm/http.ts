import { createHash } from 'node:crypto';
import type { Source } from '../leads/identity.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { createAgent, undici } from '../outbound/agent.js';
import { parseRetryAfter } from '../outbound/retry.js';
import { backgroundShare, backgroundSpec } from './background-share.js';
import { CrmError, type CrmFailure } from './crm-error.js';
import { DEFAULT_MAX_PAUSE_MS, type LimiterKey, type RateLimitObservation, type RateLimiter } from './rate-limiter.js';

/**
 * Every outbound CRM request goes through here: a grant from the shared rate
 * limiter first, explicit timeouts, a metric per request, the response headers
 * fed back into the limiter, a 429 turned into a pause for every instance, and
 * every failure classified into a `CrmError` whose message is safe to log
 * (method, path without query, status, the vendor's short message, tokens
 * scrubbed). Tokens travel in headers only, never in URLs.
 */

export interface Throttle {
  until: Date;
  /** HubSpot policyName (`TEN_SECONDLY_ROLLING`, `SECONDLY`, `DAILY`), or `429`. */
  policy: string;
  daily: boolean;
}

export interface CrmHttpOptions {
  crm: Source;
  baseUrl: string;
  /** Auth headers; their values are scrubbed from every message. */
  authHeaders: Record<string, string>;
  /**
   * Per-account credentials (an OAuth install), asked before every request instead of
   * `authHeaders`: fresh headers (refreshed ahead of expiry) and the account's own base URL
   * where the CRM names one (Pipedrive's `api_domain`). Throws a `CrmError` (`reconnect`)
   * for an account whose grant is gone.
   */
  credentialsFor?(accountId: string, signal?: AbortSignal): Promise<AccountCredentials | undefined>;
  limiter: RateLimiter;
  metrics: Metrics;
  logger: Logger;
  /** Reads the vendor's rate-limit headers (the account: HubSpot's daily reset follows its time zone). */
  observe(headers: Headers, accountId: string): RateLimitObservation;
  /** Reads a 429: until when, which policy, daily or burst. */
  throttle(headers: Headers, body: unknown, now: number, accountId: string): Throttle;
  /**
   * The vendor's own reading of a non-2xx answer before the generic one
   * (Pipedrive: Cloudflare's 403 after a 429 storm is a block to wait out,
   * not a bad token). A `rate_limited` or `daily_exhausted` answer pauses the
   * account like a 429.
   */
  classify?(status: number, headers: Headers, body: unknown, now: number): CrmFailure | undefined;
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  /** Longest the limiter may make a request wait before it becomes a retry; default 30 s. */
  maxWaitMs?: number;
}

/** An installed account's own headers and base URL; undefined: the configured credential. */
export interface AccountCredentials {
  headers: Record<string, string>;
  baseUrl?: string;
}

export interface CrmResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  /** Metric label and message prefix: `read`, `batch_update`, … */
  op: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  /** Path and query below the base URL. */
  path: string;
  body?: unknown;
  signal?: AbortSignal;
  /** A separate budget for this request (HubSpot search): `${accountId}:search` names a part of the credential's budget. */
  bucket?: Pick<LimiterKey, 'accountId' | 'spec'>;
  /** Statuses the caller handles itself instead of an error (e.g. 207, 404 on a probe). */
  accept?: number[];
}

export interface CrmHttp {
  send<T = unknown>(accountId: string, req: RequestOptions): Promise<CrmResponse<T>>;
  /**
   * A request this client sent under another key, because its account was not known yet (the account
   * check at a first start), counts from now in `accountId`'s window, as the CRM counted it: left in the
   * credential's window, it let the account's own window fill up beside it (the chaos run's Pipedrive
   * phase: 41 requests in a window of 40, the first `GET /users/me`).
   */
  countIn(accountId: string): Promise<void>;
  close(): Promise<void>;
}

/** Parallel connections per CRM origin; more requests than this wait in the pool (inside their deadline). */
export const CRM_CONNECTIONS = 16;

export function createCrmHttp(options: CrmHttpOptions): CrmHttp {
  const { crm, limiter, metrics } = options;
  const t = options.timeouts ?? {};
  // CRM answers are small and quick; keep-alive shorter than the vendors' idle timeouts.
  const agent = createAgent({
    connectMs: t.connectMs ?? 5_000,
    headersMs: t.headersMs ?? 15_000,
    bodyMs: t.bodyMs ?? 15_000,
    connections: CRM_CONNECTIONS,
    keepAliveMs: 4_000,
  });
  // undici is imported on the first outbound request (src/outbound/agent.ts); a process with a CRM
  // client starts loading it now, in the background, so that it is there before a grant's deadline runs.
  undici().catch(() => undefined);
  const secrets = Object.values(options.authHeaders)
    .flatMap((v) => [v, v.replace(/^Bearer\s+/i, '')])
    .filter((v) => v.length >= 6);
  const scrubWith = (extra: string[]) => (text: string) => [...secrets, ...extra].reduce((acc, s) => acc.split(s).join('[Redacted]'), text);
  const base = options.baseUrl.replace(/\/+$/, '');
  const credential = credentialBudget(base, options.authHeaders);

  async function send<T>(accountId: string, req: RequestOptions): Promise<CrmResponse<T>> {
    const key: LimiterKey = { crm, accountId: budgetKey(accountId, credential, req.bucket?.accountId), spec: req.bucket?.spec };
    // An installed account's own token (refreshed first if it is about to expire), asked before the grant.
    const own = options.credentialsFor && accountId ? await options.credentialsFor(accountId, req.signal) : undefined;
    const authHeaders = own?.headers ?? options.authHeaders;
    const origin = own?.baseUrl ? own.baseUrl.replace(/\/+$/, '') : base;
    const scrub = scrubWith(
      Object.values(own?.headers ?? {})
        .flatMap((v) => [v, v.replace(/^Bearer\s+/i, '')])
        .filter((v) => v.length >= 6),
    );
    const where = `${req.method} ${req.path.split('?')[0]}`;
    // Background work (a backfill, a refresh) first takes a grant of its share of this budget (background-share.ts).
    const share = backgroundShare();
    let background: { key: LimiterKey; grantId: number } | undefined;
    if (share !== undefined && share < 1) {
      const bgKey: LimiterKey = { crm, accountId: `${key.accountId}:background`, spec: backgroundSpec(key.spec ?? limiter.specFor(crm), share) };
      background = { key: bgKey, grantId: (await limiter.acquire(bgKey, { signal: req.signal, maxWaitMs: options.maxWaitMs })).grantId };
    }
    let granted: Awaited<ReturnType<typeof limiter.acquire>>;
    try {
      granted = await limiter.acquire(key, { signal: req.signal, maxWaitMs: options.maxWaitMs });
    } catch (err) {
      if (background) await limiter.settle(background.key, background.grantId).catch(() => undefined);
      throw err;
    }
    const { grantId, probe, askedAt } = granted;
    // The request has arrived by the time it is answered or has failed: count it in the window from then on.
    const settle = async () => {
      await limiter.settle(key, grantId).catch((err) => options.logger.warn({ err, crm }, 'rate limiter: could not settle a grant'));
      if (background) await limiter.settle(background.key, background.grantId).catch((err) => options.logger.warn({ err, crm }, 'rate limiter: could not settle a grant'));
    };

    // One deadline over the whole request, the wait for a free connection included: the limiter
    // counts an unsettled grant as on its way until then, so nothing may reach the CRM after it.
    // It runs from the moment the grant was asked for, not from now: on a starved process (a loaded
    // 2-core machine, PGlite's queue behind 60 grants) the grant reached this line seconds after the
    // database stamped it, and a request then sent after the grant had left the count put 23 requests
    // into one window of 20 (issue 28). A grant already past its deadline is not used.
    const leftMs = Math.floor(limiter.requestDeadlineMs - (performance.now() - askedAt));
    if (leftMs <= 0) {
      await settle();
      throw new CrmError(crm, { kind: 'retry' }, `${crm} ${req.op}: ${where} took longer than ${limiter.requestDeadlineMs} ms; the grant came too late to send`);
    }
    const deadline = AbortSignal.timeout(leftMs);
    // A request that changes the CRM is not abandoned once it is on its way: a stop (or a batch
    // deadline) aborting it cannot unsend it, the CRM may apply it all the same, and the write then
    // goes unrecorded and is made again by the next try (issue 27's backfill test: an organization
    // PATCHed twice across a restart). It runs to its answer, bounded by the request deadline, and the
    // batch records it; the caller's abort still stops everything not yet sent.
    const mutates = req.method !== 'GET';
    if (mutates && req.signal?.aborted) {
      await settle();
      throw req.signal.reason ?? new Error('aborted');
    }
    const signal = req.signal && !mutates ? AbortSignal.any([req.signal, deadline]) : deadline;
    let status: number;
    let headers: Headers;
    let text: string;
    // Loaded since this client was made (below), unless this is the very first request of a process.
    const { errors: undiciErrors, request } = await undici();
    try {
      const res = await request(origin + req.path, {
        method: req.method,
        dispatcher: await agent.dispatcher(),
        signal,
        headers: {
          accept: 'application/json',
          ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...authHeaders,
        },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
      });
      status = res.statusCode;
      headers = toHeaders(res.headers);
      text = await readText(res.body, MAX_CRM_RESPONSE_BYTES);
    } catch (err) {
      await settle();
      metrics.crmRequests.inc({ crm, op: req.op, status: 'error' });
      if (!mutates && req.signal?.aborted) throw err;
      if (deadline.aborted) {
        throw new CrmError(crm, { kind: 'retry' }, scrub(`${crm} ${req.op}: ${where} took longer than ${limiter.requestDeadlineMs} ms; aborted`));
      }
      if (err instanceof ResponseTooLarge) {
        // The same request would get the same answer: that lead's failure, not a retry.
        throw new CrmError(crm, { kind: 'permanent' }, scrub(`${crm} ${req.op}: ${where} answered more than ${MAX_CRM_RESPONSE_BYTES} bytes; not read`));
      }
      const why = err instanceof undiciErrors.UndiciError ? err.code : (err as Error).name;
      throw new CrmError(crm, { kind: 'retry' }, scrub(`${crm} ${req.op}: ${where} failed (${why}: ${(err as Error).message})`));
    }
    await settle();
    metrics.crmRequests.inc({ crm, op: req.op, status: String(status) });
    const body = parseBody(text) as T;

    try {
      await limiter.observe(key, options.observe(headers, accountId));
    } catch (err) {
      options.logger.warn({ err, crm }, 'could not record rate-limit headers');
    }

    if (status === 429) {
      const th = options.throttle(headers, body, Date.now(), accountId);
      metrics.crmRateLimited.inc({ crm, policy: th.policy });
      // The pause actually set: a Retry-After past CRM_MAX_PAUSE_MS is cut to it.
      const until = await limiter.pause(key, th.until, th.policy, { daily: th.daily });
      const failure: CrmFailure = th.daily ? { kind: 'daily_exhausted', until } : { kind: 'rate_limited', until, policy: th.policy };
      throw new CrmError(crm, failure, scrub(`${crm} ${req.op}: ${where} → 429 ${th.policy} until ${until.toISOString()}`));
    }
    // The probe after a daily pause got through: the budget is back for everyone.
    if (probe) await limiter.endProbe(key).catch((err) => options.logger.warn({ err, crm }, 'rate limiter: could not end the probe'));
    if ((status >= 200 && status < 300) || req.accept?.includes(status)) return { status, body, headers };
    const failure = options.classify?.(status, headers, body, Date.now()) ?? classifyStatus(status, headers, Date.now(), limiter.maxPauseMs, body);
    const codes = vendorCodes(body);
    if (failure.kind === 'rate_limited' || failure.kind === 'daily_exhausted') {
      const policy = failure.kind === 'daily_exhausted' ? 'DAILY' : failure.policy;
      metrics.crmRateLimited.inc({ crm, policy });
      failure.until = await limiter.pause(key, failure.until, policy, { daily: failure.kind === 'daily_exhausted' });
    }
    throw new CrmError(crm, failure, scrub(`${crm} ${req.op}: ${where} → ${status} ${vendorMessage(body, text)}`), codes);
  }

  const countIn = (accountId: string) => limiter.countArrived({ crm, accountId: budgetKey(accountId, credential) });
  return { send, countIn, close: () => agent.close() };
}

/**
 * The limiter key of one request: the account, as the CRMs count (research
 * crm-apis-2026.md F-H8, F-P4). HubSpot: an OAuth app's burst window is per
 * installing account (app and portal), a private or static app's per app, which
 * serves one portal; the daily limit and search's 5/s are per portal. Pipedrive:
 * the daily token budget is per company, the burst per token, and a token belongs
 * to one company. So `{crm, accountId}` is the budget, with a bucket such as HubSpot
 * search (`${accountId}:search`) a separate part of it. Not a hash of the token: an
 * OAuth access token changes on every refresh, and its window, pauses and daily
 * count must not start afresh with it. Every credential serves only its own account
 * (src/accounts/); a call made before its account is known (the first-use check,
 * accountId '') counts under the credential.
 */
export function budgetKey(accountId: string, credential: string, bucket?: string): string {
  const owner = accountId || credential;
  if (!bucket) return owner;
  return bucket.startsWith(`${accountId}:`) ? owner + bucket.slice(accountId.length) : `${owner}:${bucket}`;
}

/**
 * The limiter's name for a credential whose account is not known yet: the
 * endpoint and the credential (never the credential itself: a short hash).
 */
export function credentialBudget(baseUrl: string, authHeaders: Record<string, string>): string {
  const h = createHash('sha256').update(baseUrl);
  for (const [name, value] of Object.entries(authHeaders).sort(([a], [b]) => (a < b ? -1 : 1))) h.update(`\n${name.toLowerCase()}:${value}`);
  return `cred-${h.digest('hex').slice(0, 12)}`;
}

/**
 * The most of a CRM's answer we read: a batch read of 100 records is well under
 * a megabyte, and GENERIC_CRM_URL may point at anything, so a larger answer is a
 * broken or hostile server, not data.
 */
export const MAX_CRM_RESPONSE_BYTES = 16 * 1024 * 1024;

class ResponseTooLarge extends Error {}

/** The body as text, refused (and the stream destroyed) as soon as it passes `max` bytes. */
async function readText(body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown }, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > max) {
      body.destroy();
      throw new ResponseTooLarge(`more than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

/** Non-2xx, non-429 statuses → what to do. */
export function classifyStatus(status: number, headers: Headers, now = Date.now(), maxDelayMs = DEFAULT_MAX_PAUSE_MS, body?: unknown): CrmFailure {
  if (status === 401 || status === 403) {
    const missingScopes = requiredScopes(body);
    return { kind: 'auth', status, ...(missingScopes.length ? { missingScopes } : {}) };
  }
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  // HubSpot's 477 says "typically up to 24 hours"; we ask again after CRM_MAX_PAUSE_MS at the latest.
  const notBefore = retryAfter === undefined ? undefined : new Date(now + Math.min(retryAfter, maxDelayMs));
  // 408 timeout, 425/477 (HubSpot migration in progress), 5xx: the CRM's side, worth another go.
  if (status === 408 || status === 425 || status === 477 || status >= 500) return { kind: 'retry', notBefore };
  return { kind: 'permanent', status };
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (Array.isArray(v)) for (const x of v) h.append(k, x);
    else if (v !== undefined) h.set(k, v);
  }
  return h;
}

function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The vendor's own short explanation, bounded; bodies never go to logs whole. A missing scope is named. */
function vendorMessage(body: unknown, text: string): string {
  const msg = body && typeof body === 'object' ? ((body as { message?: unknown; error?: unknown }).message ?? (body as { error?: unknown }).error) : undefined;
  const out = (typeof msg === 'string' ? msg : text).replace(/\s+/g, ' ').slice(0, 200);
  const scopes = requiredScopes(body);
  return scopes.length ? `${out} Missing scope: ${scopes.join(', ').slice(0, 200)}` : out;
}

/**
 * The scopes a HubSpot 403 MISSING_SCOPES names (`errors[].context.
 * requiredGranularScopes`, older apps `requiredScopes`: HubSpot/hubspot-api-nodejs#268).
 */
function requiredScopes(body: unknown): string[] {
  if (!body || typeof body !== 'object' || (body as { category?: unknown }).category !== 'MISSING_SCOPES') return [];
  const errors = (body as { errors?: unknown }).errors;
  const out = new Set<string>();
  for (const e of Array.isArray(errors) ? errors : []) {
    const ctx = (e as { context?: Record<string, unknown> })?.context ?? {};
    for (const list of [ctx.requiredGranularScopes, ctx.requiredScopes]) {
      for (const scope of Array.isArray(list) ? list : []) if (typeof scope === 'string') out.add(scope.slice(0, 100));
    }
  }
  return [...out];
}

/**
 * Machine codes in an error body: `category`/`code`/`error` at the top and in
 * `errors[]`, and `"error":"CODE"` inside a message that embeds JSON (HubSpot's
 * "Property values were not valid: [{…"error":"PROPERTY_DOESNT_EXIST"…}]").
 */
export function vendorCodes(body: unknown): string[] {
  if (!body || typeof body !== 'object') return [];
  const codes = new Set<string>();
  const pick = (o: unknown) => {
    if (!o || typeof o !== 'object') return;
    for (const k of ['category', 'code', 'error', 'subCategory']) {
      const v = (o as Record<string, unknown>)[k];
      if (typeof v === 'string' && /^[A-Z][A-Z0-9_.]{2,80}$/.test(v)) codes.add(v);
    }
  };
  pick(body);
  const { errors, message } = body as { errors?: unknown; message?: unknown };
  if (Array.isArray(errors)) errors.slice(0, 100).forEach(pick);
  if (typeof message === 'string') for (const m of message.slice(0, 20_000).matchAll(/\\?"error\\?"\s*:\s*\\?"([A-Z][A-Z0-9_]{2,80})\\?"/g)) codes.add(m[1]);
  return [...codes];
}

/** A header as a finite number, or undefined. */
export function numberHeader(headers: Headers, name: string): number | undefined {
  const v = headers.get(name);
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}
