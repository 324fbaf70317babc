import { beforeAll, describe, expect, it } from 'vitest';
import { createEnricher, type VerrijkEnricher } from '../../../src/enrich/engine.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import type { LeadInput } from '../../../src/enrich/types.js';

// The reading rules and the conversion of issue 22 on the real lists (data/sbi2008/, data/sbi2025/, data/nace2-nace21/).
let enricher: VerrijkEnricher;
beforeAll(() => {
  enricher = createEnricher({ sbiList: loadSbiList(), tables: [], minConfidence: 0.5 });
});

const resolve = (input: LeadInput) => {
  const e = enricher.resolve(input);
  return { e, m: e.cbs_match.sector, dump: JSON.stringify({ code: e.cbs_sbi_code, match: e.cbs_match.sector, problems: e.problems }) };
};

describe('reading a code as SBI 2008 or SBI 2025', () => {
  it('reads 5 digits ending in 0 as SBI 2025 and names the SBI 2008 meaning of the same digits', () => {
    const { e, m, dump } = resolve({ sbi: '47810' });
    expect(e.cbs_sbi_code, dump).toBe('47.81.0');
    expect(e.cbs_sbi_title).toBe('Detailhandel in motorvoertuigen');
    expect(m?.read).toMatchObject({ system: 'SBI2025', rule: 'five-digits-zero', other: { system: 'SBI2008', code: '47.81' } });
    expect(m?.detail).toContain('as SBI 2008 47.81 Markthandel in voedings- en genotmiddelen');
  });

  it('reads a code only one list has in that list: 62100 and 6210 are SBI 2025, 6201 is SBI 2008', () => {
    expect(resolve({ kvkSbi: '62100' }).e).toMatchObject({ cbs_sbi_code: '62.10.0', cbs_sector: { letter: 'K' } });
    expect(resolve({ sbi: '6210' }).m?.read).toMatchObject({ system: 'SBI2025', code: '62.10', rule: 'only-in-list', other: null });
    const old = resolve({ sbi: '6201' });
    expect(old.m?.read, old.dump).toMatchObject({ system: 'SBI2008', code: '62.01', rule: 'only-in-list' });
    expect(old.e.cbs_sbi_code).toBe('62.10.0');
    expect(old.e.cbs_sbi2008?.code).toBe('62.01');
  });

  it('reads a code both lists have, and a section letter, in the configured list, naming the other', () => {
    const k = resolve({ sbi: 'K' });
    expect(k.e.cbs_sector?.letter, k.dump).toBe('K');
    expect(k.e.cbs_sbi_title).toMatch(/^Telecommunicatie, computerprogrammering/);
    expect(k.m?.read).toMatchObject({ rule: 'configured', other: { system: 'SBI2008', code: 'K', title: 'Financiële instellingen' } });
    const k2008 = resolve({ sbi: 'K', sbiSystem: 'SBI2008' });
    expect(k2008.m?.read, k2008.dump).toMatchObject({ system: 'SBI2008', code: 'K', other: { system: 'SBI2025', code: 'K' } });
    expect(k2008.e.cbs_sector?.letter).toBe('L');
    // Same digits, same meaning: nothing to name.
    expect(resolve({ sbi: '1071' }).m?.read).toMatchObject({ system: 'SBI2025', other: null });
    expect(resolve({ sbi: 'V' }).m?.read).toMatchObject({ system: 'SBI2025', rule: 'only-in-list' });
  });

  it('reads spellings exports use: "47 992" (a space after the division), NBSP, a lost leading zero', () => {
    expect(resolve({ sbi: '47 992' }).m?.read).toMatchObject({ code: '47.99.2' });
    expect(resolve({ sbi: '62\u00a0100' }).e.cbs_sbi_code).toBe('62.10.0');
    const lost = resolve({ sbi: '1131' });
    expect(lost.m?.read, lost.dump).toMatchObject({ code: '01.13.1', rule: 'configured' });
    expect(lost.m?.detail).toContain('1131 read as 01131 (leading zero restored)');
  });

  it('keeps an impossible code a problem naming the field', () => {
    const { e } = resolve({ sbi: '04.11' });
    expect(e.cbs_sbi_code).toBeNull();
    expect(e.problems).toEqual([{ field: 'sbi', reason: expect.stringMatching(/neither SBI 2008 nor SBI 2025.*no division 04/) }]);
  });
});

describe('converting SBI 2008 to SBI 2025', () => {
  it('answers a renumbered class with its single counterpart: 62.01 → 62100, 41.10 → 68120, 70.21 → 73300, 14.12 → 14230', () => {
    for (const [from, to] of [['6201', '62.10.0'], ['41.10', '68.12.0'], ['7021', '73.30.0'], ['14.12', '14.23.0']]) {
      const { e, m, dump } = resolve({ sbi: from, sbiSystem: 'SBI2008' });
      expect(e.cbs_sbi_code, dump).toBe(to);
      expect(m).toMatchObject({ confidence: 1, exact: true, conversion: { from: 'SBI2008', to: 'SBI2025', method: 'one', count: 1 } });
    }
  });

  it('picks the candidate with the same title (01.49.1 → 01.48.1 Fokken en houden van edelpelsdieren)', () => {
    const { e, m } = resolve({ sbi: '01491' });
    expect(e.cbs_sbi_code).toBe('01.48.1');
    expect(m?.conversion?.method).toBe('title');
    expect(m?.confidence).toBe(0.95);
  });

  it("lets the lead's own words pick among several candidates (47.91 internet retail + 'webshop in fietsen')", () => {
    const { e, m, dump } = resolve({ sbi: '47.91', sbiSystem: 'SBI2008', industry: 'webshop in fietsen' });
    expect(e.cbs_sbi_title, dump).toBe('Detailhandel in fietsen');
    expect(m?.conversion).toMatchObject({ method: 'evidence', words: ['fietse'] });
    expect(m?.confidence).toBe(0.85);
  });

  it('answers the deepest common code at lowered confidence, naming the candidates, when nothing decides (64.20)', () => {
    const { e, m } = resolve({ sbi: '64.20', sbiSystem: 'SBI2008' });
    expect(e.cbs_sbi_code).toBe('64.2');
    expect(m).toMatchObject({ exact: false, confidence: 0.6, conversion: { method: 'common', candidates: [{ code: '64.21.0' }, { code: '64.22.0' }] } });
    expect(m?.detail).toContain('answered with their common code 64.2');
    // Division 45 is gone: its counterparts share no section, so there is no SBI 2025 code, only the SBI 2008 one.
    const gone = resolve({ sbi: '45' });
    expect(gone.e.cbs_sbi_code).toBeNull();
    expect(gone.e.cbs_sbi2008?.code).toBe('45');
    expect(gone.m?.detail).toContain('no SBI 2025 code has them all');
  });

  it('converts the Dutch SBI 2008 classes through their NACE group (86.92 → 86.9; the words pick 86.95.0)', () => {
    const { m } = resolve({ sbi: '86.92', sbiSystem: 'SBI2008' });
    expect(m?.conversion).toMatchObject({ via: '86.9', method: 'common' });
    const physio = resolve({ sbi: '86.92', sbiSystem: 'SBI2008', industry: 'fysiotherapie praktijk' });
    expect(physio.e.cbs_sbi_title, physio.dump).toBe('Fysiotherapie en ergotherapie');
  });

  it("converts the free-text matcher's SBI 2008 answer by the same rules", () => {
    const { e, m } = resolve({ industry: 'softwarebedrijf' });
    expect(e.cbs_sbi_code).toBe('62.10.0');
    expect(m?.read).toMatchObject({ system: 'SBI2008', code: '62.01', rule: 'matcher' });
  });

  it('gives an SBI 2025 code its SBI 2008 equivalents for the SBI 2008 tables', () => {
    const cars = resolve({ sbi: '47810' }).e;
    expect(cars.cbs_sbi2008).toMatchObject({ code: '45.1', equivalents: [{ code: '45.11' }, { code: '45.19' }] });
    const card = enricher.toCard(cars, new Date(0));
    expect(card.cbs_sbi_code).toBe('47810');
    expect(card.cbs_sbi2008).toMatch(/^45\.11, 45\.19 \(samen 45\.1 Handel in auto.s en aanhangers/);
  });
});
