import type { IncomingMessage } from 'node:http';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppDeps, AppRouter } from '../context.js';
import { parseGenericEvent, verifyStandardWebhook } from '../../crm/generic/webhook.js';
import { hubspotSignedUri, parseHubSpotEvents, verifyHubSpotSignature } from '../../crm/hubspot/webhook.js';
import { parsePipedriveEvent, verifyPipedriveBasicAuth } from '../../crm/pipedrive/webhook.js';
import { type ParsedWebhook, PayloadError, type RejectReason, type VerifyResult } from '../../crm/webhook-event.js';
import { recordWebhook } from '../../jobs/intake.js';
import type { Source } from '../../leads/identity.js';
import type { AppEnv } from '../context.js';
import { incomingOf, requestHeader } from '../incoming.js';
import { errorResponses } from '../openapi.js';
import { AppError, problems } from '../problem.js';

/**
 * POST /webhooks/{hubspot,pipedrive,generic}. Every request goes the same way:
 * configured? → JSON content type → raw body (≤ 1 MB, read once) → verify on
 * the raw bytes → (now counted as intake in flight) → parse → record events and
 * jobs in one transaction → 2xx.
 * Nothing parses the body before the signature is checked (Hono issue #4259).
 */

export const MAX_WEBHOOK_BODY = 1024 * 1024;
const MAX_JSON_DEPTH = 64;

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
  notConfigured(): string | undefined;
  verify(c: Context<AppEnv>, rawBody: Uint8Array): VerifyResult;
  parse(c: Context<AppEnv>, body: unknown): ParsedWebhook;
  /** Sent with a 401 so a client knows which scheme to use. */
  challenge?: string;
}

export function registerWebhookRoutes(app: AppRouter, deps: AppDeps): void {
  const { config } = deps;
  const header = (c: Context<AppEnv>) => (name: string) => requestHeader(c, name);

  const hubspot: SourceHandler = {
    source: 'hubspot',
    notConfigured: () => (config.hubspot.clientSecret ? undefined : 'HUBSPOT_CLIENT_SECRET is not set'),
    verify: (c, rawBody) =>
      verifyHubSpotSignature({
        method: c.req.method,
        uri: hubspotSignedUri(config.publicUrl, pathAndQuery(c.req.url)),
        rawBody,
        header: header(c),
        clientSecret: config.hubspot.clientSecret!,
        now: Date.now(),
        acceptV1: config.hubspot.acceptV1Signature,
      }),
    parse: (_c, body) => parseHubSpotEvents(body),
  };
  const pipedrive: SourceHandler = {
    source: 'pipedrive',
    notConfigured: () =>
      config.pipedrive.webhookUser && config.pipedrive.webhookPassword ? undefined : 'PIPEDRIVE_WEBHOOK_USER and PIPEDRIVE_WEBHOOK_PASSWORD are not set',
    verify: (c) => verifyPipedriveBasicAuth(requestHeader(c, 'authorization'), config.pipedrive.webhookUser!, config.pipedrive.webhookPassword!),
    parse: (_c, body) => parsePipedriveEvent(body),
    challenge: 'Basic realm="verrijk-webhooks", charset="UTF-8"',
  };
  const generic: SourceHandler = {
    source: 'generic',
    notConfigured: () => (config.generic.webhookSecret ? undefined : 'GENERIC_WEBHOOK_SECRET is not set'),
    verify: (c, rawBody) => verifyStandardWebhook({ header: header(c), rawBody, secret: config.generic.webhookSecret!, now: Date.now() }),
    parse: (c, body) => parseGenericEvent(body, requestHeader(c, 'webhook-id')!),
  };

  const refuse = (c: Context<AppEnv>, h: SourceHandler, reason: RejectReason | 'invalid' | 'too_large', err: AppError): never => {
    deps.metrics.webhooksRejected.inc({ source: h.source, reason });
    c.get('log').warn({ source: h.source, reason, status: err.status }, 'webhook rejected');
    throw err;
  };

  const handle = (h: SourceHandler) => async (c: Context<AppEnv>) => {
    const reject = (reason: RejectReason | 'invalid' | 'too_large', err: AppError) => refuse(c, h, reason, err);
    const unauthorized = (detail: string) =>
      new AppError(401, 'unauthorized', 'Unauthorized', detail, undefined, h.challenge ? { 'WWW-Authenticate': h.challenge } : undefined);

    const missing = h.notConfigured();
    if (missing) reject('not_configured', unauthorized(`The ${h.source} webhook is not configured (${missing}); every request is refused.`));
    if (!isJson(requestHeader(c, 'content-type'))) {
      reject('invalid', problems.unsupportedMediaType('Send the body as application/json.'));
    }
    const rawBody = await readLimited(c, MAX_WEBHOOK_BODY).catch((err) => {
      if (err instanceof AppError) return reject('too_large', err);
      return reject('invalid', problems.badRequest('The body could not be read.'));
    });
    const verdict = h.verify(c, rawBody);
    if (!verdict.ok) reject(verdict.reason, unauthorized(verdict.detail));
    // In flight (the workers yield) only from a verified body on: before that a
    // request costs nothing but a socket, and one slow anonymous client must not
    // hold the workers back (issue 15, finding 12).
    const leave = deps.intake.enter();
    try {
      return await record(c, h, rawBody);
    } finally {
      leave();
    }
  };

  const record = async (c: Context<AppEnv>, h: SourceHandler, rawBody: Uint8Array) => {
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
    const result = await recordWebhook(deps.database, h.source, parsed!);
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

/**
 * Reads the body once, refusing more than `max` bytes (declared or streamed)
 * without buffering the excess. Served by @hono/node-server, it reads Node's
 * request stream directly: asking Hono for the Web body would build a Request,
 * an AbortController and a Web stream per webhook, a tenth of intake's CPU.
 */
async function readLimited(c: Context<AppEnv>, max: number): Promise<Uint8Array> {
  const declared = requestHeader(c, 'content-length');
  if (declared !== undefined && Number(declared) > max) throw problems.tooLarge(max);
  const incoming = incomingOf(c);
  if (incoming) return readIncoming(incoming, max);
  return readWebBody(c.req.raw, max);
}

/** The streamed body, refused as soon as it passes `max` (readLimited checked the declared length). */
function readIncoming(incoming: IncomingMessage, max: number): Promise<Buffer> {
  if (incoming.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = (err?: Error) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, total));
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > max) {
        // Drain the rest unread, so the 413 can still be sent on this socket.
        incoming.resume();
        settle(problems.tooLarge(max));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => settle();
    const onError = (err: Error) => settle(err);
    const onClose = () => settle(new Error('the client closed the connection before the body ended'));
    incoming.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
}

async function readWebBody(req: Request, max: number): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw problems.tooLarge(max);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
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
