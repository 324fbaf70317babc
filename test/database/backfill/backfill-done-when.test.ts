import { and, eq, gt, lt, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubSpotEvents } from '../../../src/crm/hubspot/webhook.js';
import { backfillRuns, enrichments, jobs } from '../../../src/db/schema.js';
import { recordWebhook } from '../../../src/jobs/intake.js';
import { bodyOf, createTestService, type TestService, testConfig } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { type FakeHubspot, startFakeHubspot } from '../../support/fakes/hubspot-server.js';
import { type FakePipedrive, startFakePipedrive } from '../../support/fakes/pipedrive-server.js';
import { waitUntil } from '../../support/service-kit.js';

/**
 * Issue 27's "done when": the fake HubSpot with 2,000 existing companies (no webhooks for them)
 * and the fake Pipedrive with 500 organizations are previewed, then backfilled with a restart in
 * the middle (the cursor taken back a page, as a crash between enqueueing a page and storing its
 * cursor leaves it); no CRM limit is ever exceeded, each card is written once, and new webhook
 * leads keep being written meanwhile, each before the backfill jobs queued ahead of it. Small
 * real-time windows (100 / 1 s, Pipedrive 200 / 1 s) keep it to a minute or two.
 */

const HS_TOKEN = 'pat-eu1-backfill-token-0123456789';
const PD_TOKEN = 'pipedrive-backfill-token-0123456789';
const SBI = ['6201', '4711', '1071', '4120', '5610', '6920', '8621', '4941'];
const ADMIN_TOKEN = 'backfill-admin-token-0123456789';

describe.each(flavours)('backfill, done when (%s)', (flavour) => {
  let database: TestDatabase;
  let hubspot: FakeHubspot;
  let pipedrive: FakePipedrive;
  let service: TestService;
  const portal = String(40_000_000 + Math.floor(Math.random() * 1_000_000));
  const company = 12_000_000 + Math.floor(Math.random() * 1_000_000);

  const env = () => ({
    ADMIN_TOKEN,
    HUBSPOT_ACCESS_TOKEN: HS_TOKEN,
    HUBSPOT_BASE_URL: hubspot.url,
    PIPEDRIVE_API_TOKEN: PD_TOKEN,
    PIPEDRIVE_BASE_URL: pipedrive.url,
    CRM_RATE_LIMIT: '100/1s',
    CRM_CATCHUP_CRON: 'off',
    JOB_POLL_MS: '50',
    JOB_BATCH_SIZE: '100',
    WORKER_CONCURRENCY: '2',
  });
  const startService = async () => {
    service = await createTestService(database, testConfig(env()));
    await service.runtime.start();
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await service.app.request(path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return bodyOf(res).then((b) => ({ status: res.status, ...b }));
  };
  const finished = async (id: number) => {
    const got = await api('GET', `/v1/backfills/${id}`);
    expect(got.status, got.text).toBe(200);
    return got.json.progress.finished as boolean;
  };
  const start = async (body: Record<string, unknown>) => {
    const got = await api('POST', '/v1/backfills', body);
    expect(got.status, got.text).toBe(202);
    return got.json.id as number;
  };

  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    hubspot = await startFakeHubspot({ token: HS_TOKEN, portalId: Number(portal), limit: 100, windowMs: 1_000 });
    pipedrive = await startFakePipedrive({ token: PD_TOKEN, companyId: company, limit: 200, windowMs: 1_000 });
    const long = new Date(Date.now() - 400 * 86_400_000);
    for (let i = 0; i < 2000; i++) {
      hubspot.seed('company', String(500_000 + i), { name: `Bestaand ${i} B.V.`, sbi_code: SBI[i % SBI.length], numberofemployees: String(3 + (i % 400)) }, new Date(long.getTime() + i * 1000));
    }
    for (let i = 0; i < 500; i++) pipedrive.seedOrganization(70_000 + i, `Organisatie ${i} B.V.`, {}, new Date(long.getTime() + i * 1000));
    await startService();
  }, 120_000);
  afterAll(async () => {
    await service?.runtime.stop();
    await Promise.all([hubspot?.close(), pipedrive?.close()]);
    await database?.drop();
  });

  it('previews every record without writing: a report by outcome, sector and size, and a CSV', async () => {
    const hs = await start({ source: 'hubspot', objectType: 'companies', dryRun: true });
    const pd = await start({ source: 'pipedrive', objectType: 'organizations', dryRun: true });
    await waitUntil(async () => (await finished(hs)) && (await finished(pd)), 420_000, 'the previews to finish');

    const report = await api('GET', `/v1/backfills/${hs}/report`);
    expect(report.status, report.text).toBe(200);
    expect(report.json.records, report.text).toBe(2000);
    expect(report.json.outcomes.wouldWrite + report.json.outcomes.unchanged, report.text).toBe(2000);
    expect(report.json.outcomes.written, report.text).toBe(0);
    // Counted once each: no sector is the distribution's `none`.
    expect(report.json.noSector, report.text).toBe(report.json.sectors.none ?? 0);
    expect(report.json.noSector, report.text).toBeLessThan(2000);
    expect(Object.values(report.json.sectors as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(2000);
    expect(Object.values(report.json.sizes as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(2000);

    const csv = await service.app.request(`/v1/backfills/${hs}/report.csv`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const text = await csv.text();
    expect(csv.status, text.slice(0, 500)).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(2001);
    expect(lines[0]).toMatch(/^record_id,company,outcome,current:cbs_/);
    expect(lines[1]).toMatch(/^500000,Bestaand 0 B\.V\.,would_write,/);

    const pdReport = await api('GET', `/v1/backfills/${pd}/report`);
    expect(pdReport.json.records, pdReport.text).toBe(500);
    // Nothing was written: no update reached either CRM.
    expect(hubspot.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/search') && !r.path.endsWith('/batch/read'))).toEqual([]);
    expect(pipedrive.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  }, 480_000);

  it('backfills everything with a restart in the middle, within the limits, each card once, webhook leads first', async () => {
    const hs = await start({ source: 'hubspot', objectType: 'companies' });
    const pd = await start({ source: 'pipedrive', objectType: 'organizations' });

    // New leads arrive while the backfill runs; each is written before the backfill jobs queued ahead of it.
    const webhookIds: number[] = [];
    const arrive = async (n: number) => {
      const id = 900_000 + n;
      hubspot.seed('company', String(id), { name: `Nieuw ${n} B.V.`, sbi_code: '6201', numberofemployees: '12' });
      const got = await recordWebhook(
        database,
        'hubspot',
        parseHubSpotEvents([{ eventId: id, subscriptionId: 1, portalId: Number(portal), occurredAt: Date.now(), subscriptionType: 'company.creation', objectId: id }]),
      );
      webhookIds.push(...got.jobIds);
      service.deps.jobs.wake();
    };
    await arrive(1);
    await waitUntil(async () => (await api('GET', `/v1/backfills/${hs}`)).json.listed >= 400, 120_000, 'a fifth of the HubSpot listing');
    await arrive(2);

    // The restart: the service stops in the middle, and the cursor is a page behind what was
    // enqueued (a crash between enqueueing a page and storing its cursor). The next service resumes.
    await service.runtime.stop();
    const [run] = await database.db.select().from(backfillRuns).where(eq(backfillRuns.id, hs));
    expect(run.state, JSON.stringify(run)).toBe('listing');
    const back = run.cursor ? String(Math.max(0, Number(run.cursor) - 100)) : null;
    await database.db.update(backfillRuns).set({ cursor: back }).where(eq(backfillRuns.id, hs));
    await startService();
    await arrive(3);
    await waitUntil(async () => (await finished(hs)) && (await finished(pd)), 420_000, 'both backfills to finish');
    await arrive(4);
    await waitUntil(async () => {
      const rows = await database.db.select({ status: jobs.status }).from(jobs).where(sql`${jobs.id} in (${sql.join(webhookIds, sql`, `)})`);
      return rows.every((r) => r.status === 'done');
    }, 60_000, 'the webhook leads');

    const hsView = (await api('GET', `/v1/backfills/${hs}`)).json;
    // The new leads are existing records by the time the listing reaches them: listed too (unchanged, not written again).
    expect(hsView, JSON.stringify(hsView)).toMatchObject({ state: 'listed', progress: { total: hsView.progress.done, jobs: { queued: 0, running: 0, dead: 0 } } });
    expect(hsView.progress.total, JSON.stringify(hsView)).toBeGreaterThanOrEqual(2000);
    expect(hsView.enqueued, JSON.stringify(hsView)).toBe(hsView.progress.total);
    const pdView = (await api('GET', `/v1/backfills/${pd}`)).json;
    expect(pdView, JSON.stringify(pdView)).toMatchObject({ state: 'listed', enqueued: 500, progress: { total: 500, done: 500 } });

    // Each card written once, by this run (the preview wrote nothing), and every one of them written.
    // Counted where it matters, at the CRM: each record's write requests that were answered 200.
    const crmWrites = new Map<string, number>();
    const wrote = (key: string) => crmWrites.set(key, (crmWrites.get(key) ?? 0) + 1);
    for (const r of hubspot.requests) {
      if (r.method !== 'POST' || !r.path.endsWith('/companies/batch/update') || r.status !== 200) continue;
      for (const input of (r.body as { inputs: { id: string }[] }).inputs) wrote(`hubspot:${input.id}`);
    }
    for (const r of pipedrive.requests) {
      const m = /\/organizations\/(\d+)$/.exec(r.path);
      if (r.method === 'PATCH' && m && r.status === 200) wrote(`pipedrive:${m[1]}`);
    }
    expect([...crmWrites].filter(([, n]) => n > 1)).toEqual([]);
    expect([...crmWrites.keys()].filter((k) => /^hubspot:5\d{5}$/.test(k))).toHaveLength(2000);
    expect([...crmWrites.keys()].filter((k) => /^pipedrive:7\d*$/.test(k))).toHaveLength(500);
    expect([...Array(2000).keys()].every((i) => hubspot.cards.get(`company:${500_000 + i}`)?.cbs_version)).toBe(true);
    // Verrijk's own record agrees: never two written rows for a lead, and a lead without one is a write
    // that landed while the restart aborted its request (the CRM has it, so the next try found it unchanged).
    const recorded = await database.db
      .select({ leadKey: enrichments.leadKey, status: enrichments.writeStatus, n: sql<number>`count(*)::int` })
      .from(enrichments)
      .groupBy(enrichments.leadKey, enrichments.writeStatus);
    expect(recorded.filter((w) => w.status === 'written' && Number(w.n) > 1)).toEqual([]);
    const writtenKeys = new Set(recorded.filter((w) => w.status === 'written').map((w) => w.leadKey));
    const unchangedOnly = recorded.filter((w) => w.status === 'unchanged' && !writtenKeys.has(w.leadKey) && /:(company:5|organization:7)/.test(w.leadKey));
    expect(writtenKeys.size + new Set(unchangedOnly.map((w) => w.leadKey)).size).toBeGreaterThanOrEqual(2500);
    expect(unchangedOnly.length, JSON.stringify(unchangedOnly)).toBeLessThanOrEqual(2 * 100);

    // Limits: no window over the limit, no 429, at either CRM.
    expect(hubspot.count(429)).toBe(0);
    expect(pipedrive.count(429)).toBe(0);
    expect(hubspot.maxInAnyWindow()).toBeLessThanOrEqual(100);
    expect(pipedrive.maxInAnyWindow()).toBeLessThanOrEqual(200);

    // New leads first: each webhook job finished before every backfill job of its account queued when it arrived.
    for (const id of webhookIds) {
      const [w] = await database.db.select().from(jobs).where(eq(jobs.id, id));
      const [{ n }] = await database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(jobs)
        .where(and(eq(jobs.reason, 'backfill'), eq(jobs.accountId, portal), lt(jobs.createdAt, w.createdAt), gt(jobs.finishedAt, w.finishedAt!)));
      // A backfill batch already running when the lead arrived may finish after it; none claimed later may.
      expect(Number(n), `webhook job ${id}`).toBeLessThanOrEqual(100 * 2);
      expect(w.finishedAt!.getTime() - w.createdAt.getTime(), `webhook job ${id}`).toBeLessThan(60_000);
    }
  }, 600_000);
});
