import { describe, expect, it } from 'vitest';
import { refKey } from '../../../src/crm/adapter.js';
import { CrmError } from '../../../src/crm/crm-error.js';
import { CARD_FIELDS } from '../../../src/enrich/types.js';
import { createPipeline } from '../../../src/jobs/pipeline.js';
import { flavours } from '../../support/db.js';
import { CRM_TOKENS, crmKit, makeJobs, realEnrichment, uniqueAccount, useCrmFakes } from '../../support/crm.js';

const PD_TOKEN = CRM_TOKENS.pipedrive;
const signal = new AbortController().signal;

describe.each(flavours)('Pipedrive, generic CRM and ensure on %s', (flavour) => {
  const fakes = useCrmFakes(flavour, { hubspotEnsured: false });
  const { config } = fakes;
  it('Pipedrive: reads input fields by name, creates missing CBS fields, enriches a person on its organization', async () => {
    const sbiKey = fakes.pipedrive.addField('SBI code');
    const empKey = fakes.pipedrive.addField('Aantal medewerkers', 'double');
    fakes.pipedrive.seedOrganization(301, 'Noordlicht Software B.V.', { [sbiKey]: '62.01', [empKey]: 38 });
    fakes.pipedrive.seedPerson(41, 'Anne de Vries', 301);
    const cfg = config();
    const run = createPipeline({ database: fakes.database, config: cfg, enrichment: realEnrichment(), ...crmKit(fakes.database, cfg) });
    const account = uniqueAccount('pd');
    const [job] = await makeJobs(fakes.database, [{ source: 'pipedrive', accountId: account, objectType: 'person', objectId: '41' }]);
    const outcomes = await run([job], signal);
    expect(outcomes.get(job.id), JSON.stringify([...outcomes])).toMatchObject({ kind: 'done', detail: { writeStatus: 'written' } });

    const custom = fakes.pipedrive.customByName(301);
    expect(custom['SBI code']).toBe('62.01');
    expect(custom['Aantal medewerkers']).toBe(38);
    expect(String(custom['CBS SBI code'])).toBe('62100');
    expect(String(custom['CBS SBI 2008'])).toContain('62.01');
    expect(custom['CBS version']).toBeTruthy();
    expect(fakes.pipedrive.fieldKey('CBS size class')).toMatch(/^[0-9a-f]{40}$/);
    expect(fakes.pipedrive.requests.every((r) => !r.url.includes(PD_TOKEN))).toBe(true);
  });

  it('Pipedrive: a deleted organization is dead, a person without one too', async () => {
    fakes.pipedrive.seedPerson(42, 'Zonder Organisatie', null);
    const cfg = config();
    const { crm } = crmKit(fakes.database, cfg);
    const account = uniqueAccount('pd');
    const read = await crm.adapter('pipedrive')!.readLeads(account, [
      { source: 'pipedrive', accountId: account, objectType: 'organization', objectId: '999' },
      { source: 'pipedrive', accountId: account, objectType: 'person', objectId: '42' },
    ]);
    const gone = read.get(refKey({ objectType: 'organization', objectId: '999' }));
    const orphan = read.get(refKey({ objectType: 'person', objectId: '42' }));
    expect(gone).toBeInstanceOf(CrmError);
    expect((gone as CrmError).failure).toMatchObject({ kind: 'permanent', status: 404 });
    expect((orphan as CrmError).message).toContain('no organization');
  });

  it('generic: PATCHes only the mapped properties and leaves the rest of the lead alone', async () => {
    fakes.generic.seed('G-1', { company: 'Bakkerij Van der Meulen', sbi: '10.71', employees: '10-49', owner: 'jan@example.nl' });
    const cfg = config();
    const run = createPipeline({ database: fakes.database, config: cfg, enrichment: realEnrichment(), ...crmKit(fakes.database, cfg) });
    const [job] = await makeJobs(fakes.database, [{ source: 'generic', accountId: 'default', objectType: 'lead', objectId: 'G-1' }]);
    expect((await run([job], signal)).get(job.id)?.kind).toBe('done');
    const patch = fakes.generic.requests.find((r) => r.method === 'PATCH')!;
    expect(Object.keys(patch.body as object).every((k) => k.startsWith('cbs_'))).toBe(true);
    const lead = fakes.generic.cards.get('G-1')!;
    expect(lead).toMatchObject({ company: 'Bakkerij Van der Meulen', sbi: '10.71', employees: '10-49', owner: 'jan@example.nl' });
    expect(String(lead.cbs_sbi_code)).toBe('1071');
  });

  it('crm:ensure creates the verrijk group and the missing HubSpot properties once', async () => {
    const cfg = config();
    const { crm } = crmKit(fakes.database, cfg);
    const adapter = crm.adapter('hubspot')!;
    const first = await adapter.ensureProperties(uniqueAccount('hs'));
    expect(first.created).toContain('companies: group verrijk');
    expect(first.created).toContain('companies.cbs_sbi_code');
    expect(first.created).toContain('contacts.cbs_version');
    expect(fakes.hubspot.properties.get('companies')!.has('cbs_market_figure')).toBe(true);
    const second = await adapter.ensureProperties(uniqueAccount('hs'));
    expect(second.created).toEqual([]);
    // Every card field on companies and on contacts.
    expect(second.existing.length).toBe(2 * CARD_FIELDS.length);
    expect(first.created).toContain('companies.cbs_establishments_in_municipality');
  });
});
