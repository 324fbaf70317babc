import { z } from 'zod';
import type { Source } from '../leads/identity.js';

/**
 * What each CRM account's credential is made of, as sealed in `crm_accounts.credentials`
 * (issue 24). HubSpot: an access token (a project app's static token, or an OAuth token
 * with its refresh token); Pipedrive: an API token or OAuth tokens (with the company's
 * `api_domain`); generic: the target's URL and an optional bearer token.
 */

const token = z.string().trim().min(1).max(4096);

export const hubspotCredentials = z.strictObject({ accessToken: token, refreshToken: token.optional() });
export const pipedriveCredentials = z.union([
  z.strictObject({ apiToken: token }),
  z.strictObject({ accessToken: token, refreshToken: token.optional(), apiDomain: z.url({ protocol: /^https?$/ }).optional() }),
]);
export const genericCredentials = z.strictObject({ url: z.url({ protocol: /^https?$/ }), token: token.optional() });

export type HubspotCredentials = z.infer<typeof hubspotCredentials>;
export type PipedriveCredentials = z.infer<typeof pipedriveCredentials>;
export type GenericCredentials = z.infer<typeof genericCredentials>;
export type Credentials = HubspotCredentials | PipedriveCredentials | GenericCredentials;

export const credentialSchemas = {
  hubspot: hubspotCredentials,
  pipedrive: pipedriveCredentials,
  generic: genericCredentials,
} satisfies Record<Source, z.ZodType>;

/** The credentials as `source` spells them, or the zod error naming what is wrong. */
export function parseCredentials(source: Source, value: unknown) {
  return credentialSchemas[source].safeParse(value);
}

/** Every secret the credential holds (not its URLs), so the logger can prove it never prints one. */
export function secretsOf(credentials: Credentials): string[] {
  return Object.entries(credentials)
    .filter(([k, v]) => k !== 'url' && k !== 'apiDomain' && typeof v === 'string')
    .map(([, v]) => v as string);
}
