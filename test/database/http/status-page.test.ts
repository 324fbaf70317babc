import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETUP_WAIT_PREFIX } from '../../../src/crm/hubspot/missing-properties.js';
import { DEFAULT_MAPPING } from '../../../src/crm/mapping.js';
import { crmAccounts } from '../../../src/db/schema.js';
import { createEnricher } from '../../../src/enrich/engine.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { bundledTableVersions } from '../../../src/enrich/service.js';
import { bodyOf, createApp, servicesOn } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { SAMPLE_CARD, leadRef, seedCbsTable, seedEnrichment, seedJob, seedRateLimit } from '../../support/seed.js';

const TOKEN = 'admin-token-for-tests-0123456789';
const PROBE = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>';
const ESCAPED = '&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;';

describe.each(flavours)('status page on %s', (flavour) => {
  let database: TestDatabase;
  const probeRef = leadRef();
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    const db = database.db;
    const job = await seedJob(db, probeRef, { status: 'done', payload: { lead: { company: PROBE, domain: 'probe.example' }, event: { type: 'company.creation' } } });
    await seedEnrichment(db, probeRef, job.id, { properties: { ...SAMPLE_CARD, cbs_sbi_title: `${PROBE} title` }, writeStatus: 'dry_run' });
    await seedJob(db, probeRef, { status: 'dead', lastError: `hubspot update: PATCH /crm/v3/objects/companies/1 → 404 ${PROBE}` });
    await seedCbsTable(db, '83583NED', new Date(Date.now() - 3600_000));
    // In flight for the next hour: counted in the window however slowly the tests run.
    await seedRateLimit(db, 'hubspot:12345678', 7, { inFlightUntil: new Date(Date.now() + 3600_000) });
    await seedJob(db, { ...leadRef(), accountId: '4242' }, { status: 'queued', lastError: `${SETUP_WAIT_PREFIX}the token lacks crm.schemas.companies.write ${PROBE}` });
  });
  const services = servicesOn(() => database);
  afterAll(async () => {
    await services.stop();
    await database?.drop();
  });

  const get = async (path: string, env: Record<string, string> = {}, status = 200) => {
    const res = await createApp((await services.get({ ADMIN_TOKEN: TOKEN, ...env })).deps).request(path, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(status);
    return { res, html: body.text };
  };
  const page = (env: Record<string, string> = {}) => get('/', env);
  const leadPath = (ref: { source: string; objectId: string; accountId: string; objectType: string }) =>
    `/leads/${ref.source}/${ref.objectId}?account=${ref.accountId}&type=${ref.objectType}`;
  /** The company links of the lead list, in order. */
  const listed = (html: string) => [...html.slice(html.indexOf('class="leads"')).matchAll(/<td><a href="\/leads\/[^"]*">([^<]*)<\/a>/g)].map((m) => m[1]);

  it('escapes everything that came from a CRM or webhook, on the overview and the lead page', async () => {
    for (const { html } of [await page(), await get(leadPath(probeRef))]) {
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('<script>');
      expect(html).toContain(ESCAPED);
    }
    expect((await page()).html).toContain('→ 404 &lt;img');
  });

  it('shows a banner for a CRM account whose jobs wait for setup', async () => {
    const { html } = await page();
    expect(html).toMatch(/<section class="banner" role="alert"><b>\w+-account 4242: 1 taken wachten tot het CRM is ingericht\.<\/b>/);
    expect(html).toContain('the token lacks crm.schemas.companies.write &lt;img');
  });

  it('sends a CSP without inline scripts and with a nonce for the one stylesheet, on every page', async () => {
    for (const { res, html } of [await page(), await get(leadPath(probeRef))]) {
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('script-src');
      const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeTruthy();
      expect(html).toContain(`<style nonce="${nonce}">`);
      expect(html).not.toMatch(/<script/i);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('shows the queue, failed leads by company with a plain reason and retry buttons, rate limits, CBS tables and the write mode', async () => {
    const { html } = await page({ ROLLOUT_PERCENT: '25' });
    expect(html).toMatch(/mislukt<\/span><b class="error">1<\/b>/);
    expect(html).toMatch(/<form method="post" action="\/v1\/jobs\/\d+\/retry">/);
    expect(html).toContain('Alle mislukte leads opnieuw proberen');
    const failed = html.slice(html.indexOf('id="failed"'), html.indexOf('id="leads"'));
    expect(failed).toContain(ESCAPED);
    expect(failed).toContain('Het CRM heeft deze lead niet meer (verwijderd of samengevoegd).');
    expect(html).toContain('83583NED');
    expect(html).toMatch(/7 van 190 per 10 s/);
    expect(html).toContain('420 / 250.000');
    expect(html).toContain('Uitrol 25% van nieuwe leads');
    expect(html).toContain('Geen CRM gekoppeld: er wordt niets naar een CRM geschreven');
  });

  it('the header and the write-back box say the same: dry run, no CRM, or writing', async () => {
    const modes = (html: string) => [...html.matchAll(/data-mode="(\w+)">([^<]*)</g)].map((m) => `${m[1]} ${m[2]}`);
    for (const [env, state] of [
      [{}, 'no_crm'],
      [{ DRY_RUN: 'true', HUBSPOT_ACCESS_TOKEN: 'pat-eu1-abcdef-123456' }, 'dry_run'],
      [{ HUBSPOT_ACCESS_TOKEN: 'pat-eu1-abcdef-123456' }, 'writing'],
    ] as const) {
      const { html } = await page(env);
      const said = modes(html);
      expect(said.length, html).toBe(2);
      expect(said[0]).toBe(said[1]);
      expect(said[0].split(' ')[0]).toBe(state);
      expect(html).not.toContain('pat-eu1-abcdef-123456');
    }
    expect((await page({ HUBSPOT_ACCESS_TOKEN: 'pat-eu1-abcdef-123456' })).html).toContain('Schrijft leadkaarten naar hubspot');
  });

  it('speaks English with UI_LANGUAGE=en, and only English', async () => {
    const { html } = await page({ UI_LANGUAGE: 'en' });
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Failed leads');
    expect(html).toContain('The CRM no longer has this lead (deleted or merged).');
    expect(html).not.toContain('Mislukte leads');
    expect((await page()).html).toContain('<html lang="nl">');
  });

  it('finds a lead by company, object id or domain; % and _ are letters', async () => {
    const ref = leadRef();
    const job = await seedJob(database.db, ref, { payload: { lead: {}, event: { type: 'company.creation' } } });
    // HubSpot webhooks carry ids only: company and domain come from the stored input.
    await seedEnrichment(database.db, ref, job.id, { result: { status: 'enriched', input: { company: 'Zoekbaar 100% B.V.', domain: 'zoek-baar.nl' } } });
    for (const q of ['zoekbaar', 'ZOEKBAAR 100%', ref.objectId, 'zoek-baar.nl', 'https://www.zoek-baar.nl/over-ons']) {
      expect(listed((await get(`/?q=${encodeURIComponent(q)}`)).html), q).toEqual(['Zoekbaar 100% B.V.']);
    }
    // As patterns, each of these would match it.
    for (const q of ['zoekbaar_100', 'zoek%baar', 'zoekbaar 1_0%']) {
      expect(listed((await get(`/?q=${encodeURIComponent(q)}`)).html), q).not.toContain('Zoekbaar 100% B.V.');
    }
    expect((await get('/?q=nergens-te-vinden')).html).toContain('Geen lead gevonden voor “nergens-te-vinden”.');
  });

  it('limits the lead list and its search to one account with ?account=source:id, and lists the accounts with their state', async () => {
    const mine = { ...leadRef(), accountId: '5550001' };
    const theirs = { ...leadRef(), accountId: '5550002' };
    const lookalike = { ...leadRef(), accountId: '55500011' };
    for (const [ref, company] of [
      [mine, 'Eigen Klant B.V.'],
      [theirs, 'Andere Klant B.V.'],
      [lookalike, 'Bijna Dezelfde Klant B.V.'],
    ] as const) {
      const job = await seedJob(database.db, ref, { payload: { lead: { company }, event: { type: 'company.creation' } } });
      await seedEnrichment(database.db, ref, job.id);
    }
    await database.db.insert(crmAccounts).values([
      { source: 'hubspot', accountId: '5550001', state: 'active', authKind: 'oauth', origin: 'registry' },
      { source: 'hubspot', accountId: '5550002', state: 'needs_reconnect', stateReason: 'the token refresh was refused <b>x</b>', authKind: 'oauth', origin: 'registry' },
      { source: 'pipedrive', accountId: '71000001', state: 'paused', stateReason: 'paused by an operator', authKind: 'static', origin: 'registry' },
    ]);
    const one = (await get('/?account=hubspot%3A5550001')).html;
    expect(listed(one)).toEqual(['Eigen Klant B.V.']);
    expect(one).toContain('Alleen leads van account hubspot:5550001.');
    // Search and paging links keep the account.
    expect(one).toContain('<input type="hidden" name="account" value="hubspot:5550001"');
    expect(listed((await get('/?account=hubspot%3A5550001&q=Klant')).html)).toEqual(['Eigen Klant B.V.']);
    expect(listed((await get('/?account=hubspot%3A5550002&q=Eigen')).html)).toEqual([]);
    // The whole list still shows every account's leads.
    expect(listed((await page()).html)).toEqual(expect.arrayContaining(['Eigen Klant B.V.', 'Andere Klant B.V.', 'Bijna Dezelfde Klant B.V.']));
    // The accounts box: each account links to its own list, with its state and why (escaped).
    const box = one.slice(one.indexOf('id="accounts"'));
    expect(box).toContain('href="/?account=hubspot%3A5550002#leads"');
    expect(box).toContain('opnieuw koppelen');
    expect(box).toContain('the token refresh was refused &lt;b&gt;x&lt;/b&gt;');
    expect(box).toContain('gepauzeerd');
    expect(box).toContain('paused by an operator');
    const english = (await get('/?account=hubspot%3A5550001', { UI_LANGUAGE: 'en' })).html;
    expect(english).toContain('Leads of account hubspot:5550001 only.');
    expect(english).toContain('needs reconnect');
    // Anything but source:accountId is refused in the one error shape, never read as "every account".
    for (const bad of ['hubspot', 'nosuchcrm:1', 'hubspot:', ':4242', 'hubspot:12%2034']) {
      const res = await get(`/?account=${bad}`, {}, 400);
      expect(res.res.headers.get('content-type'), bad).toContain('application/problem+json');
      expect(res.html, bad).toContain('source:accountId');
    }
  });

  it('lists one row per lead (its latest enrichment) and pages by 50', async () => {
    const ref = leadRef();
    const job = await seedJob(database.db, ref, { payload: { lead: { company: 'Twee Keer Verrijkt B.V.' }, event: { type: 'company.creation' } } });
    await seedEnrichment(database.db, ref, job.id);
    await seedEnrichment(database.db, ref, job.id);
    expect(listed((await page()).html).filter((c) => c === 'Twee Keer Verrijkt B.V.')).toHaveLength(1);
    for (let i = 0; i < 50; i++) {
      const r = leadRef();
      await seedEnrichment(database.db, r, null, { result: { status: 'enriched', input: { company: `Pagina Test ${String(i).padStart(2, '0')}` } } });
    }
    const first = listed((await get('/?q=Pagina+Test')).html);
    expect(first).toHaveLength(50);
    expect(first[0]).toBe('Pagina Test 49');
    const all = listed((await page()).html);
    expect(all).toHaveLength(50);
    const second = await get('/?page=2');
    expect(listed(second.html).length).toBeGreaterThan(0);
    expect(second.html).toContain('Pagina 2 van');
    expect(listed(second.html)).not.toContain(all[0]);
    // A page past the end shows the last one; nonsense shows the first.
    expect(listed((await get('/?page=999')).html)).toEqual(listed(second.html));
    expect(listed((await get('/?page=abc')).html)).toEqual(all);
  });

  it('a lead page: inputs, answers with confidence and reasons, figures with provenance, the card and its history', async () => {
    const enricher = createEnricher({ sbiList: loadSbiList(), tables: await bundledTableVersions(['83583NED', '81588NED', '81575NED']), minConfidence: 0.68 });
    const input = { company: 'Grachtsoft B.V.', domain: 'grachtsoft.nl', sbi: '62.01', employees: 12, postcode: '1011 AB' };
    const result = { input, ...enricher.resolve(input) };
    const ref = leadRef();
    const job = await seedJob(database.db, ref, { payload: { lead: {}, event: { type: 'company.creation' } } });
    await seedEnrichment(database.db, ref, job.id, { result, properties: enricher.toCard(result, new Date()), writeStatus: 'written' });
    const { html } = await get(leadPath(ref), { UI_LANGUAGE: 'en' });
    expect(html).toContain('<h2 class="lead">Grachtsoft B.V.</h2>');
    expect(html).toMatch(/<dt>Domain<\/dt><dd>grachtsoft.nl<\/dd>/);
    expect(html).toMatch(/<dt>Industry<\/dt><dd><span class="muted">not given<\/span><\/dd>/);
    expect(html).toContain('from the SBI code given · <b>confidence 100%</b>');
    expect(html).toContain('Amsterdam <span class="code small muted">GM0363</span>');
    expect(html).toContain('10 tot 50 werkzame personen');
    expect(html).toContain('<div class="value">50,900</div>');
    expect(html).toContain('<span class="code">83583NED</span> Banen van werknemers; bedrijfsgrootte en economische activiteit (SBI2008)');
    expect(html).toContain('<dd class="code">2020-11-19</dd>');
    expect(html).toContain('bundled snapshot');
    expect(html).toContain('on the card: 50.9 x 1 000 banen in 62 (83583NED, 2019 december)');
    expect(html).toMatch(/<td class="code small">cbs_municipality<\/td><td>Amsterdam \(GM0363\)<\/td>/);
    expect(html).toContain(`action="/v1/leads/hubspot/${ref.objectId}/enrich?account=12345678&amp;type=company"`);
  });

  it('says why a sector, size or municipality is missing, with the best guess below the threshold', async () => {
    const enricher = createEnricher({ sbiList: loadSbiList(), tables: await bundledTableVersions(['83583NED', '81588NED', '81575NED']), minConfidence: 0.68 });
    // A text that names no trade the classification knows (the matcher now answers "installatiebedrijf voor
    // zonnepanelen", which this test used before: 43.21, issue 23).
    const input = { company: 'VvE De Linde', industry: 'Vereniging van eigenaren en bewoners', employees: 'veel', postcode: '1234AB' };
    const ref = leadRef();
    await seedEnrichment(database.db, ref, null, { result: { input, ...enricher.resolve(input) } });
    const { html } = await get(leadPath(ref), { UI_LANGUAGE: 'en' });
    expect(html).toContain('The industry text gave no confident sector.');
    expect(html).toMatch(/Best guess \d\d(?:\.\d+)* [^(<]+ \(\d+%\), below the confidence Verrijk requires/);
    expect(html).toContain('The number of employees could not be read.');
    expect(html).toContain('The postcode gave no municipality.');
    expect(html).toContain('No figure: the lead has no sector.');
  });

  it('reads old and odd stored results without breaking, and the card under Pipedrive field names', async () => {
    const ref = leadRef({ source: 'pipedrive', accountId: 'acme', objectType: 'organization' });
    const job = await seedJob(database.db, ref, { payload: { lead: { company: 'Drukkerij De Vries' }, event: { type: 'organization.create' } } });
    const properties = Object.fromEntries(Object.entries(SAMPLE_CARD).map(([field, v]) => [DEFAULT_MAPPING.pipedrive[field as keyof typeof SAMPLE_CARD] ?? field, v]));
    const odd = { status: 7, cbs_sbi_code: ['x'], cbs_size_class: 'big', figures: [null, { id: 3 }], problems: 'none', input: [] };
    await seedEnrichment(database.db, ref, job.id, { result: odd, properties, writeStatus: 'written' });
    const { html } = await get(leadPath(ref));
    expect(html).toContain('<h2 class="lead">Drukkerij De Vries</h2>');
    expect(html).toMatch(/<td class="code small">cbs_size_class<\/td><td>10 tot 50 werkzame personen<\/td>/);
    expect(html).toContain('Geen sector.');
  });

  it('a lead nobody has seen, or an impossible address, is a page saying so', async () => {
    expect((await get('/leads/hubspot/999999999999', {}, 404)).html).toContain('is nooit gezien');
    expect((await get('/leads/nocrm/1', {}, 404)).html).toContain('is nooit gezien');
    expect((await get(`/leads/hubspot/${probeRef.objectId}?account=${encodeURIComponent('a b')}`, {}, 404)).html).toContain('is nooit gezien');
  });

  it('the re-enrich button queues a job and brings the browser back to the lead page', async () => {
    const app = createApp((await services.get({ ADMIN_TOKEN: TOKEN })).deps);
    const res = await app.request(`/v1/leads/hubspot/${probeRef.objectId}/enrich?account=12345678&type=company`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, accept: 'text/html' },
    });
    expect(res.status, (await bodyOf(res)).text).toBe(303);
    expect(res.headers.get('location')).toBe(leadPath(probeRef));
    const { html } = await get(leadPath(probeRef));
    expect(html).toMatch(/<td>opnieuw verrijken<\/td><td><span class="badge ">wachtend<\/span>/);
  });
});
