import { createRoute, z } from '@hono/zod-openapi';
import { scopedFilter } from '../admin-auth.js';
import type { AppDeps, AppRouter } from '../context.js';
import { JOB_STATUSES, listJobs, requeueJobs } from '../../jobs/queue.js';
import { notFoundResponse } from '../openapi.js';
import { problems } from '../problem.js';
import { IsoDate, JobIdSchema, SourceSchema, iso, wantsHtml } from './admin-common.js';

const StatusSchema = z.enum(JOB_STATUSES, { error: `must be one of ${JOB_STATUSES.join(', ')}` });

const JobSchema = z
  .object({
    id: z.number().int(),
    source: z.string(),
    accountId: z.string(),
    objectType: z.string(),
    objectId: z.string(),
    leadKey: z.string(),
    reason: z.string(),
    status: z.string(),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    runAt: IsoDate,
    /** When the first attempt failed: retries go on until the retry window (JOB_RETRY_WINDOW_MS) from here has passed. */
    firstFailedAt: IsoDate.nullable(),
    lastError: z.string().nullable(),
    createdAt: IsoDate,
    updatedAt: IsoDate,
    finishedAt: IsoDate.nullable(),
  })
  .openapi('Job');

const listRoute = createRoute({
  method: 'get',
  path: '/v1/jobs',
  tags: ['admin'],
  summary: 'Jobs, newest first: the queue and the dead letters',
  request: {
    query: z.object({
      status: StatusSchema.optional(),
      source: SourceSchema.optional(),
      account: z.string().min(1).max(128).optional().openapi({ description: 'Only the jobs of this CRM account (HubSpot portal, Pipedrive company); needs source', example: '4242' }),
      limit: z.coerce.number({ error: 'must be a number from 1 to 200' }).int().min(1).max(200).default(50).openapi({ example: 50 }),
      before: JobIdSchema.optional().openapi({ description: 'Return jobs with an id below this one (the nextBefore of the previous page)' }),
    }),
  },
  responses: {
    200: {
      description: 'One page of jobs',
      content: {
        'application/json': {
          schema: z.object({ jobs: z.array(JobSchema), nextBefore: z.number().int().nullable() }).openapi('JobPage'),
        },
      },
    },
  },
});

const Retried = z.object({ retried: z.number().int() }).openapi('Retried');
const redirectBack = { 303: { description: 'From an HTML form (the status page): back to the status page' } };

const retryOne = createRoute({
  method: 'post',
  path: '/v1/jobs/{id}/retry',
  tags: ['admin'],
  summary: 'Retry one finished or dead job now',
  request: { params: z.object({ id: JobIdSchema.openapi({ param: { name: 'id', in: 'path' }, example: 42 }) }) },
  responses: {
    202: { description: 'Queued again', content: { 'application/json': { schema: Retried } } },
    ...redirectBack,
    ...notFoundResponse,
  },
});

const retryMany = createRoute({
  method: 'post',
  path: '/v1/jobs/retry',
  tags: ['admin'],
  summary: 'Retry every job matching the filter (default: all dead letters)',
  request: {
    query: z.object({
      status: z.enum(['dead', 'skipped'], { error: 'must be dead or skipped' }).default('dead'),
      source: SourceSchema.optional(),
    }),
  },
  responses: {
    202: { description: 'How many jobs were queued again', content: { 'application/json': { schema: Retried } } },
    ...redirectBack,
  },
});

/** Registered on the admin router (admin-routes.ts), which adds the auth and the admin error responses. */
export function registerAdminJobRoutes(app: AppRouter, deps: AppDeps): void {
  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    if (q.account !== undefined && !q.source) throw problems.badRequest('account needs source: an account id means something only within its CRM.', [{ field: 'account', message: 'needs source' }]);
    // A viewer sees its own account's jobs only (another account asked for: 403).
    const scope = scopedFilter(c.get('viewer'), { source: q.source, accountId: q.account });
    const rows = await listJobs(deps.database.db, { status: q.status, source: scope.source, accountId: scope.accountId, limit: q.limit, beforeId: q.before });
    const jobs = rows.map((j) => ({
      id: j.id,
      source: j.source,
      accountId: j.accountId,
      objectType: j.objectType,
      objectId: j.objectId,
      leadKey: j.leadKey,
      reason: j.reason,
      status: j.status,
      attempts: j.attempts,
      maxAttempts: j.maxAttempts,
      runAt: j.runAt.toISOString(),
      firstFailedAt: iso(j.firstFailedAt),
      lastError: j.lastError,
      createdAt: j.createdAt.toISOString(),
      updatedAt: j.updatedAt.toISOString(),
      finishedAt: iso(j.finishedAt),
    }));
    const nextBefore = jobs.length === q.limit ? jobs[jobs.length - 1].id : null;
    return c.json({ jobs, nextBefore }, 200);
  });

  app.openapi(retryOne, async (c) => {
    const { id } = c.req.valid('param');
    const retried = await requeueJobs(deps.database.db, { id });
    if (retried === 0) throw problems.notFound(`No finished or dead job ${id}; queued and running jobs need no retry.`);
    deps.jobs.wake();
    c.get('log').info({ jobId: id }, 'job retry requested');
    if (wantsHtml(c.req.header('accept'))) return c.redirect('/', 303);
    return c.json({ retried }, 202);
  });

  app.openapi(retryMany, async (c) => {
    const { status, source } = c.req.valid('query');
    const retried = await requeueJobs(deps.database.db, { status, source });
    if (retried > 0) deps.jobs.wake();
    c.get('log').info({ status, source, retried }, 'bulk job retry requested');
    if (wantsHtml(c.req.header('accept'))) return c.redirect('/', 303);
    return c.json({ retried }, 202);
  });
}
