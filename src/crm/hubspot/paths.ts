/**
 * Every HubSpot API path Verrijk calls, from one place, for one API version.
 *
 * HubSpot's REST APIs follow date-based versions since 2026-03-30 (a new one
 * each March and September; "Current" for 6 months, "Supported" to 18). The
 * legacy semantic versions (`v3`) become unsupported in September 2027.
 * Date-versioned paths put the version after the API family:
 * `/crm/objects/2026-09/companies/{id}`, `/crm/properties/2026-09/companies`,
 * `/account-info/2026-09/details` (HubSpot public API spec collection,
 * CRM/Companies, CRM/Properties and Account Info rollouts; research
 * crm-apis-2026.md F-H1, F-H2). `HUBSPOT_API_VERSION` picks the version;
 * `v3` keeps the legacy paths.
 *
 * From 2026-09 on, batch read and batch update answer 200 with `errors[]` and
 * `numErrors` where v3 and 2026-03 answered 207: the adapter reads `errors[]`
 * on any 2xx, so both shapes land in the same place.
 */

import { HUBSPOT_API_VERSION_PATTERN, HUBSPOT_DEFAULT_API_VERSION } from '../../config.js';

export { HUBSPOT_DEFAULT_API_VERSION };

export interface HubspotPaths {
  version: string;
  /** One record: `GET`/`PATCH`. */
  object(segment: string, id: string): string;
  batchRead(segment: string): string;
  batchUpdate(segment: string): string;
  search(segment: string): string;
  /** The properties of one object type, or one of them. */
  properties(segment: string): string;
  groups(segment: string): string;
  group(segment: string, name: string): string;
  accountDetails(): string;
}

export function hubspotPaths(version: string = HUBSPOT_DEFAULT_API_VERSION): HubspotPaths {
  if (!HUBSPOT_API_VERSION_PATTERN.test(version)) throw new Error(`HubSpot API version ${version} is neither v3 nor a dated version (YYYY-03, YYYY-09)`);
  const legacy = version === 'v3';
  const objects = (segment: string) => (legacy ? `/crm/v3/objects/${segment}` : `/crm/objects/${version}/${segment}`);
  const properties = (segment: string) => (legacy ? `/crm/v3/properties/${segment}` : `/crm/properties/${version}/${segment}`);
  return {
    version,
    object: (segment, id) => `${objects(segment)}/${id}`,
    batchRead: (segment) => `${objects(segment)}/batch/read`,
    batchUpdate: (segment) => `${objects(segment)}/batch/update`,
    search: (segment) => `${objects(segment)}/search`,
    properties,
    groups: (segment) => `${properties(segment)}/groups`,
    group: (segment, name) => `${properties(segment)}/groups/${name}`,
    accountDetails: () => (legacy ? '/account-info/v3/details' : `/account-info/${version}/details`),
  };
}

/** Whether a batch answer of this version reports per-record failures as 207 (v3, 2026-03) rather than 200 + `errors[]` (2026-09 on). */
export function batchUses207(version: string): boolean {
  return version === 'v3' || version < '2026-09';
}
