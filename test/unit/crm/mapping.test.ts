import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAPPING, MappingError, cardToProperties, isUnchanged, loadMapping, parseInputSystems, parseMapping } from '../../../src/crm/mapping.js';
import { CARD_FIELDS } from '../../../src/enrich/types.js';

describe('CRM mapping', () => {
  it('maps every card field by default, to distinct properties per CRM', () => {
    for (const crm of ['hubspot', 'pipedrive', 'generic'] as const) {
      const targets = CARD_FIELDS.map((f) => DEFAULT_MAPPING[crm][f]);
      expect(targets.every(Boolean)).toBe(true);
      expect(new Set(targets).size).toBe(CARD_FIELDS.length);
    }
    expect(DEFAULT_MAPPING.pipedrive.cbs_sbi_code).toBe('CBS SBI code');
  });

  it('fails with a clear message on an unknown card field or a duplicate target', () => {
    expect(() => parseMapping({ hubspot: { cbs_sbi_cod: 'x' } })).toThrow(/hubspot\.cbs_sbi_cod is not a card field/);
    expect(() => parseMapping({ pipedrive: { cbs_sbi_code: 'SBI', cbs_sector: 'sbi' } })).toThrow(/pipedrive\.cbs_sector targets "sbi", which cbs_sbi_code already targets/);
    expect(() => parseMapping({ hubspot: { cbs_sbi_code: 'Not Valid' } })).toThrow(MappingError);
    expect(() => parseMapping({ salesforce: {} })).toThrow(MappingError);
  });

  it('loads the example override file; CRMs it leaves out keep the defaults', () => {
    const m = loadMapping(path.resolve('config/mapping.example.json'));
    expect(m.pipedrive.cbs_sbi_code).toBe('SBI (CBS)');
    expect(m.pipedrive.cbs_match).toBeUndefined();
    expect(m.generic).toEqual(DEFAULT_MAPPING.generic);
    const bad = path.join(tmpdir(), `mapping-${process.pid}.json`);
    writeFileSync(bad, '{ not json');
    expect(() => loadMapping(bad)).toThrow(/CRM_MAPPING_FILE/);
    expect(readFileSync(bad, 'utf8')).toContain('not json');
  });

  it('writes only mapped fields and sees an unchanged version', () => {
    const mapping = { cbs_sbi_code: 'SBI', cbs_version: 'V' };
    const props = cardToProperties({ cbs_sbi_code: '62.01', cbs_sector: 'J', cbs_version: 'abc' }, mapping);
    expect(props).toEqual({ SBI: '62.01', V: 'abc' });
    expect(isUnchanged(props, { SBI: 'typed by hand', V: 'abc' }, mapping)).toBe(true);
    expect(isUnchanged(props, { SBI: '62.01', V: 'old' }, mapping)).toBe(false);
    expect(isUnchanged({ SBI: '62.01', AT: 'now' }, { SBI: '62.01', AT: 'before' }, { cbs_sbi_code: 'SBI', cbs_enriched_at: 'AT' })).toBe(true);
  });
});

describe('the mapping file’s SBI inputs (issue 22)', () => {
  it('overrides SBI_INPUT_SYSTEM per field and names a wrong value', () => {
    expect(parseInputSystems(undefined, 'SBI2025')).toEqual({ sbi: 'SBI2025', kvk_sbi: 'SBI2025' });
    expect(parseInputSystems({ inputs: { sbi: '2008' } }, 'SBI2025')).toEqual({ sbi: 'SBI2008', kvk_sbi: 'SBI2025' });
    expect(parseInputSystems({ inputs: { kvk_sbi: '2025' }, hubspot: { cbs_sbi2008: 'sbi_2008' } }, 'SBI2008')).toEqual({ sbi: 'SBI2008', kvk_sbi: 'SBI2025' });
    expect(() => parseInputSystems({ inputs: { sbi: '2009' } }, 'SBI2025')).toThrow(/inputs\.sbi must be "2008" or "2025"/);
    expect(() => parseInputSystems({ inputs: { industry: '2008' } }, 'SBI2025')).toThrow(/inputs/);
    // The mapping itself ignores `inputs`.
    expect(parseMapping({ inputs: { sbi: '2008' } })).toEqual(DEFAULT_MAPPING);
  });
});
