import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refKey } from '../../../src/crm/adapter.js';
import { CrmError } from '../../../src/crm/crm-error.js';
import type { LeadRef } from '../../../src/leads/identity.js';
import { testConfig } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { crmKit, uniqueAccount } from '../../support/crm.js';
import { startFakeGenericCrm, type FakeGenericCrm } from '../../support/fakes/generic-crm-server.js';
import { startFakeHubspot, type FakeHubspot } from '../../support/fakes/hubspot-server.js';
import { startFakePipedrive, type FakePipedrive } from '../../support/fakes/pipedrive-server.js';

/**
 * Finding 5: an object id `..` or `.` made the outbound call leave its path
 * (`PATCH {GENERIC_CRM_URL}/`, `PATCH /crm/v3/objects/`, `GET /api/v2/`) with
 * the CRM token. Whatever put the id in a job (an old job, a catch-up sweep,
 * an org_id the CRM itself returned), the adapter sends nothing for it.
 */

const PD_TOKEN = 'pipedrive-token-paths-0123456789';
const GEN_TOKEN = 'generic-token-paths-0123456789';
const HS_TOKEN = 'pat-eu1-paths-token-0123456789';
const BAD = ['..', '.', 'a/b', '%2e%2e', '1?x=1', '7#x'];

describe('object ids in outbound CRM paths', () => {
  let database: TestDatabase;
  let pipedrive: FakePipedrive;
  let generic: FakeGenericCrm;
  let hubspot: FakeHubspot;
  let kit: ReturnType<typeof crmKit>;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    pipedrive = await startFakePipedrive({ token: PD_TOKEN });
    generic = await startFakeGenericCrm({ token: GEN_TOKEN, limit: 100 });
    hubspot = await startFakeHubspot({ token: HS_TOKEN });
    kit = crmKit(
      database,
      testConfig({
        PIPEDRIVE_API_TOKEN: PD_TOKEN,
        PIPEDRIVE_BASE_URL: pipedrive.url,
        GENERIC_CRM_URL: `${generic.url}/api`,
        GENERIC_CRM_TOKEN: GEN_TOKEN,
        HUBSPOT_ACCESS_TOKEN: HS_TOKEN,
        HUBSPOT_BASE_URL: hubspot.url,
      }),
    );
  });
  afterAll(async () => {
    await kit?.crm.close();
    await Promise.all([pipedrive?.close(), generic?.close(), hubspot?.close()]);
    await database?.drop();
  });

  const cases: Array<[source: 'hubspot' | 'pipedrive' | 'generic', objectType: string]> = [
    ['hubspot', 'company'],
    ['pipedrive', 'organization'],
    ['generic', 'lead'],
  ];
  const fakeOf = (source: string) => (source === 'hubspot' ? hubspot : source === 'pipedrive' ? pipedrive : generic);

  it.each(cases)('%s: reads and writes for a bad id fail that lead as permanent and send nothing', async (source, objectType) => {
    const adapter = kit.crm.adapter(source)!;
    const account = source === 'generic' ? 'default' : uniqueAccount('9');
    for (const objectId of BAD) {
      const fake = fakeOf(source);
      const before = fake.requests.length;
      const ref: LeadRef = { source, accountId: account, objectType, objectId };
      const read = await adapter.readLeads(account, [ref]);
      const readErr = read.get(refKey(ref));
      expect(readErr, `read ${objectId}`).toBeInstanceOf(CrmError);
      expect((readErr as CrmError).failure.kind, `read ${objectId}`).toBe('permanent');
      const written = await adapter.writeCards(account, [{ ref, properties: { cbs_sbi_code: '62.01' } }]);
      const writeErr = written.get(refKey(ref));
      expect(writeErr, `write ${objectId}`).toBeInstanceOf(CrmError);
      expect((writeErr as CrmError).failure.kind, `write ${objectId}`).toBe('permanent');
      const sent = fake.requests.slice(before).filter((r) => !/Fields|properties/.test(r.path));
      expect(sent.map((r) => `${r.method} ${r.url}`), `requests for ${objectId}`).toEqual([]);
    }
  });

  it('pipedrive: a person whose org_id (from the CRM) is .. is refused before any organization call', async () => {
    const adapter = kit.crm.adapter('pipedrive')!;
    const account = uniqueAccount('8');
    pipedrive.persons.set('61', { id: 61, name: 'Eve', org_id: '..' as unknown as number });
    const before = pipedrive.requests.length;
    const ref: LeadRef = { source: 'pipedrive', accountId: account, objectType: 'person', objectId: '61' };
    const read = await adapter.readLeads(account, [ref]);
    expect((read.get(refKey(ref)) as CrmError).failure.kind).toBe('permanent');
    expect(pipedrive.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v2/persons/61']);
  });
});
