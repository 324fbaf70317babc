import { z } from '@hono/zod-openapi';
import type { AppRouter } from '../context.js';
import { ID_RULES, isObjectId } from '../../crm/object-id.js';
import { SOURCES } from '../../leads/identity.js';
import { ProblemSchema, authErrorResponses, errorResponses } from '../openapi.js';

/** Pieces every admin route shares: the security scheme, the error responses and common parameters. */

export const ADMIN_SECURITY = [{ adminToken: [] as string[] }];

export function registerAdminSecurityScheme(app: AppRouter): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'ADMIN_TOKEN. A browser session from POST /login works too (state changes only from the same origin).',
  });
}

export const adminErrorResponses = {
  ...errorResponses,
  ...authErrorResponses,
  403: {
    description: 'A cookie session tried to change state from another origin',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
} as const;

export const SourceSchema = z.enum(SOURCES as ['hubspot', 'pipedrive', 'generic'], { error: 'must be hubspot, pipedrive or generic' });

/** CRM object ids are numeric for HubSpot and Pipedrive; generic leads use a short opaque id (crm/object-id.ts: what intake accepts). */
export const ObjectIdSchema = z.string().refine((id) => isObjectId('generic', id), ID_RULES.generic.says);

export const JobIdSchema = z.coerce
  .number({ error: 'must be a job id (a positive whole number)' })
  .int('must be a job id (a positive whole number)')
  .positive('must be a job id (a positive whole number)')
  .max(Number.MAX_SAFE_INTEGER);

export const IsoDate = z.string().openapi({ format: 'date-time' });

export function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}

/** Browser forms (the status page) get a redirect back instead of JSON. */
export function wantsHtml(accept: string | undefined): boolean {
  return !!accept && /\btext\/html\b/.test(accept);
}
