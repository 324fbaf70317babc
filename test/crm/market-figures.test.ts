import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline } from '../../src/jobs/pipeline.js';
import { testConfig } from '../helpers/app.js';
import { createTestDatabase, flavours, type TestDatabase } from '../helpers/db.js';
import { startFakeGenericCrm, type FakeGenericCrm } from '../fakes/generic-crm-server.js';
import { startFakeHubspot, type FakeHubspot } from '../fakes/hubspot-server.js';
import { startFakePipedrive, type FakePipedrive } from '../fakes/pipedrive-server.js';
import { crmKit, makeJobs, realEnrichment, uniqueAccount } from './support.js';

/**
 * A lead with SBI, employees and postcode gets all three market figures on its
 * card in every CRM: the postcode is read where each CRM keeps it (HubSpot
 * `zip`, Pipedrive's organization address, the generic lead's `postcode`).
 * Expected texts: 83583NED 62 × 10 tot 50 = 50.9 (x 1 000, 2019); 81589NED J ×
 * 10 tot 20 = 1685 (2020 Q1); 81575NED J × Amsterdam = 8150 (2012).
 */

const PD_TOKEN = 'pipedrive-token-abcdef0123456789';
const GEN_TOKEN = 'generic-token-abcdef0123456789';
const HS_TOKEN = 'pat-eu1-figures-token-0123456789';
const signal = new AbortController().signal;

const EXPECTED = {
  cbs_market_figure: '50.9 x 1 000 banen in 62 (83583NED, 2019 december)',
  cbs_businesses_in_segment: '1685 bedrijven in J (81589NED, 2020 1e kwartaal)',
  cbs_municipality: 'Amsterdam (GM0363)',
  cbs_establishments_in_municipality: '8150 vestigingen in J, Amsterdam (81575NED, 2012)',
};

describe.each(flavours)('market figures on the card in all three CRMs on %s', (flavour) => {
  let database: TestDatabase;
  let pipedrive: FakePipedrive;
  let generic: FakeGenericCrm;
  let hubspot: FakeHubspot;
  beforeAll(async () => {
    database = await createTestDatabase(flavour);
    pipedrive = await startFakePipedrive({ token: PD_TOKEN });
    generic = await startFakeGenericCrm({ token: GEN_TOKEN });
    hubspot = await startFakeHubspot({ token: HS_TOKEN });
  });
  afterAll(async () => {
    await Promise.all([pipedrive?.close(), generic?.close(), hubspot?.close()]);
    await database?.drop();
  });
  const config = () =>
    testConfig({
      PIPEDRIVE_API_TOKEN: PD_TOKEN,
      PIPEDRIVE_BASE_URL: pipedrive.url,
      GENERIC_CRM_URL: generic.url,
      GENERIC_CRM_TOKEN: GEN_TOKEN,
      HUBSPOT_ACCESS_TOKEN: HS_TOKEN,
      HUBSPOT_BASE_URL: hubspot.url,
    });
  const pipeline = () => {
    const cfg = config();
    return createPipeline({ database, config: cfg, enrichment: realEnrichment(), ...crmKit(database, cfg) });
  };

  it('HubSpot: a company with sbi_code, numberofemployees and zip', async () => {
    hubspot.seed('company', '7101', { name: 'Grachtsoft B.V.', sbi_code: '6201', numberofemployees: '12', zip: '1011 AB' });
    const [job] = await makeJobs(database, [{ source: 'hubspot', accountId: uniqueAccount('hs'), objectType: 'company', objectId: '7101' }]);
    const outcome = (await pipeline()([job], signal)).get(job.id);
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ kind: 'done' });
    expect(hubspot.cards.get('company:7101')).toMatchObject(EXPECTED);
  });

  it('Pipedrive: an organization whose address has the postal code', async () => {
    const sbiKey = pipedrive.addField('SBI code');
    const empKey = pipedrive.addField('Aantal medewerkers', 'double');
    pipedrive.seedOrganization(7201, 'Grachtsoft B.V.', { [sbiKey]: '62.01', [empKey]: 12 });
    pipedrive.cards.get('7201')!.address = { value: 'Damrak 1, 1011 AB Amsterdam', postal_code: '1011AB', locality: 'Amsterdam' };
    const [job] = await makeJobs(database, [{ source: 'pipedrive', accountId: uniqueAccount('pd'), objectType: 'organization', objectId: '7201' }]);
    const outcome = (await pipeline()([job], signal)).get(job.id);
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ kind: 'done' });
    const custom = pipedrive.customByName(7201);
    expect(custom['CBS businesses in segment']).toBe(EXPECTED.cbs_businesses_in_segment);
    expect(custom['CBS municipality']).toBe(EXPECTED.cbs_municipality);
    expect(custom['CBS establishments in municipality']).toBe(EXPECTED.cbs_establishments_in_municipality);
    expect(custom['CBS market figure']).toBe(EXPECTED.cbs_market_figure);
  });

  it('Pipedrive: a custom "Postcode" field when the address has none', async () => {
    const sbiKey = pipedrive.fieldKey('SBI code') ?? pipedrive.addField('SBI code');
    const pcKey = pipedrive.addField('Postcode');
    pipedrive.seedOrganization(7202, 'Domstad Data', { [sbiKey]: '62.01', [pcKey]: '3511 AA' });
    const [job] = await makeJobs(database, [{ source: 'pipedrive', accountId: uniqueAccount('pd'), objectType: 'organization', objectId: '7202' }]);
    expect((await pipeline()([job], signal)).get(job.id)?.kind).toBe('done');
    expect(pipedrive.customByName(7202)['CBS municipality']).toBe('Utrecht (GM0344)');
  });

  it('generic: a lead with postcode (or zip)', async () => {
    generic.seed('F-1', { company: 'Grachtsoft B.V.', sbi: '62.01', employees: 12, postcode: '1011 AB' });
    generic.seed('F-2', { company: 'Grachtsoft B.V.', sbi: '62.01', employees: 12, zip: '1011' });
    const jobs = await makeJobs(database, [
      { source: 'generic', accountId: 'default', objectType: 'lead', objectId: 'F-1' },
      { source: 'generic', accountId: 'default', objectType: 'lead', objectId: 'F-2' },
    ]);
    const outcomes = await pipeline()(jobs, signal);
    for (const job of jobs) expect(outcomes.get(job.id)?.kind, JSON.stringify([...outcomes])).toBe('done');
    expect(generic.cards.get('F-1')).toMatchObject(EXPECTED);
    expect(generic.cards.get('F-2')).toMatchObject(EXPECTED);
  });
});
