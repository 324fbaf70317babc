import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { HUBSPOT_DEFAULT_API_VERSION, hubspotPaths } from '../../../src/crm/hubspot/paths.js';

/** Every HubSpot path from one place: the dated family by default, the legacy v3 on request. */

describe('HubSpot API paths', () => {
  it('default to the current dated version, with the version after the API family', () => {
    const p = hubspotPaths();
    expect(p.version).toBe('2026-09');
    expect(p.object('companies', '12')).toBe('/crm/objects/2026-09/companies/12');
    expect(p.batchRead('contacts')).toBe('/crm/objects/2026-09/contacts/batch/read');
    expect(p.batchUpdate('companies')).toBe('/crm/objects/2026-09/companies/batch/update');
    expect(p.search('companies')).toBe('/crm/objects/2026-09/companies/search');
    expect(p.properties('contacts')).toBe('/crm/properties/2026-09/contacts');
    expect(p.groups('contacts')).toBe('/crm/properties/2026-09/contacts/groups');
    expect(p.group('companies', 'verrijk')).toBe('/crm/properties/2026-09/companies/groups/verrijk');
    expect(p.accountDetails()).toBe('/account-info/2026-09/details');
  });

  it('v3 keeps the legacy paths', () => {
    const p = hubspotPaths('v3');
    expect(p.object('companies', '12')).toBe('/crm/v3/objects/companies/12');
    expect(p.batchUpdate('contacts')).toBe('/crm/v3/objects/contacts/batch/update');
    expect(p.group('companies', 'verrijk')).toBe('/crm/v3/properties/companies/groups/verrijk');
    expect(p.accountDetails()).toBe('/account-info/v3/details');
  });

  it('HUBSPOT_API_VERSION defaults to the dated version and refuses what HubSpot does not ship', () => {
    const base = { DATABASE_URL: 'memory://', LOG_LEVEL: 'silent' };
    expect(loadConfig(base).hubspot.apiVersion).toBe(HUBSPOT_DEFAULT_API_VERSION);
    expect(loadConfig({ ...base, HUBSPOT_API_VERSION: 'v3' }).hubspot.apiVersion).toBe('v3');
    expect(loadConfig({ ...base, HUBSPOT_API_VERSION: '2026-03' }).hubspot.apiVersion).toBe('2026-03');
    for (const bad of ['v4', '2026-05', '../v3']) {
      expect(() => loadConfig({ ...base, HUBSPOT_API_VERSION: bad }), bad).toThrow(/HUBSPOT_API_VERSION/);
    }
    expect(() => hubspotPaths('v4')).toThrow(/neither v3 nor a dated version/);
  });
});
