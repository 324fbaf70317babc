import { randomUUID } from 'node:crypto';
import { HUBSPOT_SCOPES } from '../../../src/crm/hubspot/scopes.js';
import type { Reply } from './crm-fake-base.js';
import { matchCrmPath } from './hubspot-records.js';

/**
 * The scopes HubSpot checks per endpoint, and its 403 for a token without
 * them. Sources: the CRM v3 OpenAPI specs name the scopes per operation
 * (`HubSpot/HubSpot-public-api-spec-collection` PublicApiSpecs/CRM/Companies and
 * /Properties: `crm.objects.{type}.read|write`, `crm.schemas.{type}.read|write`);
 * the account-info API requires `oauth` (developers.hubspot.com/docs/api-reference/
 * latest/account/account-information/guide, "Scope requirements"); the 403 body
 * is the one quoted in HubSpot/hubspot-api-nodejs#268 (category MISSING_SCOPES,
 * `errors[].context.requiredScopes`; current apps see `requiredGranularScopes`).
 */

/** Everything Verrijk's HubSpot adapter and crm:ensure call needs (the README's private-app guide lists exactly these). */
export const ALL_VERRIJK_SCOPES: string[] = [...HUBSPOT_SCOPES];

/** The scope one request needs, or undefined for routes without a check. */
export function requiredScope(method: string, path: string): string | undefined {
  if (path.startsWith('/account-info/')) return 'oauth';
  const m = matchCrmPath(path);
  if (!m || !['companies', 'contacts'].includes(m.segment)) return undefined;
  const { kind, segment, rest } = m;
  if (kind === 'properties') return `crm.schemas.${segment}.${method === 'GET' ? 'read' : 'write'}`;
  // Batch read and search are POSTs that only read.
  const reads = method === 'GET' || rest === 'batch/read' || rest === 'search';
  return `crm.objects.${segment}.${reads ? 'read' : 'write'}`;
}

export function missingScopes(scope: string): Reply {
  return {
    status: 403,
    body: {
      status: 'error',
      message: "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
      correlationId: randomUUID(),
      errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: [scope] } }],
      links: { scopes: 'https://developers.hubspot.com/scopes' },
      category: 'MISSING_SCOPES',
    },
  };
}
