import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps, AppRouter } from '../context.js';
import { tableStatus } from '../../cbs/status.js';
import { lastFinishedCbsRefresh } from '../../ops/cbs-refresh-runs.js';
import { ProblemSchema } from '../openapi.js';
import { AppError, problems } from '../problem.js';
import { IsoDate, iso } from './admin-common.js';

const TableSchema = z
  .object({
    tableId: z.string(),
    title: z.string().nullable(),
    source: z.enum(['snapshot', 'odata']).nullable().openapi({ description: "'snapshot' (bundled copy) or 'odata' (fetched from CBS); null when not loaded" }),
    versionId: z.number().int().nullable(),
    modified: z.string().nullable().openapi({ description: "CBS's Modified timestamp of the table" }),
    loadedAt: IsoDate.nullable(),
    ageSeconds: z.number().nullable(),
    rowCount: z.number().int().nullable(),
    lastRefresh: z
      .object({ runId: z.number().int(), status: z.string(), action: z.string().nullable(), error: z.string().nullable(), finishedAt: IsoDate.nullable() })
      .nullable()
      .openapi({ description: 'What the latest refresh run did with this table' }),
  })
  .openapi('CbsTable');

const RefreshRunSchema = z
  .object({ id: z.number().int(), trigger: z.string(), status: z.string(), error: z.string().nullable(), startedAt: IsoDate, finishedAt: IsoDate.nullable() })
  .openapi('CbsRefreshRun');

const tablesRoute = createRoute({
  method: 'get',
  path: '/v1/cbs/tables',
  tags: ['admin'],
  summary: 'CBS cache freshness per table and the last refresh result',
  responses: {
    200: {
      description: 'Tables served now',
      content: {
        'application/json': {
          schema: z.object({ tables: z.array(TableSchema), lastRefresh: RefreshRunSchema.nullable() }).openapi('CbsTables'),
        },
      },
    },
  },
});

const refreshRoute = createRoute({
  method: 'post',
  path: '/v1/cbs/refresh',
  tags: ['admin'],
  summary: 'Check CBS for new table versions now',
  description: 'Answers 200 with the summary when the refresh finishes within a few seconds, otherwise 202 while it continues in the background.',
  responses: {
    200: {
      description: 'Finished',
      content: {
        'application/json': {
          schema: z
            .object({
              runId: z.number().int(),
              status: z.enum(['ok', 'failed']),
              tables: z.array(z.object({ tableId: z.string() }).passthrough()),
              error: z.string().nullable(),
              startedAt: IsoDate,
              finishedAt: IsoDate,
            })
            .openapi('CbsRefreshResult'),
        },
      },
    },
    202: { description: 'Still running in the background', content: { 'application/json': { schema: z.object({ status: z.literal('started') }) } } },
    409: { description: 'A refresh is already running (here or in another instance)', content: { 'application/problem+json': { schema: ProblemSchema } } },
  },
});

/** Registered on the admin router (admin-routes.ts), which adds the auth and the admin error responses. */
export function registerAdminCbsRoutes(app: AppRouter, deps: AppDeps): void {
  let running: Promise<unknown> | undefined;

  app.openapi(tablesRoute, async (c) => {
    const db = deps.database.db;
    const [tables, last] = await Promise.all([tableStatus(db, deps.config.cbs.tables), lastFinishedCbsRefresh(db)]);
    const now = Date.now();
    return c.json(
      {
        tables: tables.map((t) => ({ ...t, ageSeconds: t.loadedAt ? Math.round((now - Date.parse(t.loadedAt)) / 1000) : null })),
        lastRefresh: last
          ? { id: last.id, trigger: last.trigger, status: last.status, error: last.error, startedAt: last.startedAt.toISOString(), finishedAt: iso(last.finishedAt) }
          : null,
      },
      200,
    );
  });

  app.openapi(refreshRoute, async (c) => {
    const cbs = deps.cbs;
    if (running || cbs.isRefreshing()) throw problems.conflict('A CBS refresh is already running.');
    const log = c.get('log');
    const run = cbs.refresh({ trigger: 'admin' });
    running = run;
    run.then(
      (summary) => log.info({ summary }, 'admin CBS refresh finished'),
      (err) => log.error({ err }, 'admin CBS refresh failed'),
    ).finally(() => {
      if (running === run) running = undefined;
    });
    const outcome = await Promise.race([
      run.then((summary) => ({ done: true as const, summary }), (err: unknown) => ({ done: true as const, err })),
      new Promise<{ done: false }>((resolve) => setTimeout(() => resolve({ done: false }), deps.ops.cbsRefreshWaitMs).unref()),
    ]);
    if (!outcome.done) return c.json({ status: 'started' as const }, 202);
    if ('err' in outcome) throw new AppError(500, 'cbs-refresh-failed', 'CBS refresh failed', 'The refresh failed; the data served before is still in use. See the logs.');
    const summary = outcome.summary;
    if (summary.status === 'skipped') throw problems.conflict('Another instance is refreshing CBS tables right now.');
    return c.json({ ...summary, status: summary.status }, 200);
  });
}
