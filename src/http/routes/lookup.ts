import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps, AppRouter } from '../context.js';
import { EnrichmentSchema } from '../../enrich/result.js';
import { parsePostcode } from '../../enrich/postcode.js';
import { normaliseSbiCode, parseKvkSbi } from '../../enrich/sbi-code.js';
import { errorResponses } from '../openapi.js';

/**
 * GET /v1/lookup: an enrichment preview for whatever a person types in. Open,
 * because it reveals only public CBS data; it writes nothing to any CRM.
 * An unreadable code is a 400 naming the field; an industry text that matches
 * nothing well enough, or an unreadable employee value, is not an error but a
 * problem entry beside whatever else could be answered.
 */

const checked = (read: (v: string) => { ok: true } | { ok: false; reason: string }) => (v: string | undefined, ctx: z.RefinementCtx) => {
  if (v === undefined) return;
  const r = read(v);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason });
};

const LookupQuery = z
  .object({
    sbi: z
      .string()
      .max(100)
      .optional()
      .superRefine(checked(normaliseSbiCode))
      .openapi({
        description:
          'SBI 2025 or SBI 2008 code in any common spelling (62100, 62.10.0, 6201, 62.01, 47 992) or a section letter; which list it is read in: docs/sbi-2025.md',
        example: '62100',
      }),
    sbi_system: z
      .enum(['2008', '2025'])
      .optional()
      .openapi({ description: 'The list a code both SBI lists have (4711, 47.81, K) is read in, for sbi and kvk_sbi; default SBI_INPUT_SYSTEM' }),
    // Not refined here: an unreadable size must not cost the sector, so the engine reports it as a problem.
    employees: z
      .string()
      .max(300)
      .optional()
      .openapi({ description: 'Employee count or range (12, 10-49, 250+, ca. 25, zzp, 3,5 fte, HubSpot 25-50); unreadable → a problem entry', example: '12' }),
    industry: z.string().max(300).optional().openapi({ description: 'Free-text industry, Dutch or English', example: 'bakkerij' }),
    kvk_sbi: z
      .string()
      .max(5000)
      .optional()
      .superRefine(checked(parseKvkSbi))
      .openapi({ description: 'KvK Basisprofiel sbiActiviteiten as JSON, or a plain SBI code' }),
    postcode: z
      .string()
      .max(20)
      .optional()
      .superRefine(checked(parsePostcode))
      .openapi({ description: 'Dutch postcode (1234 AB, 1234AB or 1234): the municipality for the establishments figure', example: '1011 AB' }),
  })
  .refine((q) => [q.sbi, q.industry, q.kvk_sbi].some((v) => v !== undefined && v.trim() !== ''), {
    message: 'give at least one of sbi, industry or kvk_sbi',
    path: ['sbi'],
  });

const LookupResponse = z
  .object({
    enrichment: EnrichmentSchema,
    card: z.record(z.string(), z.string()).openapi({ description: 'The values the lead card would get' }),
  })
  .openapi('Lookup');

const lookupRoute = createRoute({
  method: 'get',
  path: '/v1/lookup',
  tags: ['enrichment'],
  summary: 'Preview the enrichment for an SBI code, KvK activity or industry, a size and a postcode',
  request: { query: LookupQuery },
  responses: {
    200: { description: 'the enrichment and the card it would write', content: { 'application/json': { schema: LookupResponse } } },
    ...errorResponses,
  },
});

export function registerLookupRoute(app: AppRouter, deps: AppDeps): void {
  app.openapi(lookupRoute, async (c) => {
    const q = c.req.valid('query');
    const enricher = await deps.enrichment.enricher();
    const system: 'SBI2008' | 'SBI2025' | undefined = q.sbi_system ? (q.sbi_system === '2008' ? 'SBI2008' : 'SBI2025') : undefined;
    const systems = system ? { sbiSystem: system, kvkSbiSystem: system } : {};
    const enrichment = enricher.resolve({ sbi: q.sbi, employees: q.employees, industry: q.industry, kvkSbi: q.kvk_sbi, postcode: q.postcode, ...systems });
    return c.json({ enrichment, card: enricher.toCard(enrichment, new Date()) as Record<string, string> }, 200);
  });
}
