import { createRoute, z } from '@hono/zod-openapi';
import { BackfillRefused } from '../../jobs/backfill.js';
import { type BackfillRun, backfillProgress, getBackfill, listBackfills } from '../../jobs/backfill-runs.js';
import { backfillCsv, backfillReport } from '../../jobs/backfill-report.js';
import type { AppDeps, AppRouter } from '../context.js';
import { notFoundResponse } from '../openapi.js';
import { problems } from '../problem.js';
import { IsoDate, JobIdSchema, iso, wantsHtml } from './admin-common.js';

/**
 * Backfills of existing CRM records (docs/backfill.md): start one (optionally a preview, `dryRun`),
 * follow its progress, pause, resume or cancel it, and read what it did or would do (a report and
 * a CSV). The runner is src/jobs/backfill.ts; `npm run backfill` drives these routes.
 */

const StartSchema = z
  .object({
    source: z.enum(['hubspot', 'pipedrive'], { error: 'must be hubspot or pipedrive' }),
    objectType: z.string().min(1).max(40).openapi({ example: 'companies', description: 'companies or contacts (HubSpot), organizations or persons (Pipedrive)' }),
    accountId: z.string().regex(/^\d{1,20}$/, 'must be the numeric HubSpot portal or Pipedrive company id').optional(),
    dryRun: z.boolean().default(false),
    createdBefore: z.iso.datetime({ offset: true, error: 'must be an ISO date-time such as 2026-01-01T00:00:00Z' }).optional(),
  })
  .strict()
  .openapi('BackfillStart');

const BackfillSchema = z
  .object({
    id: z.number().int(),
    source: z.string(),
    accountId: z.string(),
    objectType: z.string(),
    state: z.string().openapi({ description: 'listing, listed (every record enqueued), paused, cancelled or failed' }),
    dryRun: z.boolean(),
    filters: z.object({ createdBefore: z.string().optional() }),
    listed: z.number().int(),
    enqueued: z.number().int(),
    alreadyQueued: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: IsoDate,
    listedAt: IsoDate.nullable(),
    progress: z.object({
      done: z.number().int(),
      total: z.number().int().nullable(),
      jobs: z.record(z.string(), z.number().int()),
      ratePerSecond: z.number(),
      etaSeconds: z.number().int().nullable(),
      finished: z.boolean(),
    }),
    reportUrl: z.string(),
    csvUrl: z.string(),
  })
  .openapi('Backfill');

const ReportSchema = z
  .object({
    runId: z.number().int(),
    records: z.number().int(),
    outcomes: z.object({ wouldWrite: z.number().int(), written: z.number().int(), unchanged: z.number().int(), other: z.number().int() }),
    noSector: z.number().int(),
    noSize: z.number().int(),
    sectors: z.record(z.string(), z.number().int()),
    sizes: z.record(z.string(), z.number().int()),
  })
  .openapi('BackfillReport');

const IdParams = z.object({ id: JobIdSchema.openapi({ param: { name: 'id', in: 'path' }, example: 1 }) });
const one = { 200: { description: 'The backfill and its progress', content: { 'application/json': { schema: BackfillSchema } } }, ...notFoundResponse };

const startRoute = createRoute({
  method: 'post',
  path: '/v1/backfills',
  tags: ['admin'],
  summary: 'Start a backfill (or its preview, dryRun) of every existing record of one object type',
  request: { body: { required: true, content: { 'application/json': { schema: StartSchema } } } },
  responses: {
    202: { description: 'Started: records are listed and enqueued in the background', content: { 'application/json': { schema: BackfillSchema } } },
    409: { description: 'The CRM is not configured, has no such object type, or its account is not known' },
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/backfills',
  tags: ['admin'],
  summary: 'Backfills, newest first',
  responses: { 200: { description: 'The last 20 backfills', content: { 'application/json': { schema: z.object({ backfills: z.array(BackfillSchema) }) } } } },
});

const getRoute = createRoute({ method: 'get', path: '/v1/backfills/{id}', tags: ['admin'], summary: 'A backfill and its progress', request: { params: IdParams }, responses: one });

const action = (verb: 'pause' | 'resume' | 'cancel', summary: string) =>
  createRoute({
    method: 'post',
    path: `/v1/backfills/{id}/${verb}`,
    tags: ['admin'],
    summary,
    request: { params: IdParams },
    responses: { ...one, 303: { description: 'From an HTML form (the status page): back to the status page' }, 409: { description: 'Not possible in the state the backfill is in' } },
  });

const reportRoute = createRoute({
  method: 'get',
  path: '/v1/backfills/{id}/report',
  tags: ['admin'],
  summary: 'What the backfill did or (a preview) would do: outcomes, sectors, size classes',
  request: { params: IdParams },
  responses: { 200: { description: 'The report', content: { 'application/json': { schema: ReportSchema } } }, ...notFoundResponse },
});

const csvRoute = createRoute({
  method: 'get',
  path: '/v1/backfills/{id}/report.csv',
  tags: ['admin'],
  summary: 'One line per record: id, company, current values and what would be written',
  request: { params: IdParams },
  responses: { 200: { description: 'CSV (RFC 4180)', content: { 'text/csv': { schema: z.string() } } }, ...notFoundResponse },
});

export function registerAdminBackfillRoutes(app: AppRouter, deps: AppDeps): void {
  const db = deps.database.db;
  const view = async (run: BackfillRun) => {
    const p = await backfillProgress(db, run);
    const finished = run.state === 'cancelled' || (run.state === 'listed' && p.jobs.queued + p.jobs.running === 0);
    return {
      id: run.id,
      source: run.source,
      accountId: run.accountId,
      objectType: run.objectType,
      state: run.state,
      dryRun: run.dryRun,
      filters: run.filters as { createdBefore?: string },
      listed: run.listed,
      enqueued: run.enqueued,
      alreadyQueued: run.alreadyQueued,
      lastError: run.error,
      createdAt: run.createdAt.toISOString(),
      listedAt: iso(run.listedAt),
      progress: { done: p.done, total: p.total, jobs: p.jobs, ratePerSecond: Math.round(p.ratePerSecond * 100) / 100, etaSeconds: p.etaSeconds, finished },
      reportUrl: `/v1/backfills/${run.id}/report`,
      csvUrl: `/v1/backfills/${run.id}/report.csv`,
    };
  };
  const found = async (id: number) => {
    const run = await getBackfill(db, id);
    if (!run) throw problems.notFound(`No backfill ${id}.`);
    return run;
  };

  app.openapi(startRoute, async (c) => {
    const body = c.req.valid('json');
    let run: BackfillRun;
    try {
      run = await deps.backfills.start({ ...body, createdBefore: body.createdBefore ? new Date(body.createdBefore) : undefined });
    } catch (err) {
      if (err instanceof BackfillRefused) throw problems.conflict(err.message);
      throw err;
    }
    c.get('log').info({ backfill: run.id, source: run.source, objectType: run.objectType, dryRun: run.dryRun }, 'backfill requested');
    return c.json(await view(run), 202);
  });

  app.openapi(listRoute, async (c) => c.json({ backfills: await Promise.all((await listBackfills(db)).map(view)) }, 200));

  app.openapi(getRoute, async (c) => c.json(await view(await found(c.req.valid('param').id)), 200));

  for (const verb of ['pause', 'resume', 'cancel'] as const) {
    const summary = { pause: 'Pause a backfill: no more listing, its queued jobs wait', resume: 'Resume a paused backfill', cancel: 'Cancel a backfill: its queued jobs are skipped' }[verb];
    app.openapi(action(verb, summary), async (c) => {
      const { id } = c.req.valid('param');
      await found(id);
      if (!(await deps.backfills[verb](id))) throw problems.conflict(`Backfill ${id} cannot ${verb} in its present state.`);
      c.get('log').info({ backfill: id }, `backfill ${verb} requested`);
      if (wantsHtml(c.req.header('accept'))) return c.redirect('/', 303);
      return c.json(await view(await found(id)), 200);
    });
  }

  app.openapi(reportRoute, async (c) => {
    const run = await found(c.req.valid('param').id);
    return c.json(await backfillReport(db, run.id), 200);
  });

  app.openapi(csvRoute, async (c) => {
    const run = await found(c.req.valid('param').id);
    const csv = await backfillCsv(db, run.id);
    return c.body(csv, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="backfill-${run.id}.csv"` });
  });
}
