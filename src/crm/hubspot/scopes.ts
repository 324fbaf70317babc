/**
 * The scopes Verrijk's HubSpot calls need, asked for by an OAuth install and declared
 * in the project app (`hubspot-app/src/app/app-hsmeta.json`; a test keeps the two equal
 * and checks them against every call): read and write companies and contacts (leads,
 * cards, the catch-up search), read and write their schemas (`crm:ensure`), and
 * `oauth` (account details: the portal and its time zone).
 */
export const HUBSPOT_SCOPES = [
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.companies.read',
  'crm.schemas.companies.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'oauth',
] as const;
