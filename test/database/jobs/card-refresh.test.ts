import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrichments, jobs } from '../../../src/db/schema.js';
import { createCardRefresh } from '../../../src/jobs/refresh.js';
import { createLogger } from '../../../src/logger.js';
import { createTestService, type TestService, testConfig } from '../../support/app.js';
import { makeJobs, uniqueAccount } from '../../support/crm.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { waitUntil } from '../../support/service-kit.js';

/**
 * Cards that stay current (issue 27): 50 cards written, then made to look as an older engine left
 * them (their stored answer and the CRM's card carry another `cbs_version` and an older
 * `cbs_period`). A refresh run with a budget of 30 queues 30 `refresh` jobs, which rewrite those
 * cards and record what they replaced; the next run queues the other 20; a run after that finds
 * nothing out of date.
 */

const TOKEN = 'pat-eu1-refresh-token-0123456789';

describe.each(flavours)('card refresh on %s', (flavour) => {
  let database: TestDatabase;
  let hubspot: FakeHubspot;
  let service: TestService;
  const portal = uniqueAccount('');

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    hubspot = await startFakeHubspot({ token: TOKEN, portalId: Number(portal) });
    service = await createTestService(
      database,
      testConfig({ HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_URL: hubspot.url, CRM_CATCHUP_CRON: 'off', CARD_REFRESH_CRON: 'off', JOB_POLL_MS: '50' }),
    );
    await service.runtime.start();
  }, 120_000);
  afterAll(async () => {
    await service?.runtime.stop();
    await hubspot?.close();
    await database?.drop();
  });

  const settled = async (ids: number[]) => {
    await waitUntil(async () => (await database.db.select({ s: jobs.status }).from(jobs).where(inArray(jobs.id, ids))).every((j) => j.s !== 'queued' && j.s !== 'running'), 120_000, 'the jobs');
  };

  it('rewrites out-of-date cards within the budget, recording what each replaced', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => String(610_000 + i));
    for (const id of ids) hubspot.seed('company', id, { name: `Kaart ${id} B.V.`, sbi_code: '6201', numberofemployees: '25' });
    const first = await makeJobs(database, ids.map((objectId) => ({ source: 'hubspot', accountId: portal, objectType: 'company', objectId })));
    service.deps.jobs.wake();
    await settled(first.map((j) => j.id));
    const key = (id: string) => `hubspot:${portal}:company:${id}`;
    const written = await database.db.select().from(enrichments).where(and(inArray(enrichments.leadKey, ids.map(key)), eq(enrichments.writeStatus, 'written')));
    expect(written, JSON.stringify(written[0])).toHaveLength(50);
    const current = written[0].version;

    // What an older engine and an older CBS period left: on the card in the CRM and in the audit trail.
    for (const id of ids) {
      const card = hubspot.cards.get(`company:${id}`)!;
      card.cbs_version = 'older-engine';
      card.cbs_period = '2019';
    }
    await database.db
      .update(enrichments)
      .set({ version: 'older-engine', result: sql`jsonb_set(${enrichments.result}, '{cbs_period}', '{"key":"2019JJ00","title":"2019","status":null}'::jsonb)` })
      .where(inArray(enrichments.leadKey, ids.map(key)));

    const refresh = createCardRefresh({ database, enrichment: service.deps.enrichment, logger: createLogger({ level: 'silent' }), budget: 30, wake: service.deps.jobs.wake });
    const run1 = await refresh.runOnce();
    expect(run1, JSON.stringify(run1)).toMatchObject({ ran: true, enqueued: 30 });
    expect(run1.outOfDate.period + run1.outOfDate.version).toBeGreaterThanOrEqual(30);
    const queued1 = await database.db.select().from(jobs).where(and(eq(jobs.reason, 'refresh'), eq(jobs.accountId, portal)));
    expect(queued1).toHaveLength(30);
    await settled(queued1.map((j) => j.id));

    const run2 = await refresh.runOnce();
    expect(run2, JSON.stringify(run2)).toMatchObject({ enqueued: 20 });
    const queued2 = await database.db.select().from(jobs).where(and(eq(jobs.reason, 'refresh'), eq(jobs.accountId, portal)));
    expect(queued2).toHaveLength(50);
    await settled(queued2.map((j) => j.id));
    expect(queued2.every((j) => j.reason === 'refresh'), JSON.stringify(queued2.map((j) => j.status))).toBe(true);
    const done = await database.db.select().from(jobs).where(inArray(jobs.id, queued2.map((j) => j.id)));
    expect(done.map((j) => j.status).filter((s) => s !== 'done'), JSON.stringify(done.find((j) => j.status !== 'done'))).toEqual([]);

    // Each card rewritten once more, with the current version, and the older values recorded as replaced.
    for (const id of ids) expect(hubspot.cards.get(`company:${id}`)?.cbs_version).toBe(current);
    const rewrites = await database.db
      .select()
      .from(enrichments)
      .where(and(inArray(enrichments.leadKey, ids.map(key)), eq(enrichments.writeStatus, 'written'), inArray(enrichments.jobId, done.map((j) => j.id))));
    expect(rewrites).toHaveLength(50);
    expect(rewrites.every((r) => (r.previousProperties as Record<string, string>).cbs_version === 'older-engine')).toBe(true);

    // Nothing is out of date any more.
    const run3 = await refresh.runOnce();
    expect(run3, JSON.stringify(run3)).toMatchObject({ enqueued: 0 });
  }, 300_000);
});
