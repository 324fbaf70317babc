import { describe, expect, it } from 'vitest';
import { asCard, detailOf, summaryOf } from '../../../src/ops/lead-view.js';

/** Stored results are read defensively: old rows lack fields, newer engines add some, and a wrong type reads as missing. */
describe('lead view of a stored result', () => {
  it('reads nothing from nothing, and never throws on odd types', () => {
    for (const result of [null, undefined, 7, 'text', [], { cbs_sbi_code: 5, cbs_match: 'x', problems: {}, input: 'x', cbs_size_class: { classes: 'no' } }]) {
      const d = detailOf(result);
      expect(d.sector).toBeNull();
      expect(d.size?.classes ?? []).toEqual([]);
      expect(d.problems).toEqual([]);
      expect(Object.values(d.inputs).every((v) => v === null)).toBe(true);
      expect(summaryOf(result, { company: null, domain: null }).sector).toBeNull();
    }
  });

  it('takes the company and domain from the webhook when the stored input has none', () => {
    expect(detailOf({ input: {} }, { company: 'Bakkerij Jansen B.V.', domain: 'jansen.nl' }).inputs).toMatchObject({ company: 'Bakkerij Jansen B.V.', domain: 'jansen.nl' });
  });

  it('shows a KvK profile object as JSON that wraps between its parts, and numbers as text', () => {
    const d = detailOf({ input: { kvkSbi: { sbiActiviteiten: [{ sbiCode: '8130', indHoofdactiviteit: 'Ja' }] }, employees: 12 } });
    expect(d.inputs.kvkSbi).toBe('{"sbiActiviteiten": [{"sbiCode": "8130", "indHoofdactiviteit": "Ja"}]}');
    expect(d.inputs.employees).toBe('12');
  });

  it('keeps fields a newer engine adds out of the way (SBI 2025)', () => {
    const d = detailOf({ cbs_sbi_code: '62.01', cbs_sbi_title: 'Ontwikkelen van software', cbs_sbi2025_code: '62.10', cbs_match: { sector: { method: 'sbi', confidence: 1 } } });
    expect(d.sector).toMatchObject({ code: '62.01', method: 'sbi', confidence: 1 });
  });

  it('reads the card back under the mapped property names', () => {
    expect(asCard({ custom_sbi: '10.71', cbs_period: '2019', other: 'x' }, { cbs_sbi_code: 'custom_sbi' })).toEqual({ cbs_sbi_code: '10.71', cbs_period: '2019' });
  });
});
