import type { FieldError } from '../../field-errors.js';
import { type LeadEvent, type ParsedWebhook, PayloadError, type VerifyResult, boundedText, idString } from '../webhook-event.js';
import { secretEqual } from '../../constant-time.js';
import { ID_RULES, canonicalObjectId, isObjectId } from '../object-id.js';

/**
 * Pipedrive webhooks (v2 envelope). Pipedrive signs nothing; the only documented
 * protection is HTTP Basic with the user/password set on the webhook
 * (research/crm-apis-and-webhooks.md §2.1–2.2).
 */

export function verifyPipedriveBasicAuth(authorization: string | undefined, user: string, password: string): VerifyResult {
  const m = authorization ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization) : null;
  if (!m) return { ok: false, reason: 'signature', detail: 'HTTP Basic credentials are missing.' };
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const givenUser = colon < 0 ? decoded : decoded.slice(0, colon);
  const givenPassword = colon < 0 ? '' : decoded.slice(colon + 1);
  // Both compared every time, so the answer time does not tell which one was wrong.
  const userOk = secretEqual(givenUser, user);
  const passwordOk = secretEqual(givenPassword, password);
  return userOk && passwordOk ? { ok: true } : { ok: false, reason: 'signature', detail: 'HTTP Basic credentials are wrong.' };
}

const ENTITIES = new Set(['organization', 'person']);

/** One v2 envelope → at most one lead event. */
export function parsePipedriveEvent(body: unknown): ParsedWebhook {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new PayloadError('Pipedrive sends a JSON object.', [{ field: '(body)', message: 'must be a webhook v2 object {meta, data, previous}' }]);
  }
  const envelope = body as Record<string, unknown>;
  const meta = envelope.meta;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new PayloadError('The envelope has no meta.', [{ field: 'meta', message: 'is required (webhooks v2 envelope)' }]);
  }
  const m = meta as Record<string, unknown>;
  const errors: FieldError[] = [];
  const action = boundedText(m.action, 50);
  const entity = boundedText(m.entity, 50);
  const eventId = idString(m.id);
  const companyId = pipedriveId(m.company_id);
  if (!action) errors.push({ field: 'meta.action', message: 'is required (webhooks v2: create, change, delete)' });
  if (!entity) errors.push({ field: 'meta.entity', message: 'is required' });
  if (!eventId) errors.push({ field: 'meta.id', message: 'is required (the event id)' });
  if (!companyId) errors.push({ field: 'meta.company_id', message: `is required: ${ID_RULES.pipedrive.says}` });
  if (errors.length) throw new PayloadError('The envelope is incomplete.', errors);

  const eventType = `${action}.${entity}`;
  if (!ENTITIES.has(entity!)) return { events: [], ignored: [{ eventType, why: 'entity not enriched' }] };

  const data = envelope.data;
  const previous = envelope.previous;
  let reason: LeadEvent['reason'];
  if (action === 'create') reason = 'webhook';
  else if (action === 'change' && isInputChange(m, previous)) reason = 'reenrich';
  else return { events: [], ignored: [{ eventType, why: action === 'change' ? 'no enrichment input changed by a person' : 'action not handled' }] };

  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new PayloadError('The envelope has no data.', [{ field: 'data', message: `is required on ${action}` }]);
  }
  const d = data as Record<string, unknown>;
  const rawId = idString(m.entity_id) ?? idString(d.id);
  if (!rawId) throw new PayloadError('No object id.', [{ field: 'meta.entity_id', message: 'is required (or data.id)' }]);
  const objectId = pipedriveId(rawId);
  if (!objectId) throw new PayloadError('Bad object id.', [{ field: 'meta.entity_id', message: ID_RULES.pipedrive.says }]);

  const name = boundedText(d.name, 300);
  const customFields = typeof d.custom_fields === 'object' && d.custom_fields !== null ? d.custom_fields : undefined;
  const orgId = idString(d.org_id) ?? idString((d.org_id as { value?: unknown } | null)?.value);
  const event: LeadEvent = {
    ref: { source: 'pipedrive', accountId: companyId!, objectType: entity!, objectId },
    reason,
    // A creation is deduped per object (the same key the catch-up sweep uses), so a
    // redelivery or a sweep never makes a second job; a change, per event (meta.id).
    dedupeKey: reason === 'webhook' ? `pipedrive:${companyId}:${entity}:${objectId}:created` : `pipedrive:${companyId}:${eventId}`,
    eventType,
    payload: {
      // A person's name is not a company name; for persons the pipeline reads the organization.
      lead: entity === 'organization' && name ? { company: name } : {},
      event: {
        type: eventType,
        eventId,
        occurredAt: boundedText(m.timestamp, 40),
        changeSource: boundedText(m.change_source, 20),
      },
      raw: {
        attempt: typeof m.attempt === 'number' ? m.attempt : undefined,
        data: { id: idString(d.id), name, ...(entity === 'person' ? { org_id: orgId } : {}), custom_fields: customFields },
      },
    },
  };
  return { events: [event], ignored: [] };
}

/** A Pipedrive id (a whole number), or undefined: it becomes a path segment and a limiter key. */
function pipedriveId(v: unknown): string | undefined {
  const id = idString(v);
  return id !== undefined && isObjectId('pipedrive', id) ? canonicalObjectId('pipedrive', id) : undefined;
}

/**
 * A change re-enriches only when a person (change_source `app`) changed custom
 * fields. Changes made through the API include our own card writes; reacting
 * to them would loop.
 */
function isInputChange(meta: Record<string, unknown>, previous: unknown): boolean {
  if (meta.change_source !== 'app') return false;
  if (typeof previous !== 'object' || previous === null) return false;
  const p = previous as Record<string, unknown>;
  return typeof p.custom_fields === 'object' && p.custom_fields !== null && Object.keys(p.custom_fields).length > 0;
}
