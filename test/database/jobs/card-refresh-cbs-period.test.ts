import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CbsTableData } from '../../../src/cbs/model.js';
import { enrichments, jobs } from '../../../src/db/schema.js';
import { createTestService, type TestService, testConfig } from '../../support/app.js';
import { build82244NED } from '../../support/cbs-derived-tables.js';
import { makeJobs, uniqueAccount } from '../../support/crm.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakeCbs, startFakeCbs } from '../../support/fakes/cbs-server.js';
import { type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { waitUntil } from '../../support/service-kit.js';

/**
 * Issue 27's last "done when" clause, end to end: a CBS refresh that brings a new period leads to
 * the affected cards being rewritten within CARD_REFRESH_BUDGET, without waiting for the card
 * refresh's cron (switched off here). The fake CBS first serves 82244NED (bankruptcies, SBI 49,
 * real figures from test/fixtures/cbs/) without its latest month, as the release before would;
 * 20 transport companies (SBI 4941) and 20 software companies (SBI 6201) get their cards. Then
 * the fake serves the new release (2026-08 added); the service's CBS refresh loads it, and the
 * card refresh it starts rewrites exactly the 20 transport cards, each recording what it replaced.
 */

const TOKEN = 'pat-eu1-cbs-period-token-0123456789';
const FAST_RETRY = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 };

/** The same table without its latest month: the release before. */
function withoutLastMonth(data: CbsTableData): CbsTableData {
  const periods = data.dimensions.Perioden;
  const last = periods.at(-1)!.key;
  const rows = data.rows.filter((r) => r.Perioden !== last);
  return { ...data, info: { ...data.info, modified: '2026-08-14T02:00:00', recordCount: rows.length }, dimensions: { ...data.dimensions, Perioden: periods.slice(0, -1) }, rows };
}

describe.each(flavours)('a CBS refresh with a new period rewrites the affected cards (%s)', (flavour) => {
  let database: TestDatabase;
  let cbs: FakeCbs;
  let hubspot: FakeHubspot;
  let service: TestService;
  let bankruptcies: CbsTableData;
  const portal = uniqueAccount('');
  const transport = Array.from({ length: 20 }, (_, i) => String(720_000 + i));
  const software = Array.from({ length: 20 }, (_, i) => String(730_000 + i));
  const key = (id: string) => `hubspot:${portal}:company:${id}`;

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    bankruptcies = await build82244NED();
    cbs = await startFakeCbs({ derived: [{ data: withoutLastMonth(bankruptcies), modified: '2026-08-14T02:00:00' }] });
    hubspot = await startFakeHubspot({ token: TOKEN, portalId: Number(portal) });
    service = await createTestService(
      database,
      testConfig({
        HUBSPOT_ACCESS_TOKEN: TOKEN,
        HUBSPOT_BASE_URL: hubspot.url,
        CBS_BASE_URL: cbs.url,
        CBS_TABLES: '83583NED,82244NED',
        CBS_FIGURES: 'jobs=83583NED,bankruptcies=82244NED',
        CRM_CATCHUP_CRON: 'off',
        CARD_REFRESH_CRON: 'off',
        CARD_REFRESH_BUDGET: '25',
        JOB_POLL_MS: '50',
      }),
      { cbsClient: { retry: FAST_RETRY } },
    );
    await service.runtime.start();
  }, 120_000);
  afterAll(async () => {
    await service?.runtime.stop();
    await Promise.all([hubspot?.close(), cbs?.close()]);
    await database?.drop();
  });

  const settled = async (ids: number[]) => {
    await waitUntil(async () => (await database.db.select({ s: jobs.status }).from(jobs).where(inArray(jobs.id, ids))).every((j) => j.s !== 'queued' && j.s !== 'running'), 120_000, 'the jobs');
  };

  it('loads the new month and rewrites exactly the cards it changes, recording what each replaced', async () => {
    const before = await service.deps.cbs.refresh({ trigger: 'admin' });
    expect(before.status, JSON.stringify(before)).toBe('ok');
    expect(before.tables.find((t) => t.tableId === '82244NED')?.action, JSON.stringify(before)).toBe('loaded');

    for (const id of transport) hubspot.seed('company', id, { name: `Vervoer ${id} B.V.`, sbi_code: '4941', numberofemployees: '25' });
    for (const id of software) hubspot.seed('company', id, { name: `Software ${id} B.V.`, sbi_code: '6201', numberofemployees: '25' });
    const first = await makeJobs(database, [...transport, ...software].map((objectId) => ({ source: 'hubspot', accountId: portal, objectType: 'company', objectId })));
    service.deps.jobs.wake();
    await settled(first.map((j) => j.id));
    const written = await database.db.select().from(enrichments).where(and(inArray(enrichments.leadKey, [...transport, ...software].map(key)), eq(enrichments.writeStatus, 'written')));
    expect(written, JSON.stringify(written.find((w) => w.writeStatus !== 'written'))).toHaveLength(40);
    const oldVersion = new Map(written.map((w) => [w.leadKey, w.version]));
    const softwareCards = new Map(software.map((id) => [id, { ...hubspot.cards.get(`company:${id}`) }]));
    expect(hubspot.cards.get(`company:${transport[0]}`)?.cbs_period, JSON.stringify(hubspot.cards.get(`company:${transport[0]}`))).toBeTruthy();

    // CBS publishes August: the service's refresh loads it, and nothing else (the card refresh's cron is off).
    cbs.setTable(bankruptcies, '2026-09-11T02:00:00');
    const summary = await service.deps.cbs.refresh({ trigger: 'admin' });
    expect(summary.tables.map((t) => [t.tableId, t.action]), JSON.stringify(summary)).toEqual([
      ['83583NED', 'unchanged'],
      ['82244NED', 'loaded'],
    ]);

    // The card refresh the CBS refresh started queues refresh jobs; they all finish.
    const refreshJobs = () => database.db.select().from(jobs).where(and(eq(jobs.reason, 'refresh'), eq(jobs.accountId, portal)));
    await waitUntil(async () => {
      const got = await refreshJobs();
      return got.length > 0 && got.every((j) => j.status !== 'queued' && j.status !== 'running');
    }, 120_000, 'the refresh jobs the CBS refresh started');
    const done = await refreshJobs();
    expect(done.length, 'within CARD_REFRESH_BUDGET').toBeLessThanOrEqual(25);
    expect(done.map((j) => j.objectId).sort()).toEqual([...transport].sort());
    expect(done.filter((j) => j.status !== 'done'), JSON.stringify(done.find((j) => j.status !== 'done'))).toEqual([]);

    // Each transport card rewritten once more with a new version, the old one recorded as replaced.
    const rewrites = await database.db
      .select()
      .from(enrichments)
      .where(and(inArray(enrichments.jobId, done.map((j) => j.id)), eq(enrichments.writeStatus, 'written')));
    expect(rewrites).toHaveLength(20);
    for (const r of rewrites) {
      expect(r.version, r.leadKey).not.toBe(oldVersion.get(r.leadKey));
      expect((r.previousProperties as Record<string, string>).cbs_version, JSON.stringify(r.previousProperties)).toBe(oldVersion.get(r.leadKey));
      expect(hubspot.cards.get(`company:${r.objectId}`)?.cbs_version).toBe(r.version);
    }
    // The software cards are not touched: same card, one write each.
    for (const id of software) expect(hubspot.cards.get(`company:${id}`), id).toEqual(softwareCards.get(id));
    const softwareWrites = await database.db.select().from(enrichments).where(and(inArray(enrichments.leadKey, software.map(key)), eq(enrichments.writeStatus, 'written')));
    expect(softwareWrites).toHaveLength(20);
  }, 300_000);
});
