import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETUP_WAIT_PREFIX } from '../../../src/crm/hubspot/missing-properties.js';
import { DEFAULT_MAPPING } from '../../../src/crm/mapping.js';
import { createEnricher } from '../../../src/enrich/engine.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { bundledTableVersions } from '../../../src/enrich/service.js';
import { bodyOf, createApp, servicesOn } from '../../support/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../../support/db.js';
import { SAMPLE_CARD, leadRef, seedCbsTable, seedEnrichment, seedJob, seedRateLimit } from '../../support/seed.js';

const TOKEN = 'admin-token-for-tests-0123456789';
const PROBE = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>';

describe.each(flavours)('status page on %s', (flavour) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    const db = database.db;
    const ref = leadRef();
    const job = await seedJob(db, ref, {
      status: 'done',
      payload: { lead: { company: PROBE }, event: { type: 'company.creation' } },
    });
    await seedEnrichment(db, ref, job.id, { properties: { ...SAMPLE_CARD, cbs_sbi_title: `${PROBE} title` }, writeStatus: 'dry_run' });
    await seedJob(db, leadRef(), { status: 'dead', lastError: `HubSpot answered 404 ${PROBE}` });
    await seedCbsTable(db, '83583NED', new Date(Date.now() - 3600_000));
    await seedRateLimit(db, 'hubspot:12345678', 7);
    await seedJob(db, { ...leadRef(), accountId: '4242' }, { status: 'queued', lastError: `${SETUP_WAIT_PREFIX}the token lacks crm.schemas.companies.write ${PROBE}` });
  });
  const services = servicesOn(() => database);
  afterAll(async () => {
    await services.stop();
    await database?.drop();
  });

  const page = async (env: Record<string, string> = {}) => {
    const res = await createApp((await services.get({ ADMIN_TOKEN: TOKEN, ...env })).deps).request('/', {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const body = await bodyOf(res);
    expect(res.status, body.text).toBe(200);
    return { res, html: body.text };
  };

  it('escapes everything that came from a CRM or webhook', async () => {
    const { html } = await page();
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;');
    expect(html).toContain('HubSpot answered 404 &lt;img');
  });

  it('shows a banner for a CRM account whose jobs wait for setup', async () => {
    const { html } = await page();
    expect(html).toMatch(/<section class="banner" role="alert"><b>\w+ account 4242: 1 jobs wait for CRM setup\.<\/b>/);
    expect(html).toContain('the token lacks crm.schemas.companies.write &lt;img');
  });

  it('sends a CSP without inline scripts and with a nonce for the one stylesheet', async () => {
    const { res, html } = await page();
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
  });

  it('shows the queue, dead letters with a retry button, lead cards, CBS tables, rate limits and the write-back mode', async () => {
    const { html } = await page({ ROLLOUT_PERCENT: '25' });
    expect(html).toMatch(/dead<\/span><b class="error">1<\/b>/);
    expect(html).toMatch(/<form method="post" action="\/v1\/jobs\/\d+\/retry">/);
    expect(html).toContain('Retry all dead letters');
    expect(html).toContain('10.71 &lt;img src=x');
    expect(html).toContain('10 tot 50 werkzame personen · small');
    expect(html).toContain('24.7 x 1 000 banen van werknemers (83583NED)');
    expect(html).toContain('Bron: CBS StatLine (CC BY 4.0)');
    expect(html).toContain('dry run');
    expect(html).toContain('83583NED');
    expect(html).toMatch(/7 \/ 190 per 10 s/);
    expect(html).toContain('420 / 250000');
    expect(html).toContain('rollout 25%');
    expect(html).toContain('dry run: nothing is written to a CRM');
  });

  it('reads a card written under Pipedrive field names back through the mapping', async () => {
    const ref = leadRef({ source: 'pipedrive', accountId: 'acme', objectType: 'organization' });
    const job = await seedJob(database.db, ref, { payload: { lead: { company: 'Drukkerij De Vries' }, event: { type: 'organization.create' } } });
    const properties = Object.fromEntries(Object.entries(SAMPLE_CARD).map(([field, v]) => [DEFAULT_MAPPING.pipedrive[field as keyof typeof SAMPLE_CARD] ?? field, v]));
    expect(Object.keys(properties)).not.toContain('cbs_size_class');
    await seedEnrichment(database.db, ref, job.id, { properties, writeStatus: 'written' });
    const { html } = await page();
    const card = html.slice(html.indexOf('Drukkerij De Vries'));
    expect(card.slice(0, 1500)).toContain('10 tot 50 werkzame personen · small');
  });

  it('shows every configured figure on the lead card with its table, topic, unit, period and Modified', async () => {
    const enricher = createEnricher({ sbiList: loadSbiList(), tables: await bundledTableVersions(['83583NED', '81589NED', '81575NED']), minConfidence: 0.5 });
    const result = enricher.resolve({ sbi: '62.01', employees: 12, postcode: '1011 AB' });
    const ref = leadRef();
    const job = await seedJob(database.db, ref, { payload: { lead: { company: 'Grachtsoft B.V.' }, event: { type: 'company.creation' } } });
    await seedEnrichment(database.db, ref, job.id, { result, properties: enricher.toCard(result, new Date()), writeStatus: 'written' });
    const { html } = await page();
    const card = html.slice(html.indexOf('Grachtsoft B.V.'), html.indexOf('Grachtsoft B.V.') + 4000);
    expect(card).toContain('Amsterdam (GM0363)');
    expect(card).toContain('Banen van werknemers in sector en grootteklasse');
    expect(card).toContain('50.9 x 1 000 banen in 62 (83583NED, 2019 december)');
    expect(card).toContain('83583NED · BanenVanWerknemersInDecember_1 · x 1 000 · 2019 december · Modified 2020-11-19 · snapshot');
    expect(card).toContain('1685 bedrijven in J (81589NED, 2020 1e kwartaal)');
    expect(card).toContain('81589NED · Bedrijfsgrootte/10 tot 20 werkzame personen (aantal) · aantal · 2020 1e kwartaal · Modified onbekend · snapshot');
    expect(card).toContain('8150 vestigingen in J, Amsterdam (81575NED, 2012)');
  });

  it('says which CRMs write when credentials are set and dry run is off', async () => {
    const { html } = await page({ HUBSPOT_ACCESS_TOKEN: 'pat-eu1-abcdef-123456' });
    expect(html).toContain('writing to hubspot');
    expect(html).not.toContain('pat-eu1-abcdef-123456');
  });
});
