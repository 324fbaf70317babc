import { createHash, createHmac } from 'node:crypto';
import type { FieldError } from '../../field-errors.js';
import { signatureEqual } from '../../constant-time.js';
import {
  type HeaderLookup,
  type IgnoredEvent,
  type LeadEvent,
  type ParsedWebhook,
  PayloadError,
  type VerifyResult,
  boundedText,
  idString,
} from '../webhook-event.js';
import { ID_RULES, canonicalObjectId, isObjectId } from '../object-id.js';

/**
 * HubSpot webhooks: signature verification (v3; v1 only when opted in, and
 * only for recent events) and the event
 * array → lead events. Facts: research/crm-apis-and-webhooks.md §1.1–1.3, §1.7.
 */

/** HubSpot rejects nothing older than this itself; we also refuse timestamps this far in the future. */
export const HUBSPOT_MAX_SKEW_MS = 5 * 60 * 1000;
export const HUBSPOT_MAX_EVENTS = 100;

/** Properties whose change means the enrichment input changed. */
export const HUBSPOT_INPUT_PROPERTIES = new Set(['industry', 'numberofemployees', 'numemployees', 'sbi_code', 'zip']);
/** Properties Verrijk writes itself: their change events are our own echo (loop protection). */
const OWN_PROPERTY_PREFIX = 'cbs_';

// HubSpot's v3 rule: these percent-encodings are decoded before signing; nothing else is.
const V3_DECODE: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/**
 * The URI HubSpot signed: our public URL (HubSpot called that, not whatever
 * host a proxy forwarded to us) plus the path and query as received, with the
 * v3 decode table applied.
 */
export function hubspotSignedUri(publicUrl: string, pathAndQuery: string): string {
  return (publicUrl + pathAndQuery).replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => V3_DECODE[m.toUpperCase()]);
}

/**
 * How old the events of a v1 delivery may be. v1 signs no timestamp, so a
 * captured delivery replays for ever; inside the dedupe window (webhook events
 * are kept at least 4 days, jobs/retention.ts) a replay is a duplicate, and
 * HubSpot's own retries end after 24 h. Three days keeps a margin on both.
 */
export const HUBSPOT_V1_MAX_AGE_MS = 3 * 24 * 60 * 60 * 1000;

export interface HubSpotVerifyInput {
  method: string;
  /** From `hubspotSignedUri`. */
  uri: string;
  rawBody: Uint8Array;
  header: HeaderLookup;
  clientSecret: string;
  now: number;
  /** HUBSPOT_ACCEPT_V1_SIGNATURE: take v1-only deliveries (legacy apps that cannot send v3). Default false. */
  acceptV1?: boolean;
}

/** A base64 HMAC-SHA256 (v3) and a hex SHA-256 (v1): anything else cannot match, whatever the body. */
const V3_SIGNATURE = /^[A-Za-z0-9+/]{43}=$/;
const V1_SIGNATURE = /^[0-9a-fA-F]{64}$/;

/**
 * All that the headers alone can prove wrong: a missing, malformed or stale
 * signature. Checked before the body is read (finding H1), so an anonymous
 * request without a plausible, fresh signature never gets a byte buffered.
 */
export function checkHubSpotHeaders(header: HeaderLookup, now: number, acceptV1 = false): VerifyResult {
  const v3 = header('x-hubspot-signature-v3');
  if (v3 !== undefined) {
    const timestamp = header('x-hubspot-request-timestamp');
    if (timestamp === undefined) return { ok: false, reason: 'signature', detail: 'X-HubSpot-Request-Timestamp is missing.' };
    if (!/^\d{1,16}$/.test(timestamp)) {
      return { ok: false, reason: 'signature', detail: 'X-HubSpot-Request-Timestamp must be epoch milliseconds.' };
    }
    if (Math.abs(now - Number(timestamp)) > HUBSPOT_MAX_SKEW_MS) {
      return { ok: false, reason: 'stale', detail: 'X-HubSpot-Request-Timestamp is more than 5 minutes off.' };
    }
    if (!V3_SIGNATURE.test(v3.trim())) return { ok: false, reason: 'signature', detail: 'X-HubSpot-Signature-v3 must be a base64 HMAC-SHA256.' };
    return { ok: true };
  }
  const v1 = header('x-hubspot-signature');
  if (v1 === undefined || !acceptV1) {
    // HubSpot sends v3 with every Webhooks API delivery: a v1-only request is a legacy app or a
    // captured delivery with its v3 header stripped, replayable at any time (no timestamp).
    return { ok: false, reason: 'signature', detail: 'X-HubSpot-Signature-v3 (with X-HubSpot-Request-Timestamp) is required.' };
  }
  const version = header('x-hubspot-signature-version');
  if (version !== undefined && version.toLowerCase() !== 'v1') {
    return { ok: false, reason: 'signature', detail: `Signature version ${version.slice(0, 10)} is not accepted here; send v3.` };
  }
  if (!V1_SIGNATURE.test(v1.trim())) return { ok: false, reason: 'signature', detail: 'X-HubSpot-Signature must be a hex SHA-256.' };
  return { ok: true };
}

export function verifyHubSpotSignature(input: HubSpotVerifyInput): VerifyResult {
  const headers = checkHubSpotHeaders(input.header, input.now, input.acceptV1);
  if (!headers.ok) return headers;
  const v3 = input.header('x-hubspot-signature-v3');
  if (v3 !== undefined) return verifyV3(input, v3, input.header('x-hubspot-request-timestamp')!);
  const v1 = input.header('x-hubspot-signature')!;
  const expected = createHash('sha256').update(input.clientSecret, 'utf8').update(input.rawBody).digest('hex');
  if (!signatureEqual(v1.trim().toLowerCase(), expected)) return { ok: false, reason: 'signature', detail: 'The X-HubSpot-Signature does not match.' };
  return v1Fresh(input.rawBody, input.now)
    ? { ok: true }
    : { ok: false, reason: 'stale', detail: 'A v1-signed delivery must carry events that occurred within the last 3 days (occurredAt); send v3.' };
}

/** Every event of the (signed) body has an occurredAt within HUBSPOT_V1_MAX_AGE_MS: v1's only clock. */
function v1Fresh(rawBody: Uint8Array, now: number): boolean {
  let events: unknown;
  try {
    events = JSON.parse(Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength).toString('utf8'));
  } catch {
    return true; // Not JSON: the parser answers 400 for that.
  }
  if (!Array.isArray(events)) return true;
  return events.every((e) => {
    const at = (e as { occurredAt?: unknown } | null)?.occurredAt;
    return typeof at === 'number' && at > now - HUBSPOT_V1_MAX_AGE_MS && at < now + HUBSPOT_MAX_SKEW_MS;
  });
}

/** The v3 HMAC over method, URI, body and timestamp (checkHubSpotHeaders has vetted the headers). */
function verifyV3(input: HubSpotVerifyInput, signature: string, timestamp: string): VerifyResult {
  // Bytes, not a decoded string: the body is signed exactly as sent.
  const expected = createHmac('sha256', input.clientSecret)
    .update(input.method.toUpperCase() + input.uri, 'utf8')
    .update(input.rawBody)
    .update(timestamp, 'utf8')
    .digest('base64');
  return signatureEqual(signature.trim(), expected)
    ? { ok: true }
    : { ok: false, reason: 'signature', detail: 'The X-HubSpot-Signature-v3 does not match.' };
}

const CREATION_TYPES: Record<string, 'company' | 'contact'> = { 'company.creation': 'company', 'contact.creation': 'contact' };
const OBJECT_TYPE_IDS: Record<string, 'company' | 'contact'> = { '0-1': 'contact', '0-2': 'company' };

/** Fans HubSpot's event array out into lead events; one per created object, one per relevant property change. */
export function parseHubSpotEvents(body: unknown): ParsedWebhook {
  if (!Array.isArray(body)) throw new PayloadError('HubSpot sends a JSON array of events.', [{ field: '(body)', message: 'must be an array of events' }]);
  if (body.length > HUBSPOT_MAX_EVENTS) {
    throw new PayloadError('Too many events.', [{ field: '(body)', message: `must hold at most ${HUBSPOT_MAX_EVENTS} events` }]);
  }
  const events: LeadEvent[] = [];
  const ignored: IgnoredEvent[] = [];
  const errors: FieldError[] = [];
  body.forEach((raw, i) => {
    const at = `[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      errors.push({ field: at, message: 'must be an event object' });
      return;
    }
    const e = raw as Record<string, unknown>;
    const type = boundedText(e.subscriptionType ?? e.eventType, 100);
    if (!type) {
      errors.push({ field: `${at}.subscriptionType`, message: 'is required' });
      return;
    }
    const portalId = hubspotId(e.portalId);
    const objectId = hubspotId(e.objectId);
    if (!portalId) errors.push({ field: `${at}.portalId`, message: `is required: ${ID_RULES.hubspot.says}` });
    if (!objectId) errors.push({ field: `${at}.objectId`, message: `is required: ${ID_RULES.hubspot.says}` });
    if (!portalId || !objectId) return;

    const [scope, action] = splitType(type);
    const objectType = scope === 'object' ? OBJECT_TYPE_IDS[String(e.objectTypeId ?? '')] : (CREATION_TYPES[`${scope}.creation`] ?? undefined);
    if (!objectType) {
      ignored.push({ eventType: type, why: 'object type not enriched' });
      return;
    }
    const eventId = idString(e.eventId);
    const event = {
      type,
      eventId,
      occurredAt: typeof e.occurredAt === 'number' && Number.isFinite(e.occurredAt) ? safeIso(e.occurredAt) : undefined,
      changeSource: boundedText(e.changeSource, 100),
    };
    const ref = { source: 'hubspot' as const, accountId: portalId, objectType, objectId };
    const rawEvent = pick(e, ['eventId', 'subscriptionId', 'portalId', 'appId', 'occurredAt', 'subscriptionType', 'eventType', 'attemptNumber', 'objectId', 'objectTypeId', 'changeSource', 'propertyName']);

    if (action === 'creation') {
      events.push({
        ref,
        reason: 'webhook',
        // Per created object, not per eventId: HubSpot's eventId is not unique and a duplicate may carry another one.
        dedupeKey: `hubspot:${portalId}:${objectType}:${objectId}:created`,
        eventType: type,
        payload: { lead: {}, event, raw: rawEvent },
      });
      return;
    }
    if (action === 'propertyChange') {
      const property = boundedText(e.propertyName, 200) ?? '';
      if (property.startsWith(OWN_PROPERTY_PREFIX)) {
        ignored.push({ eventType: type, why: `own property ${property}` });
        return;
      }
      if (!HUBSPOT_INPUT_PROPERTIES.has(property)) {
        ignored.push({ eventType: type, why: `property ${property || '(none)'} is no enrichment input` });
        return;
      }
      if (!eventId) {
        errors.push({ field: `${at}.eventId`, message: 'is required on a propertyChange' });
        return;
      }
      events.push({
        ref,
        reason: 'reenrich',
        dedupeKey: `hubspot:${portalId}:${eventId}:${objectId}:change`,
        eventType: type,
        payload: { lead: {}, event, raw: { ...rawEvent, propertyValue: boundedText(e.propertyValue, 500) } },
      });
      return;
    }
    ignored.push({ eventType: type, why: 'event type not handled' });
  });
  if (errors.length) throw new PayloadError('Some events are invalid.', errors);
  return { events, ignored };
}

/** A portal or object id HubSpot could have sent (digits), or undefined: it becomes a path segment. */
function hubspotId(v: unknown): string | undefined {
  const id = idString(v);
  return id !== undefined && isObjectId('hubspot', id) ? canonicalObjectId('hubspot', id) : undefined;
}

function splitType(type: string): [string, string] {
  const dot = type.indexOf('.');
  return dot < 0 ? [type, ''] : [type.slice(0, dot), type.slice(dot + 1)];
}

function safeIso(ms: number): string | undefined {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (typeof v === 'string') out[k] = v.slice(0, 200);
  }
  return out;
}
