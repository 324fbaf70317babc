import { describe, expect, it } from 'vitest';
import { genericInput } from '../../../src/crm/generic/api.js';
import { kvkProfileOf, MAX_KVK_ACTIVITIES } from '../../../src/crm/generic/kvk-profile.js';
import { parseGenericEvent } from '../../../src/crm/generic/webhook.js';

/**
 * Old finding 10 (partly fixed) and review 2026-12, L4: a KvK profile's
 * unknown keys were stored twice per lead, never pruned (~1.8 MB for a 0.9 MB
 * profile), and nesting from the generic CRM that JSON.stringify cannot follow
 * lost the lead's audit row. Only the three fields the enrichment reads, of
 * at most 50 activities, are kept, on both ways in.
 */

const deep = () => {
  let v: unknown = {};
  for (let i = 0; i < 50_000; i++) v = { v };
  return v;
};
const padding = { bijzonderheden: 'x'.repeat(900_000), adressen: [{ straat: 'Dorpsstraat', huisnummer: 1 }] };

describe('the KvK profile kept of a lead', () => {
  it('keeps sbiCode, sbiOmschrijving and indHoofdactiviteit of each activity and nothing else', () => {
    const kept = kvkProfileOf({ kvkNummer: '12345678', ...padding, sbiActiviteiten: [{ sbiCode: '1071', sbiOmschrijving: 'Brood', indHoofdactiviteit: 'Ja', extra: 'x'.repeat(1000) }, { sbiCode: 4791 }] });
    expect(kept).toEqual({ sbiActiviteiten: [{ sbiCode: '1071', sbiOmschrijving: 'Brood', indHoofdactiviteit: 'Ja' }, { sbiCode: 4791 }] });
  });

  it('takes a bare list or one activity, keeps at most 50 activities, and drops what is not an activity', () => {
    expect(kvkProfileOf([{ sbiCode: '1071' }, 'x', null, [1]])).toEqual({ sbiActiviteiten: [{ sbiCode: '1071' }] });
    expect(kvkProfileOf({ sbiCode: '6201', indHoofdactiviteit: 'Ja' })).toEqual({ sbiActiviteiten: [{ sbiCode: '6201', indHoofdactiviteit: 'Ja' }] });
    expect(kvkProfileOf({ sbiActiviteiten: Array.from({ length: 500 }, () => ({ sbiCode: '1071' })) }).sbiActiviteiten).toHaveLength(MAX_KVK_ACTIVITIES);
    expect(kvkProfileOf({ naam: 'Bakkerij' })).toEqual({});
  });

  it('reads a deeply nested answer of the generic CRM into an input JSON can hold', () => {
    const input = genericInput({ id: 'L1', kvk: { sbiActiviteiten: [{ sbiCode: '1071', indHoofdactiviteit: 'Ja', nested: deep() }], ...padding } });
    expect(input.kvkSbi).toEqual({ sbiActiviteiten: [{ sbiCode: '1071', indHoofdactiviteit: 'Ja' }] });
    expect(() => JSON.stringify(input)).not.toThrow();
  });

  it('stores a 0.9 MB profile posted to the generic webhook as its activities only', () => {
    const parsed = parseGenericEvent({ type: 'lead.created', lead: { id: 'L2', kvk: { ...padding, sbiActiviteiten: [{ sbiCode: '1071', indHoofdactiviteit: 'Ja' }] } } }, 'msg_1');
    const payload = JSON.stringify(parsed.events[0].payload);
    expect(payload.length, payload.slice(0, 300)).toBeLessThan(1000);
    expect(parsed.events[0].payload.lead.kvkSbi).toEqual({ sbiActiviteiten: [{ sbiCode: '1071', indHoofdactiviteit: 'Ja' }] });
  });
});
