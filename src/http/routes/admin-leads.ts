import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps, AppRouter } from '../context.js';
import { withTransaction } from '../../db/client.js';
import type { Source } from '../../leads/identity.js';
import type { JobPayload } from '../../leads/job-payload.js';
import { leadHistory, provenanceOf } from '../../ops/leads.js';
import { enqueueJob } from '../../jobs/queue.js';
import { notFoundResponse } from '../openapi.js';
import { problems } from '../problem.js';
import { leadHref } from '../status-page/format.js';
import { IsoDate, ObjectIdSchema, SourceSchema, iso, wantsHtml } from './admin-common.js';

const LeadParams = z.object({
  source: SourceSchema.openapi({ param: { name: 'source', in: 'path' }, example: 'hubspot' }),
  id: ObjectIdSchema.openapi({ param: { name: 'id', in: 'path' }, example: '65059681032' }),
});

const LeadQuery = z.object({
  account: ObjectIdSchema.optional().openapi({ description: 'CRM account (HubSpot portal id, Pipedrive company id); default: the first that knows this id' }),
  type: z
    .string()
    .regex(/^[a-z_]{1,40}$/, 'must be an object type such as company, contact, organization, person or lead')
    .optional()
    .openapi({ description: 'Object type; default: the first that knows this id' }),
});

const LeadRefSchema = z.object({
  leadKey: z.string(),
  source: z.string(),
  accountId: z.string(),
  objectType: z.string(),
  objectId: z.string(),
});

const EnrichmentSchema = z
  .object({
    id: z.number().int(),
    jobId: z.number().int().nullable(),
    version: z.string(),
    writeStatus: z.string().openapi({ description: "'written' | 'dry_run' | 'unchanged' | 'skipped_rollout' | 'no_crm'" }),
    createdAt: IsoDate,
    properties: z.record(z.string(), z.unknown()).openapi({ description: 'What was written to the card (or would have been, in a dry run)' }),
    previousProperties: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'The values those properties had before: what a rollback restores' }),
    provenance: z.object({
      sourceLine: z.string().nullable(),
      tables: z.array(z.object({ tableId: z.string(), modified: z.string().nullable(), period: z.string().nullable(), source: z.string().nullable() })),
    }),
    result: z.unknown().openapi({ description: 'The full enrichment result as computed' }),
  })
  .openapi('LeadEnrichment');

const AttemptSchema = z
  .object({
    jobId: z.number().int(),
    reason: z.string(),
    status: z.string(),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    lastError: z.string().nullable(),
    outcome: z.unknown(),
    history: z.unknown().openapi({ description: 'Every attempt of this job, as the queue recorded it' }),
    createdAt: IsoDate,
    updatedAt: IsoDate,
    finishedAt: IsoDate.nullable(),
  })
  .openapi('LeadJob');

const LeadHistorySchema = z
  .object({
    lead: LeadRefSchema,
    alsoKnownAs: z.array(LeadRefSchema),
    current: EnrichmentSchema.nullable(),
    enrichments: z.array(EnrichmentSchema),
    jobs: z.array(AttemptSchema),
  })
  .openapi('LeadHistory');

const getLead = createRoute({
  method: 'get',
  path: '/v1/leads/{source}/{id}',
  tags: ['admin'],
  summary: 'A lead: its current enrichment and full history (attempts, writes, CBS tables and periods)',
  request: { params: LeadParams, query: LeadQuery },
  responses: {
    200: { description: 'The lead and its history', content: { 'application/json': { schema: LeadHistorySchema } } },
    ...notFoundResponse,
  },
});

const enrichLead = createRoute({
  method: 'post',
  path: '/v1/leads/{source}/{id}/enrich',
  tags: ['admin'],
  summary: 'Enrich a known lead again (queues a job with reason reenrich)',
  request: { params: LeadParams, query: LeadQuery },
  responses: {
    202: {
      description: 'Queued',
      content: { 'application/json': { schema: z.object({ jobId: z.number().int(), leadKey: z.string() }).openapi('Reenrich') } },
    },
    303: { description: "From an HTML form (the status page's re-enrich button): back to the lead's page" },
    ...notFoundResponse,
  },
});

function toObject(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Registered on the admin router (admin-routes.ts), which adds the auth and the admin error responses. */
export function registerAdminLeadRoutes(app: AppRouter, deps: AppDeps): void {
  app.openapi(getLead, async (c) => {
    const { source, id } = c.req.valid('param');
    const { account, type } = c.req.valid('query');
    // A viewer reads only its own account's leads; any other is answered as if it did not exist.
    const viewer = c.get('viewer');
    const foreign = viewer !== undefined && (source !== viewer.source || (account !== undefined && account !== viewer.accountId));
    const found = foreign ? undefined : await leadHistory(deps.database.db, { source, objectId: id, accountId: viewer?.accountId ?? account, objectType: type });
    if (!found) throw problems.notFound(`No ${source} lead ${id} has been seen.`);
    const enrichments = found.enrichments.map((e) => ({
      id: e.id,
      jobId: e.jobId,
      version: e.version,
      writeStatus: e.writeStatus,
      createdAt: e.createdAt.toISOString(),
      properties: toObject(e.properties) ?? {},
      previousProperties: toObject(e.previousProperties),
      provenance: provenanceOf(e.result),
      result: e.result,
    }));
    const jobs = found.jobs.map((j) => ({
      jobId: j.id,
      reason: j.reason,
      status: j.status,
      attempts: j.attempts,
      maxAttempts: j.maxAttempts,
      lastError: j.lastError,
      outcome: j.outcome,
      history: j.history,
      createdAt: j.createdAt.toISOString(),
      updatedAt: j.updatedAt.toISOString(),
      finishedAt: iso(j.finishedAt),
    }));
    return c.json({ lead: found.lead, alsoKnownAs: found.alsoKnownAs, current: enrichments[0] ?? null, enrichments, jobs }, 200);
  });

  app.openapi(enrichLead, async (c) => {
    const { source, id } = c.req.valid('param');
    const { account, type } = c.req.valid('query');
    const job = await withTransaction(deps.database.db, async (tx) => {
      // Looked up inside the transaction: the lead we re-enrich is the one we just read.
      const found = await leadHistory(tx, { source, objectId: id, accountId: account, objectType: type });
      if (!found) throw problems.notFound(`No ${source} lead ${id} has been seen; it is enriched when its webhook arrives.`);
      const previous = (toObject(found.latestPayload) ?? {}) as Partial<JobPayload>;
      const payload: JobPayload = { lead: previous.lead ?? {}, event: { type: 'reenrich', occurredAt: new Date().toISOString() } };
      const ref = { source: found.lead.source as Source, accountId: found.lead.accountId, objectType: found.lead.objectType, objectId: found.lead.objectId };
      const queued = await enqueueJob(tx, { ref, reason: 'reenrich', payload });
      return { jobId: queued.id, leadKey: found.lead.leadKey, lead: found.lead };
    });
    deps.jobs.wake();
    c.get('log').info({ jobId: job.jobId, leadKey: job.leadKey }, 're-enrich queued');
    if (wantsHtml(c.req.header('accept'))) return c.redirect(leadHref(job.lead), 303);
    return c.json({ jobId: job.jobId, leadKey: job.leadKey }, 202);
  });
}
