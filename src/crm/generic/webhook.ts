import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { fieldErrors } from '../../field-errors.js';
import type { LeadInput } from '../../enrich/types.js';
import { type HeaderLookup, type ParsedWebhook, PayloadError, type VerifyResult, boundedText, idString } from '../webhook-event.js';
import { signatureEqual } from '../../constant-time.js';
import { ID_RULES, isObjectId } from '../object-id.js';
import { kvkProfileOf } from './kvk-profile.js';

/**
 * The generic source: any system that signs per Standard Webhooks
 * (standard-webhooks spec; research/crm-apis-and-webhooks.md §4.1) and sends
 * `{ type: "lead.created", lead: {...} }` as DESIGN.md describes.
 */

export const GENERIC_TOLERANCE_SECONDS = 5 * 60;

export interface StandardWebhookInput {
  header: HeaderLookup;
  rawBody: Uint8Array;
  /** `whsec_` + base64 key. */
  secret: string;
  now: number;
}

/** A `v1,` entry holding a base64 HMAC-SHA256: no other entry can ever match. */
const V1_ENTRY = /^v1,[A-Za-z0-9+/]{43}=$/;

/**
 * All that the headers alone can prove wrong: missing or malformed headers, a
 * stale timestamp, no entry shaped like a v1 signature. Checked before the
 * body is read (finding H1).
 */
export function checkStandardWebhookHeaders(header: HeaderLookup, now: number): VerifyResult {
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  if (!id || !timestamp || !signatures) {
    return { ok: false, reason: 'signature', detail: 'webhook-id, webhook-timestamp and webhook-signature are required.' };
  }
  if (!/^[\x21-\x7e]{1,256}$/.test(id)) return { ok: false, reason: 'signature', detail: 'webhook-id must be 1 to 256 visible ASCII characters.' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'signature', detail: 'webhook-timestamp must be Unix seconds.' };
  if (Math.abs(now / 1000 - Number(timestamp)) > GENERIC_TOLERANCE_SECONDS) {
    return { ok: false, reason: 'stale', detail: 'webhook-timestamp is more than 5 minutes off.' };
  }
  if (!signatures.split(' ').some((entry) => V1_ENTRY.test(entry))) {
    return { ok: false, reason: 'signature', detail: 'webhook-signature holds no v1,<base64 HMAC-SHA256> entry.' };
  }
  return { ok: true };
}

export function verifyStandardWebhook(input: StandardWebhookInput): VerifyResult {
  const headers = checkStandardWebhookHeaders(input.header, input.now);
  if (!headers.ok) return headers;
  const id = input.header('webhook-id')!;
  const timestamp = input.header('webhook-timestamp')!;
  const signatures = input.header('webhook-signature')!;
  const key = Buffer.from(input.secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(input.rawBody).digest('base64');
  // A space-separated list: during a key rotation the sender signs with old and new key.
  let valid = false;
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    if (signatureEqual(entry.slice(comma + 1), expected)) valid = true;
  }
  return valid ? { ok: true } : { ok: false, reason: 'signature', detail: 'No webhook-signature matches.' };
}

const text = (max: number) => z.string().max(max, `must be at most ${max} characters`).nullish();

const KvkProfile = z
  .object({
    sbiActiviteiten: z
      .array(
        z.looseObject({
          sbiCode: z.union([z.string().max(20), z.number()]).optional(),
          sbiOmschrijving: z.string().max(500).optional(),
          indHoofdactiviteit: z.string().max(3).optional(),
        }),
      )
      .max(50)
      .optional(),
  })
  .loose();

export const GenericLead = z.object({
  // Only ids every route can address (crm/object-id.ts): refused here with a 400, never a 500 later.
  id: z.union(
    [
      z.string().refine((id) => isObjectId('generic', id), ID_RULES.generic.says),
      z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    ],
    { error: 'is required: a string or a whole number' },
  ),
  company: text(500),
  sbi: z.union([z.string().max(50), z.number().int().nonnegative()]).nullish(),
  employees: z.union([z.number().nonnegative().max(10_000_000), z.string().max(50)]).nullish(),
  industry: text(500),
  /** A KvK number, or a KvK Basisprofiel (or the part holding `sbiActiviteiten`). */
  kvk: z.union([z.string().max(20), KvkProfile]).nullish(),
  domain: text(253),
  /** Dutch postcode (`1234 AB`); `zip` is read when `postcode` is absent. */
  postcode: z.union([z.string().max(20), z.number().int().nonnegative()]).nullish(),
  zip: z.union([z.string().max(20), z.number().int().nonnegative()]).nullish(),
});

export const GenericPayload = z.object({ type: z.literal(['lead.created', 'lead.updated']), lead: GenericLead });

const postcodeOf = (v: string | number | null | undefined) => (typeof v === 'number' ? String(v) : boundedText(v, 20));

const HANDLED = { 'lead.created': 'webhook', 'lead.updated': 'reenrich' } as const;

/** The body of a verified request; `webhookId` is the sender's idempotency key. */
export function parseGenericEvent(body: unknown, webhookId: string): ParsedWebhook {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new PayloadError('Expected a JSON object.', [{ field: '(body)', message: 'must be an object {type, lead}' }]);
  }
  const type = (body as Record<string, unknown>).type;
  if (typeof type !== 'string' || type.trim() === '') {
    throw new PayloadError('The event has no type.', [{ field: 'type', message: 'is required, e.g. "lead.created"' }]);
  }
  if (!(type in HANDLED)) return { events: [], ignored: [{ eventType: boundedText(type, 100) ?? '(unknown)', why: 'event type not handled' }] };

  const parsed = GenericPayload.safeParse(body);
  if (!parsed.success) throw new PayloadError('Some fields are invalid.', fieldErrors(parsed.error.issues));
  const { lead } = parsed.data;
  const objectId = idString(lead.id)!;
  const input: LeadInput = {
    company: boundedText(lead.company, 500),
    sbi: typeof lead.sbi === 'number' ? String(lead.sbi) : boundedText(lead.sbi, 50),
    employees: typeof lead.employees === 'number' ? lead.employees : boundedText(lead.employees, 50),
    industry: boundedText(lead.industry, 500),
    // Only what the enrichment reads: the rest of a KvK profile is stored nowhere (old finding 10).
    kvkSbi: typeof lead.kvk === 'object' && lead.kvk !== null ? kvkProfileOf(lead.kvk) : undefined,
    domain: boundedText(lead.domain, 253),
    postcode: postcodeOf(lead.postcode ?? lead.zip),
  };
  // Leave absent fields out, so the stored payload says only what the sender said.
  for (const k of Object.keys(input) as Array<keyof LeadInput>) if (input[k] === undefined) delete input[k];
  const handled = type as keyof typeof HANDLED;
  return {
    events: [
      {
        ref: { source: 'generic', accountId: 'default', objectType: 'lead', objectId },
        reason: HANDLED[handled],
        dedupeKey: `generic:default:${webhookId}`,
        eventType: handled,
        payload: {
          lead: input,
          event: { type: handled, eventId: webhookId },
          raw: typeof lead.kvk === 'string' ? { kvkNumber: boundedText(lead.kvk, 20) } : undefined,
        },
      },
    ],
    ignored: [],
  };
}
