import type { Source } from '../leads/identity.js';
import { CrmError } from './crm-error.js';

/**
 * What an object id may be. An id becomes a path segment twice: of the
 * outbound CRM call (`PATCH /crm/v3/objects/companies/{id}`) and of the admin
 * API (`GET /v1/leads/{source}/{id}`). So intake accepts only ids every route
 * can address, and every path is built from a checked, encoded segment:
 * `.` and `..` would leave the path (`PATCH {GENERIC_CRM_URL}/`, with the token),
 * and a control character, a lone surrogate (stored as U+FFFD, so two ids
 * collide) or a `/` cannot be addressed at all.
 */

/** HubSpot object and portal ids are numbers (int64); Pipedrive ids are whole numbers. */
const DIGITS = /^[0-9]{1,20}$/;
const WHOLE = /^[0-9]{1,16}$/;
/** Generic ids: any short opaque id made of characters no URL, log or header needs to escape. */
export const GENERIC_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export const ID_RULES: Record<Source, { pattern: RegExp; says: string }> = {
  hubspot: { pattern: DIGITS, says: 'must be a HubSpot id: 1 to 20 digits' },
  pipedrive: { pattern: WHOLE, says: 'must be a Pipedrive id: a whole number' },
  generic: { pattern: GENERIC_ID, says: 'must be 1 to 128 letters, digits or . _ : @ - (not . or ..)' },
};

const isDotSegment = (id: string) => id === '.' || id === '..';

/** True when `id` is an id of `source` that every route can address. */
export function isObjectId(source: Source, id: string): boolean {
  return ID_RULES[source].pattern.test(id) && !isDotSegment(id);
}

/**
 * The one spelling of an id: HubSpot and Pipedrive ids are numbers, so `00012`
 * is `12` (L9: taken as given, they made two leads, two jobs and two writes of
 * one object). Generic ids are opaque and kept as sent. Call after `isObjectId`.
 */
export function canonicalObjectId(source: Source, id: string): string {
  return source === 'generic' ? id : id.replace(/^0+(?=\d)/, '');
}

/** An id as a path segment of an outbound call; a bad one never leaves the process (a permanent failure for that lead). */
export function idSegment(crm: Source, id: string): string {
  if (!isObjectId(crm, id)) {
    throw new CrmError(crm, { kind: 'permanent', status: 400 }, `${crm}: ${JSON.stringify(id.slice(0, 40))} is not a valid object id; nothing was sent`);
  }
  return encodeURIComponent(id);
}
