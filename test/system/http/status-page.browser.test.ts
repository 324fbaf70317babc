import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnricher } from '../../../src/enrich/engine.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { bundledTableVersions } from '../../../src/enrich/service.js';
import { type TestService, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { SAMPLE_CARD, leadRef, seedCbsTable, seedEnrichment, seedJob, seedRateLimit, seedRefreshRun } from '../../support/seed.js';

/**
 * The status page in a real headless Chromium (Debian's package): log in through
 * the form, check that a hostile company name shows as text and never runs, and
 * keep a screenshot in test-artifacts/ for a person to look at. One lead carries a
 * real enrichment from the bundled snapshot (62.01, 12 employees, 3511 AB) whose
 * figures have trends: its card draws each five-period series as a chart.
 */

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'admin-token-for-browser-test-0123';
const PROBE = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>';
const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true' || process.env.CI === '1';

if (!haveChromium && !inCi) {
  console.warn(`status-page.browser.test: skipped, ${CHROMIUM} is missing (apt-get install -y chromium). In CI this fails instead.`);
}

describe.skipIf(!haveChromium && !inCi)('status page in Chromium', () => {
  let database: TestDatabase;
  let service: TestService;
  let server: ServerType;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    // In CI a missing browser is a failure, not a skip: the check would otherwise silently vanish.
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: .ci/run installs it with apt-get`).toBe(true);
    database = await createTestDatabase('pglite');
    const db = database.db;
    const ref = leadRef();
    const job = await seedJob(db, ref, { status: 'done', payload: { lead: { company: PROBE }, event: { type: 'company.creation' } } });
    await seedEnrichment(db, ref, job.id, { writeStatus: 'dry_run' });
    const ref2 = leadRef({ source: 'pipedrive', accountId: 'acme', objectType: 'organization' });
    const job2 = await seedJob(db, ref2, { status: 'done', payload: { lead: { company: 'Bakkerij Jansen B.V.' }, event: { type: 'organization.create' } } });
    await seedEnrichment(db, ref2, job2.id, { writeStatus: 'written', properties: SAMPLE_CARD });
    const enricher = createEnricher({ sbiList: loadSbiList(), tables: await bundledTableVersions(), minConfidence: 0.5 });
    const trended = enricher.resolve({ sbi: '62.01', employees: 12, postcode: '3511AB' });
    const ref3 = leadRef();
    const job3 = await seedJob(db, ref3, { status: 'done', payload: { lead: { company: 'Softwarehuis Utrecht B.V.' }, event: { type: 'company.creation' } } });
    await seedEnrichment(db, ref3, job3.id, { writeStatus: 'written', version: trended.version, result: trended, properties: enricher.toCard(trended, new Date()) });
    await seedJob(db, leadRef(), { status: 'dead', attempts: 8, lastError: `HubSpot answered 404 for ${PROBE}` });
    await seedCbsTable(db, '83583NED', new Date(Date.now() - 5 * 3600_000));
    await seedRefreshRun(db, 'ok', new Date(Date.now() - 3600_000));
    await seedRateLimit(db, 'hubspot:12345678', 12);

    service = await createTestService(database, testConfig({ ADMIN_TOKEN: TOKEN }));
    const app = service.app;
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await service?.runtime.stop();
    await database?.drop();
  });

  it('logs in through the form, shows the XSS probe as text without running it, and saves a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    await page.goto(`${base}/`);
    await expect(page.locator('input[name="token"]').count()).resolves.toBe(1);

    await page.fill('input[name="token"]', 'wrong-token-wrong-token');
    await page.click('button[type="submit"]');
    await expect(page.locator('.error').textContent()).resolves.toContain('not right');

    await page.fill('input[name="token"]', TOKEN);
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
    await expect(page.locator('h2', { hasText: 'Recent enrichments' }).count()).resolves.toBe(1);

    const cardTitles = await page.locator('.card h3').allTextContents();
    expect(cardTitles).toContain(PROBE);
    expect(cardTitles).toContain('Bakkerij Jansen B.V.');
    // The only images on the page are the trend charts (src/http/status-page/trend-chart.ts), none from the probe.
    await expect(page.locator('.card img:not(.chart)').count()).resolves.toBe(0);
    const trendCard = page.locator('.card', { hasText: 'Softwarehuis Utrecht B.V.' });
    // Jobs (83583NED 2015–2019) and starts (83631NED 2021–2025) have history; each draws its chart and its line.
    await expect(trendCard.locator('img.chart').count()).resolves.toBe(2);
    mkdirSync('test-artifacts', { recursive: true });
    await trendCard.screenshot({ path: 'test-artifacts/status-page-trend-card.png' });
    const charts = await trendCard.locator('img.chart').evaluateAll((imgs) =>
      imgs.map((i) => {
        const img = i as unknown as { naturalWidth: number; complete: boolean; alt: string; getBoundingClientRect(): { right: number }; closest(s: string): { getBoundingClientRect(): { right: number } } };
        return { loaded: img.complete && img.naturalWidth > 0, alt: img.alt, inside: img.getBoundingClientRect().right <= img.closest('.card').getBoundingClientRect().right };
      }),
    );
    expect(charts, JSON.stringify(charts)).toEqual([
      { loaded: true, alt: 'banen in sector: +6,3% t.o.v. 2018 (CBS 83583NED, voorlopig)', inside: true },
      { loaded: true, alt: 'oprichtingen in regio (alle sectoren): -12,6% t.o.v. 2024 (CBS 83631NED, voorlopig)', inside: true },
    ]);
    await expect(trendCard.locator('.trend').first().textContent()).resolves.toContain('banen in sector: +6,3% t.o.v. 2018');
    await expect(page.locator('body script').count()).resolves.toBe(0);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    // The stylesheet applied (nonce accepted): the header has its dark background.
    const headerBg = await page.locator('header').evaluate((el) => (globalThis as any).getComputedStyle(el).backgroundColor);
    expect(headerBg).toBe('rgb(24, 49, 83)');
    expect(cspViolations).toEqual([]);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/status-page.png', fullPage: true });

    // The retry button works from the browser (cookie session, same origin).
    await Promise.all([page.waitForURL(`${base}/`), page.click('text=Retry all dead letters')]);
    await expect(page.locator('text=Retry all dead letters').count()).resolves.toBe(0);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    await page.close();
  }, 60_000);
});
