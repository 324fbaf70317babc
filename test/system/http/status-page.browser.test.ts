import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueViewerToken } from '../../../src/accounts/viewer.js';
import { DEFAULT_FIGURES } from '../../../src/enrich/figure-spec.js';
import { en } from '../../../src/http/status-page/i18n/en.js';
import { nl } from '../../../src/http/status-page/i18n/nl.js';
import { type TestService, createTestService, testConfig } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { geometryProblems, pageHeight, visibleText } from '../../support/page-geometry.js';
import { leadRef, seedEnrichment, seedJob } from '../../support/seed.js';
import { HISTORY_COMPANY, SEEDED_ACCOUNTS, SEEDED_LEADS, seedStatusPage } from '../../support/status-page-seed.js';

/**
 * The status page in a real headless Chromium (Debian's package), in both
 * languages, with leads that fill every field: no word breaks or leaves its box,
 * the overview of 50 leads stays a reasonable height, one language per page,
 * search, paging, the lead page and its re-enrich button, and a hostile company
 * name shown as text that never runs. Screenshots go to test-artifacts/ (git-ignored).
 */

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'admin-token-for-browser-test-0123';
const PROBE = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>';
const ARTIFACTS = 'test-artifacts';
/** 50 leads a page at 1280 px wide: about 36 px a lead plus the boxes above; the page was 27,000 px for 13 leads. */
const MAX_OVERVIEW_HEIGHT = 4500;
const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true' || process.env.CI === '1';

if (!haveChromium && !inCi) {
  console.warn(`status-page.browser.test: skipped, ${CHROMIUM} is missing (apt-get install -y chromium). In CI this fails instead.`);
}

/** Fixed phrases of a language's words (pieces between `{…}` marks, 12+ characters, two words or more) that the other language does not share. */
function phrases(words: object, other: object): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown) => {
    if (typeof a === 'string') {
      if (a !== b) out.push(...a.split(/\{\w+\}/).map((p) => p.trim()).filter((p) => p.length >= 12 && p.includes(' ')));
    } else if (a && typeof a === 'object') for (const [k, v] of Object.entries(a)) walk(v, (b as Record<string, unknown>)?.[k]);
  };
  walk(words, other);
  return out;
}

describe.skipIf(!haveChromium && !inCi)('status page in Chromium', () => {
  let database: TestDatabase;
  const services: TestService[] = [];
  const servers: ServerType[] = [];
  const base: Record<'nl' | 'en' | 'off', string> = { nl: '', en: '', off: '' };
  let browser: Browser;
  let historyHref = '';

  async function start(lang: 'nl' | 'en' | 'off') {
    // 'off': no ADMIN_TOKEN, as on a fresh install.
    const env: Record<string, string> = lang === 'off' ? { UI_LANGUAGE: 'en' } : { ADMIN_TOKEN: TOKEN, UI_LANGUAGE: lang };
    const service = await createTestService(database, testConfig(env));
    services.push(service);
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    servers.push(server);
    base[lang] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    // In CI a missing browser is a failure, not a skip: the check would otherwise silently vanish.
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: .ci/run installs it with apt-get`).toBe(true);
    database = await createTestDatabase('pglite');
    // The hostile lead first: the oldest, so it is on the list's second page, found by search.
    const ref = leadRef();
    const job = await seedJob(database.db, ref, { status: 'done', payload: { lead: { company: PROBE }, event: { type: 'company.creation' } } });
    await seedEnrichment(database.db, ref, job.id, { writeStatus: 'dry_run' });
    const { historyRef } = await seedStatusPage(database.db);
    historyHref = `/leads/${historyRef.source}/${historyRef.objectId}?account=${historyRef.accountId}&type=${historyRef.objectType}`;
    await start('nl');
    await start('en');
    await start('off');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
    for (const s of services) await s.runtime.stop();
    await database?.drop();
  });

  async function signedIn(lang: 'nl' | 'en'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(`${base[lang]}/`);
    await page.fill('input[name="token"]', TOKEN);
    await Promise.all([page.waitForURL(`${base[lang]}/`), page.click('button[type="submit"]')]);
    return page;
  }

  async function expectLaidOut(page: Page, what: string) {
    const problems = await geometryProblems(page);
    expect(problems, `${what}: ${JSON.stringify(problems.slice(0, 10), null, 1)}`).toEqual([]);
  }

  for (const lang of ['nl', 'en'] as const) {
    const words = lang === 'nl' ? nl : en;
    const foreign = phrases(lang === 'nl' ? en : nl, words);

    it(`${lang}: the overview of 50 leads fits, breaks no word, speaks one language, and is kept as a screenshot`, async () => {
      const page = await signedIn(lang);
      await expect(page.locator('table.leads tbody tr').count()).resolves.toBe(50);
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe(lang);
      await page.screenshot({ path: `${ARTIFACTS}/status-page-${lang}.png`, fullPage: true });
      await expectLaidOut(page, `overview (${lang})`);
      const height = await pageHeight(page);
      expect(height, `overview height for 50 leads`).toBeLessThan(MAX_OVERVIEW_HEIGHT);
      const text = await visibleText(page);
      expect(foreign.filter((p) => text.includes(p)), 'words of the other language').toEqual([]);
      // The header and the write-back box say the same about writing.
      const modes = await page.locator('[data-mode]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-mode'), e.textContent]));
      expect(modes.length).toBe(2);
      expect(new Set(modes.map((m) => JSON.stringify(m))).size, JSON.stringify(modes)).toBe(1);
      // Failed leads by company, in plain words.
      const failed = await page.locator('#failed tbody tr').allTextContents();
      expect(failed.join('\n')).toContain(HISTORY_COMPANY);
      expect(failed.join('\n')).toContain(words.dead.kinds.lead_not_found);
      await expect(page.locator('#failed').innerText()).resolves.not.toContain('→ 404');
      // The accounts box: every account with its state, and why the waiting ones wait, in this language.
      await expect(page.locator('#accounts tbody tr').count()).resolves.toBe(SEEDED_ACCOUNTS.length);
      const accountsText = await page.locator('#accounts').innerText();
      for (const a of SEEDED_ACCOUNTS) {
        expect(accountsText).toContain(`${a.source}:${a.accountId}`);
        expect(accountsText).toContain(words.accounts.states[a.state]);
        if (a.stateReason) expect(accountsText).toContain(a.stateReason);
      }
      await page.close();
    }, 120_000);

    it(`${lang}: an account's link lists only its leads, keeps it through search and paging, and lays out`, async () => {
      const page = await signedIn(lang);
      await Promise.all([page.waitForURL(/account=pipedrive%3Aacme/), page.click('#accounts a:text("pipedrive:acme")')]);
      const sources = await page.locator('table.leads tbody tr td:first-child .nowrap').allTextContents();
      expect(sources.length).toBeGreaterThan(0);
      expect(sources.every((t) => t.trim().startsWith('pipedrive ')), JSON.stringify(sources)).toBe(true);
      await expect(page.locator('#leads').innerText()).resolves.toContain(words.leads.ofAccount.replace('{account}', 'pipedrive:acme'));
      await expectLaidOut(page, `overview of one account (${lang})`);
      // Searching inside the account keeps it; a HubSpot lead's company is not found there.
      await page.fill('input[name="q"]', 'bakkerij jansen');
      await Promise.all([page.waitForURL(/q=/), page.click('form.search button')]);
      expect(page.url()).toContain('account=pipedrive%3Aacme');
      await expect(page.locator('table.leads tbody tr').count()).resolves.toBe(0);
      await page.close();
    }, 60_000);

    it(`${lang}: a lead page with history, figures and every answer breaks no word; screenshots kept`, async () => {
      const page = await signedIn(lang);
      await page.goto(`${base[lang]}${historyHref}`);
      await expect(page.locator('h2.lead').textContent()).resolves.toBe(HISTORY_COMPANY);
      // Every default figure (CBS_FIGURES), from every default table of the bundled snapshot.
      await expect(page.locator('.figure').count()).resolves.toBe(DEFAULT_FIGURES.length);
      // Jobs (83583NED 2015–2019) and business starts (83631NED 2021–2025) have history: each draws its
      // five-period chart (trend-chart.ts) inside its box, with its change in the page's language.
      const charts = await page.locator('.figure .trend img.chart').evaluateAll((imgs) =>
        imgs.map((i) => {
          const img = i as unknown as { naturalWidth: number; complete: boolean; getBoundingClientRect(): { right: number }; closest(s: string): { getBoundingClientRect(): { right: number } } };
          return { loaded: img.complete && img.naturalWidth > 0, inside: img.getBoundingClientRect().right <= img.closest('.figure').getBoundingClientRect().right };
        }),
      );
      expect(charts, JSON.stringify(charts)).toEqual([
        { loaded: true, inside: true },
        { loaded: true, inside: true },
      ]);
      // Business starts in Groot-Amsterdam have a value a year earlier: their change is written out; the
      // bakery's jobs series has no 2018 value (CBS suppressed it), so its chart stands without a change.
      await expect(page.locator('.figure[data-figure="starts"] .trend').innerText()).resolves.toContain(lang === 'nl' ? 't.o.v. 2024' : 'against 2024');
      await expect(page.locator('.answers').innerText()).resolves.toContain(words.lead.confidence.split(' ')[0]);
      await page.screenshot({ path: `${ARTIFACTS}/lead-page-${lang}.png`, fullPage: true });
      await expectLaidOut(page, `lead page (${lang})`);
      const text = await visibleText(page);
      expect(foreign.filter((p) => text.includes(p)), 'words of the other language').toEqual([]);
      // Every other kind of lead (refused industry, straddling size, unknown postcode, …) from the list's first page.
      const hrefs = await page.goto(`${base[lang]}/`).then(() => page.locator('table.leads tbody tr td:first-child a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))));
      for (const href of hrefs.slice(0, 12)) {
        await page.goto(`${base[lang]}${href}`);
        await expectLaidOut(page, `lead page ${href} (${lang})`);
      }
      await page.goto(`${base[lang]}/?q=Installatietechniek`);
      await Promise.all([page.waitForURL(/\/leads\//), page.locator('table.leads tbody tr td:first-child a').first().click()]);
      await page.screenshot({ path: `${ARTIFACTS}/lead-page-${lang}-refused.png`, fullPage: true });
      await page.close();
    }, 180_000);
  }

  it("a client's viewer token signs in to its account's leads only, without the service-wide boxes, laid out; screenshot kept", async () => {
    const token = await issueViewerToken(database.db, 'pipedrive', 'acme');
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(`${base.en}/`);
    await page.fill('input[name="token"]', token!);
    await Promise.all([page.waitForURL(`${base.en}/`), page.click('button[type="submit"]')]);
    const sources = await page.locator('table.leads tbody tr td:first-child .nowrap').allTextContents();
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.every((t) => t.trim().startsWith('pipedrive ')), JSON.stringify(sources)).toBe(true);
    await expect(page.locator('#accounts tbody tr').count()).resolves.toBe(1);
    await expect(page.locator('#write-back').count()).resolves.toBe(0);
    await expect(page.locator('#backfills').count()).resolves.toBe(0);
    await expect(page.locator('form[action*="/retry"]').count()).resolves.toBe(0);
    // No "all accounts" link: a viewer has one.
    await expect(page.locator('#leads a[href="/#leads"]').count()).resolves.toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}/status-page-viewer.png`, fullPage: true });
    await expectLaidOut(page, 'viewer overview');
    await page.close();
  }, 60_000);

  it('without ADMIN_TOKEN, / says how to enable the admin and links the API docs', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const res = await page.goto(`${base.off}/`);
    expect(res?.status()).toBe(200);
    await expect(page.locator('h2').textContent()).resolves.toBe(en.disabled.heading);
    await expect(page.locator('#admin-disabled').innerText()).resolves.toContain('ADMIN_TOKEN');
    await expect(page.locator('a[href="/docs"]').count()).resolves.toBe(1);
    await page.screenshot({ path: `${ARTIFACTS}/admin-disabled-en.png`, fullPage: true });
    await expectLaidOut(page, 'admin disabled page');
    await Promise.all([page.waitForURL(`${base.off}/docs`), page.click('a[href="/docs"]')]);
    await page.close();
  }, 60_000);

  it('finds leads by company, id and domain, and pages through them', async () => {
    const page = await signedIn('en');
    await page.fill('input[name="q"]', 'bakkerij jansen');
    await Promise.all([page.waitForURL(/q=/), page.click('form.search button')]);
    await expect(page.locator('table.leads tbody tr td:first-child a').allTextContents()).resolves.toEqual([HISTORY_COMPANY]);
    const id = (await page.locator('table.leads tbody tr td:first-child .nowrap').textContent())?.trim().split(' ')[1] ?? '';
    await page.goto(`${base.en}/?q=${encodeURIComponent(id)}`);
    await expect(page.locator('table.leads tbody tr').count()).resolves.toBe(1);
    await page.goto(`${base.en}/?q=${encodeURIComponent('https://www.softwarehuisdevries.nl/contact')}`);
    await expect(page.locator('table.leads tbody tr td:first-child a').allTextContents()).resolves.toEqual(['Softwarehuis De Vries B.V.']);
    await page.goto(`${base.en}/`);
    await Promise.all([page.waitForURL(/page=2/), page.click('.pager a')]);
    await expect(page.locator('table.leads tbody tr').count()).resolves.toBe(SEEDED_LEADS + 1 - 50);
    await page.close();
  }, 60_000);

  it('shows a hostile company name as text without running it, under the CSP', async () => {
    const page = await signedIn('nl');
    const csp: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
    });
    await page.goto(`${base.nl}/?q=${encodeURIComponent('onerror')}`);
    await expect(page.locator('table.leads tbody tr td:first-child a').allTextContents()).resolves.toEqual([PROBE]);
    await Promise.all([page.waitForURL(/\/leads\//), page.click('table.leads tbody tr td:first-child a')]);
    await expect(page.locator('h2.lead').textContent()).resolves.toBe(PROBE);
    await expect(page.locator('main img').count()).resolves.toBe(0);
    await expect(page.locator('body script').count()).resolves.toBe(0);
    expect(await page.evaluate('globalThis.__xss')).toBeUndefined();
    const headerBg = await page.locator('header').evaluate((el) => (globalThis as any).getComputedStyle(el).backgroundColor);
    expect(headerBg, 'the stylesheet applied (nonce accepted)').toBe('rgb(24, 49, 83)');
    expect(csp).toEqual([]);
    await page.close();
  }, 60_000);

  it('re-enriches from the lead page and retries failed leads from the overview, by form posts', async () => {
    const page = await signedIn('en');
    await page.goto(`${base.en}${historyHref}`);
    const jobsBefore = await page.locator('section', { hasText: en.lead.history }).locator('h3 + table').nth(1).locator('tr').count();
    await Promise.all([page.waitForURL(`${base.en}${historyHref}`), page.click(`text=${en.lead.reenrich}`)]);
    const jobs = page.locator('section', { hasText: en.lead.history }).locator('h3 + table').nth(1).locator('tr');
    await expect(jobs.count()).resolves.toBe(jobsBefore + 1);
    await expect(jobs.first().innerText()).resolves.toContain(en.lead.jobReason.reenrich);
    await page.goto(`${base.en}/`);
    await Promise.all([page.waitForURL(`${base.en}/`), page.click(`text=${en.dead.retryAll}`)]);
    await expect(page.locator('#failed').innerText()).resolves.toContain(en.dead.none);
    await page.close();
  }, 60_000);
});
