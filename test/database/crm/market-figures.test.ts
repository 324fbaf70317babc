import { describe, expect, it } from 'vitest';
import { createPipeline } from '../../../src/jobs/pipeline.js';
import { flavours } from '../../support/db.js';
import { crmKit, makeJobs, realEnrichment, uniqueAccount, useCrmFakes } from '../../support/crm.js';

/**
 * A lead with SBI, employees and postcode gets all three market figures on its
 * card in every CRM: the postcode is read where each CRM keeps it (HubSpot
 * `zip`, Pipedrive's organization address, the generic lead's `postcode`).
 * Expected texts: 83583NED 62 × 10 tot 50 = 50.9 (x 1 000, 2019); 81588NED J ×
 * 10 tot 20 = 1820 (2026 Q3); 81575NED J × Amsterdam = 8150 (2012).
 */

const signal = new AbortController().signal;

const EXPECTED = {
  cbs_market_figure: '50.9 x 1 000 banen in 62 (83583NED, 2019 december)',
  cbs_businesses_in_segment: '1820 bedrijven in J (81588NED, 2026 3e kwartaal)',
  cbs_municipality: 'Amsterdam (GM0363)',
  cbs_establishments_in_municipality: '8150 vestigingen in J, Amsterdam (81575NED, 2012)',
};

/**
 * The fake Pipedrive's token belongs to one company (its default, 13000001): both Pipedrive leads are
 * that company's, so the limiter counts their calls in the one budget the fake counts them in (issue 24).
 */
const PIPEDRIVE_COMPANY = '13000001';

describe.each(flavours)('market figures on the card in all three CRMs on %s', (flavour) => {
  const fakes = useCrmFakes(flavour);
  const pipeline = () => {
    const cfg = fakes.config();
    return createPipeline({ database: fakes.database, config: cfg, enrichment: realEnrichment(), ...crmKit(fakes.database, cfg) });
  };

  it('HubSpot: a company with sbi_code, numberofemployees and zip', async () => {
    fakes.hubspot.seed('company', '7101', { name: 'Grachtsoft B.V.', sbi_code: '6201', numberofemployees: '12', zip: '1011 AB' });
    const [job] = await makeJobs(fakes.database, [{ source: 'hubspot', accountId: uniqueAccount('hs'), objectType: 'company', objectId: '7101' }]);
    const outcome = (await pipeline()([job], signal)).get(job.id);
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ kind: 'done' });
    expect(fakes.hubspot.cards.get('company:7101')).toMatchObject(EXPECTED);
  });

  it('Pipedrive: an organization whose address has the postal code', async () => {
    const sbiKey = fakes.pipedrive.addField('SBI code');
    const empKey = fakes.pipedrive.addField('Aantal medewerkers', 'double');
    fakes.pipedrive.seedOrganization(7201, 'Grachtsoft B.V.', { [sbiKey]: '62.01', [empKey]: 12 });
    fakes.pipedrive.cards.get('7201')!.address = { value: 'Damrak 1, 1011 AB Amsterdam', postal_code: '1011AB', locality: 'Amsterdam' };
    const [job] = await makeJobs(fakes.database, [{ source: 'pipedrive', accountId: PIPEDRIVE_COMPANY, objectType: 'organization', objectId: '7201' }]);
    const outcome = (await pipeline()([job], signal)).get(job.id);
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ kind: 'done' });
    const custom = fakes.pipedrive.customByName(7201);
    expect(custom['CBS businesses in segment']).toBe(EXPECTED.cbs_businesses_in_segment);
    expect(custom['CBS municipality']).toBe(EXPECTED.cbs_municipality);
    expect(custom['CBS establishments in municipality']).toBe(EXPECTED.cbs_establishments_in_municipality);
    expect(custom['CBS market figure']).toBe(EXPECTED.cbs_market_figure);
  });

  it('Pipedrive: a custom "Postcode" field when the address has none', async () => {
    const sbiKey = fakes.pipedrive.fieldKey('SBI code') ?? fakes.pipedrive.addField('SBI code');
    const pcKey = fakes.pipedrive.addField('Postcode');
    fakes.pipedrive.seedOrganization(7202, 'Domstad Data', { [sbiKey]: '62.01', [pcKey]: '3511 AA' });
    const [job] = await makeJobs(fakes.database, [{ source: 'pipedrive', accountId: PIPEDRIVE_COMPANY, objectType: 'organization', objectId: '7202' }]);
    const outcome = (await pipeline()([job], signal)).get(job.id);
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ kind: 'done' });
    expect(fakes.pipedrive.customByName(7202)['CBS municipality']).toBe('Utrecht (GM0344)');
  });

  it('generic: a lead with postcode (or zip)', async () => {
    fakes.generic.seed('F-1', { company: 'Grachtsoft B.V.', sbi: '62.01', employees: 12, postcode: '1011 AB' });
    fakes.generic.seed('F-2', { company: 'Grachtsoft B.V.', sbi: '62.01', employees: 12, zip: '1011' });
    const jobs = await makeJobs(fakes.database, [
      { source: 'generic', accountId: 'default', objectType: 'lead', objectId: 'F-1' },
      { source: 'generic', accountId: 'default', objectType: 'lead', objectId: 'F-2' },
    ]);
    const outcomes = await pipeline()(jobs, signal);
    for (const job of jobs) expect(outcomes.get(job.id)?.kind, JSON.stringify([...outcomes])).toBe('done');
    expect(fakes.generic.cards.get('F-1')).toMatchObject(EXPECTED);
    expect(fakes.generic.cards.get('F-2')).toMatchObject(EXPECTED);
  });
});
