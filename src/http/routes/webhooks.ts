import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppDeps, AppRouter } from '../context.js';
import { checkStandardWebhookHeaders, parseGenericEvent, verifyStandardWebhook } from '../../crm/generic/webhook.js';
import { checkHubSpotHeaders, hubspotSignedUri, parseHubSpotEvents, verifyHubSpotSignature } from '../../crm/hubspot/webhook.js';
import { parsePipedriveEvent, verifyPipedriveBasicAuth } from '../../crm/pipedrive/webhook.js';
import { type ParsedWebhook, PayloadError, type RejectReason, type VerifyResult } from '../../crm/webhook-event.js';
import { recordWebhook } from '../../jobs/intake.js';
import type { Source } from '../../leads/identity.js';
import type { AppEnv } from '../context.js';
import { clientOf, createAuthThrottle } from '../auth-throttle.js';
import { requestHeader } from '../incoming.js';
import { createByteBudget, readWebhookBody } from '../webhook-body.js';
import { errorResponses } from '../openapi.js';
import { AppError, problems } from '../problem.js';

/**
 * POST /webhooks/{hubspot,pipedrive,generic}. Every request goes the same way:
 * configured? → JSON content type → this client's failed-auth budget → what
 * the headers alone can prove (Pipedrive's Basic credentials; the presence,
 * format and freshness of a signature) → raw body (≤ 1 MB, read once, inside
 * the process's budget of unverified bytes) → verify on the raw bytes → (now
 * counted as intake in flight) → parse → record events and jobs in one
 * transaction → 2xx. Nothing parses the body before the signature is checked
 * (Hono issue #4259); nothing reads it before the headers pass (finding H1).
 */

export const MAX_WEBHOOK_BODY = 1024 * 1024;
const MAX_JSON_DEPTH = 64;
/**
 * Failed webhook credentials per client: 30 at once, then one every 2 s. A
 * CRM that holds the right secret never fails, so this only slows guessing.
 */
const WEBHOOK_AUTH_BURST = 30;
const WEBHOOK_AUTH_PER_MINUTE = 30;

/** Every reason a webhook is refused; doubles as the metric label. */
type Refusal = RejectReason | 'invalid' | 'too_large' | 'over_budget' | 'throttled';

function tooManyFailures(retryAfterMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AppError(429, 'too-many-attempts', 'Too many attempts', `Too many failed webhook credentials from this client; try again in ${seconds} s.`, undefined, {
    'Retry-After': String(seconds),
    Connection: 'close',
  });
}

const Accepted = z
  .object({
    accepted: z.number().int().openapi({ description: 'Events recorded with a new job' }),
    duplicates: z.number().int().openapi({ description: 'Events seen before: acknowledged, nothing created' }),
    ignored: z.number().int().openapi({ description: 'Events of a type Verrijk does not handle' }),
  })
  .openapi('WebhookAccepted');

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: z.object({ type: z.string(), title: z.string(), status: z.number() }) } },
});

// The body is documented with plain JSON Schema on purpose: a zod schema here
// would make the router parse (and consume) the body before we verify it.
const route = (source: Source, summary: string, description: string, bodySchema: Record<string, unknown>) =>
  createRoute({
    method: 'post',
    path: `/webhooks/${source}`,
    tags: ['webhooks'],
    summary,
    description,
    request: { body: { required: true, content: { 'application/json': { schema: bodySchema } } } },
    responses: {
      200: { description: 'Durably recorded (or a duplicate / ignored event)', content: { 'application/json': { schema: Accepted } } },
      401: problem('Credentials or signature missing or wrong, stale timestamp, or the source is not configured'),
      413: problem('Body larger than 1 MB'),
      415: problem('Not application/json'),
      429: problem('Too many failed credentials from this client'),
      503: problem('Too many unverified webhook bodies in flight; retry later'),
      ...errorResponses,
    },
  });

const hubspotRoute = route(
  'hubspot',
  'HubSpot webhook (X-HubSpot-Signature-v3; v1 only with HUBSPOT_ACCEPT_V1_SIGNATURE)',
  'A JSON array of up to 100 events. `company.creation`/`contact.creation` make one job per object; a `propertyChange` of an input property re-enriches.',
  { type: 'array', maxItems: 100, items: { type: 'object', required: ['subscriptionType', 'portalId', 'objectId'] } },
);
const pipedriveRoute = route(
  'pipedrive',
  'Pipedrive webhook v2 (HTTP Basic)',
  'Envelope `{meta, data, previous}`; `create` of an organization or person makes a job.',
  { type: 'object', required: ['meta'], properties: { meta: { type: 'object' }, data: { type: ['object', 'null'] }, previous: {} } },
);
const genericRoute = route(
  'generic',
  'Generic webhook (Standard Webhooks signature)',
  '`{ "type": "lead.created", "lead": { "id", "company", "sbi", "employees", "industry", "kvk", "domain", "postcode" } }` (`zip` is read when `postcode` is absent), signed per standardwebhooks.com.',
  { type: 'object', required: ['type', 'lead'], properties: { type: { type: 'string' }, lead: { type: 'object', required: ['id'] } } },
);

interface SourceHandler {
  source: Source;
  /** A reason the source cannot take requests (its secret is unset), or undefined when configured. */
  notConfigured(): string | undefined | Promise<string | undefined>;
  /** What the headers alone can prove wrong; checked before a byte of the body is read. */
  checkHeaders(c: Context<AppEnv>): VerifyResult;
  verify(c: Context<AppEnv>, rawBody: Uint8Array): VerifyResult | Promise<VerifyResult>;
  parse(c: Context<AppEnv>, body: unknown): ParsedWebhook;
  /**
   * Whether the secret that signed the body may speak for every account its events name
   * (HubSpot: an account registered with its own client secret is signed with that one only).
   */
  authorize?(c: Context<AppEnv>, parsed: ParsedWebhook): VerifyResult;
  /** Sent with a 401 so a client knows which scheme to use. */
  challenge?: string;
  /**
   * Its credential can be guessed online, so failures are throttled per client
   * (L3): a Pipedrive password is compared as sent. A forged HMAC signature
   * (HubSpot, Standard Webhooks) hits with odds of 2^-256 whatever the rate, so
   * throttling those would only let an attacker who shares the CRM's address
   * lock the CRM out.
   */
  guessable?: boolean;
}

export function registerWebhookRoutes(app: AppRouter, deps: AppDeps): void {
  const { config } = deps;
  const header = (c: Context<AppEnv>) => (name: string) => requestHeader(c, name);

  // HubSpot signs with the app's client secret: HUBSPOT_CLIENT_SECRET for the app this
  // deployment is configured with, or an account's own `clientSecret` (POST /v1/accounts)
  // where that account installed an app of its own. Which one signed is remembered for
  // the request, and its events may name only the accounts that secret speaks for.
  const signedBy = new WeakMap<Context<AppEnv>, { account: string | undefined; own: Map<string, string | undefined> }>();
  const hubspot: SourceHandler = {
    source: 'hubspot',
    notConfigured: async () =>
      config.hubspot.clientSecret || (await deps.accounts.bindings.webhookSecrets('hubspot')).size > 0
        ? undefined
        : 'HUBSPOT_CLIENT_SECRET is not set and no account has a clientSecret',
    checkHeaders: (c) => checkHubSpotHeaders(header(c), Date.now(), config.hubspot.acceptV1Signature),
    verify: async (c, rawBody) => {
      const own = await deps.accounts.bindings.webhookSecrets('hubspot');
      const candidates: Array<[string | undefined, string]> = [];
      if (config.hubspot.clientSecret) candidates.push([undefined, config.hubspot.clientSecret]);
      for (const [account, secret] of own) if (secret !== undefined) candidates.push([account, secret]);
      const now = Date.now();
      let verdict: VerifyResult = { ok: false, reason: 'signature', detail: 'The signature does not match.' };
      for (const [account, clientSecret] of candidates) {
        verdict = verifyHubSpotSignature({
          method: c.req.method,
          uri: hubspotSignedUri(config.publicUrl, pathAndQuery(c.req.url)),
          rawBody,
          header: header(c),
          clientSecret,
          now,
          acceptV1: config.hubspot.acceptV1Signature,
        });
        if (verdict.ok) {
          signedBy.set(c, { account, own });
          return verdict;
        }
      }
      return verdict;
    },
    parse: (_c, body) => parseHubSpotEvents(body),
    authorize: (c, parsed) => {
      const signer = signedBy.get(c);
      if (!signer) return { ok: false, reason: 'signature', detail: 'The signature does not match.' };
      for (const e of parsed.events) {
        const account = e.ref.accountId;
        if (signer.account !== undefined && account !== signer.account) {
          return { ok: false, reason: 'signature', detail: `Signed with the client secret of HubSpot account ${signer.account}, but an event names account ${account}.` };
        }
        if (signer.account === undefined && signer.own.has(account)) {
          return { ok: false, reason: 'signature', detail: `Events of HubSpot account ${account} must be signed with that account's own client secret.` };
        }
      }
      return { ok: true };
    },
  };
  const pipedrive: SourceHandler = {
    source: 'pipedrive',
    notConfigured: () =>
      config.pipedrive.webhookUser && config.pipedrive.webhookPassword ? undefined : 'PIPEDRIVE_WEBHOOK_USER and PIPEDRIVE_WEBHOOK_PASSWORD are not set',
    // Basic credentials are all a header: checked whole before the body.
    checkHeaders: (c) => verifyPipedriveBasicAuth(requestHeader(c, 'authorization'), config.pipedrive.webhookUser!, config.pipedrive.webhookPassword!),
    verify: () => ({ ok: true }),
    parse: (_c, body) => parsePipedriveEvent(body),
    challenge: 'Basic realm="verrijk-webhooks", charset="UTF-8"',
    guessable: true,
  };
  const generic: SourceHandler = {
    source: 'generic',
    notConfigured: () => (config.generic.webhookSecret ? undefined : 'GENERIC_WEBHOOK_SECRET is not set'),
    checkHeaders: (c) => checkStandardWebhookHeaders(header(c), Date.now()),
    verify: (c, rawBody) => verifyStandardWebhook({ header: header(c), rawBody, secret: config.generic.webhookSecret!, now: Date.now() }),
    parse: (c, body) => parseGenericEvent(body, requestHeader(c, 'webhook-id')!),
  };

  // Per process, like the admin throttle: bytes held for unverified bodies, and failed
  // guessable credentials per client (L3).
  const budget = createByteBudget(config.webhookUnverifiedBytes);
  const guesses = createAuthThrottle({ burst: WEBHOOK_AUTH_BURST, refillPerMinute: WEBHOOK_AUTH_PER_MINUTE });

  const refuse = (c: Context<AppEnv>, h: SourceHandler, reason: Refusal, err: AppError): never => {
    deps.metrics.webhooksRejected.inc({ source: h.source, reason });
    c.get('log').warn({ source: h.source, reason, status: err.status }, 'webhook rejected');
    throw err;
  };

  const handle = (h: SourceHandler) => async (c: Context<AppEnv>) => {
    const reject = (reason: Refusal, err: AppError) => refuse(c, h, reason, err);
    // Connection: close, so a refused client's unread body is not waited for on this socket.
    const unauthorized = (detail: string) =>
      new AppError(401, 'unauthorized', 'Unauthorized', detail, undefined, { Connection: 'close', ...(h.challenge ? { 'WWW-Authenticate': h.challenge } : {}) });
    const client = clientOf(c, config.trustProxy);
    const failed = (verdict: Exclude<VerifyResult, { ok: true }>): never => {
      if (h.guessable) guesses.failed(client);
      return reject(verdict.reason, unauthorized(verdict.detail));
    };

    const missing = await h.notConfigured();
    if (missing) reject('not_configured', unauthorized(`The ${h.source} webhook is not configured (${missing}); every request is refused.`));
    if (!isJson(requestHeader(c, 'content-type'))) {
      reject('invalid', problems.unsupportedMediaType('Send the body as application/json.'));
    }
    // A declared size is a header too: refused before anything else is looked at.
    if (Number(requestHeader(c, 'content-length')) > MAX_WEBHOOK_BODY) reject('too_large', problems.tooLarge(MAX_WEBHOOK_BODY));
    const wait = h.guessable ? guesses.retryAfterMs(client) : 0;
    if (wait > 0) reject('throttled', tooManyFailures(wait));
    const headers = h.checkHeaders(c);
    if (!headers.ok) failed(headers);
    const held = await readWebhookBody(c, MAX_WEBHOOK_BODY, budget).catch((err) => {
      if (err instanceof AppError) return reject(err.status === 503 ? 'over_budget' : 'too_large', err);
      return reject('invalid', problems.badRequest('The body could not be read.'));
    });
    let verdict: VerifyResult;
    try {
      verdict = await h.verify(c, held.bytes);
    } finally {
      // Verified (or refused): its bytes are no longer an anonymous client's to hold.
      held.release();
    }
    if (!verdict.ok) failed(verdict);
    const rawBody = held.bytes;
    // In flight (the workers yield) only from a verified body on: before that a
    // request costs nothing but a socket, and one slow anonymous client must not
    // hold the workers back (issue 15, finding 12).
    const leave = deps.intake.enter();
    try {
      return await record(c, h, rawBody, failed);
    } finally {
      leave();
    }
  };

  const withoutUnknownAccounts = async (parsed: ParsedWebhook, source: Source): Promise<ParsedWebhook> => {
    const verdicts = new Map<string, Awaited<ReturnType<typeof deps.accounts.bindings.accepts>>>();
    for (const e of parsed.events) {
      if (!verdicts.has(e.ref.accountId)) verdicts.set(e.ref.accountId, await deps.accounts.bindings.accepts(source, e.ref.accountId));
    }
    if ([...verdicts.values()].every((v) => v.ok)) return parsed;
    const events: ParsedWebhook['events'] = [];
    const ignored = [...parsed.ignored];
    for (const e of parsed.events) {
      const v = verdicts.get(e.ref.accountId);
      if (!v || v.ok) events.push(e);
      else {
        ignored.push({ eventType: e.eventType, why: v.why });
        deps.metrics.accountEventsIgnored.inc({ source, reason: v.reason });
      }
    }
    return { ...parsed, events, ignored };
  };

  const record = async (c: Context<AppEnv>, h: SourceHandler, rawBody: Uint8Array, failed: (verdict: Exclude<VerifyResult, { ok: true }>) => never) => {
    const reject = (err: AppError) => refuse(c, h, 'invalid', err);
    const body = parseJson(rawBody);
    if (body instanceof AppError) reject(body);
    let parsed: ParsedWebhook;
    try {
      parsed = h.parse(c, body);
    } catch (err) {
      if (err instanceof PayloadError) reject(problems.badRequest(err.message, err.errors));
      throw err;
    }
    const allowed = h.authorize?.(c, parsed!);
    if (allowed && !allowed.ok) failed(allowed);
    // Bound to its account (issue 24): an event for an account without a credential is
    // acknowledged, counted and logged as ignored, and never becomes a job.
    parsed = await withoutUnknownAccounts(parsed!, h.source);
    const result = await recordWebhook(deps.database, h.source, parsed);
    // Committed: now the workers may look (polling would find it anyway).
    if (result.accepted > 0) deps.jobs.wake();
    const counter = deps.metrics.webhooksReceived;
    if (result.accepted) counter.inc({ source: h.source, result: 'accepted' }, result.accepted);
    if (result.duplicates) counter.inc({ source: h.source, result: 'duplicate' }, result.duplicates);
    if (result.ignored) counter.inc({ source: h.source, result: 'ignored' }, result.ignored);
    for (const ig of parsed!.ignored) c.get('log').info({ source: h.source, eventType: ig.eventType, why: ig.why }, 'webhook event ignored');
    // Said on the request's completion line: one line per webhook, not two.
    c.set('logFields', { source: h.source, accepted: result.accepted, duplicates: result.duplicates, ignored: result.ignored, jobIds: result.jobIds });
    return c.json({ accepted: result.accepted, duplicates: result.duplicates, ignored: result.ignored }, 200);
  };

  app.openapi(hubspotRoute, handle(hubspot));
  app.openapi(pipedriveRoute, handle(pipedrive));
  app.openapi(genericRoute, handle(generic));
}

/** The path and query exactly as received (percent-encoding untouched). */
function pathAndQuery(url: string): string {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  return start < 0 ? '/' : url.slice(start);
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType);
}

function parseJson(raw: Uint8Array): unknown {
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') return problems.badRequest('The body is empty.', [{ field: '(body)', message: 'must be JSON' }]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return problems.badRequest('The body is not valid JSON.', [{ field: '(body)', message: 'must be valid JSON' }]);
  }
  if (depthExceeds(value, MAX_JSON_DEPTH)) {
    return problems.badRequest('The body is nested too deeply.', [{ field: '(body)', message: `must nest at most ${MAX_JSON_DEPTH} levels` }]);
  }
  return value;
}

/** Iterative, so hostile nesting cannot overflow the stack here (or later in JSON.stringify). */
function depthExceeds(root: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, d + 1]);
  }
  return false;
}
