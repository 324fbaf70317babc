import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseSbiCode, parseKvkSbi } from '../../../src/enrich/sbi-code.js';

const code = (input: unknown) => {
  const r = normaliseSbiCode(input);
  return r.ok ? r.code : `refused: ${r.reason}`;
};

describe('normaliseSbiCode', () => {
  it.each([
    ['6201', '62.01'],
    [6201, '62.01'],
    ['62.01', '62.01'],
    ['62010', '62.01.0'],
    ['62.01.0', '62.01.0'],
    ['62 01', '62.01'],
    ['62\u00a001', '62.01'],
    ['  62.01\u00a0 ', '62.01'],
    ['62.01   ', '62.01'],
    ['01\u00a0', '01'],
    ['2', '02'],
    ['1.13', '01.13'],
    ['62', '62'],
    ['620', '62.0'],
    ['01131', '01.13.1'],
    ['01.13.1', '01.13.1'],
    ['J', 'J'],
    ['j', 'J'],
    [' J ', 'J'],
    ['SBI 62.01', '62.01'],
    ['sbi-code: 6201', '62.01'],
    ['62.01 Ontwikkelen, produceren en uitgeven van software', '62.01'],
    ['4791 - Detailhandel via internet', '47.91'],
  ])('reads %j as %s', (input, expected) => {
    expect(code(input)).toBe(expected);
  });

  it.each([
    '',
    '   ',
    'software',
    'IT consultancy',
    'W',
    'AB',
    '62-63',
    '620100',
    '6 201',
    '62.1.5',
    '00.11',
    '62a',
    '-5',
    'J Informatie en communicatie',
    null,
    undefined,
    {},
    [],
    Number.NaN,
    -62,
    'x'.repeat(500),
  ])('refuses %j with a reason', (input) => {
    const r = normaliseSbiCode(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.length).toBeGreaterThan(5);
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        normaliseSbiCode(input);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('6', '2', '0', '1', '.', ' ', '\u00a0', 'J', 'a', '-', 'SBI') }), (input) => {
        normaliseSbiCode(input);
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent: normalising its own output gives the same output', () => {
    const codeLike = fc
      .tuple(fc.stringMatching(/^\d{1,2}$/), fc.constantFrom('', '.', ' ', '\u00a0'), fc.stringMatching(/^\d{0,2}$/), fc.constantFrom('', '.', ' '), fc.stringMatching(/^\d?$/))
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(codeLike, fc.string(), fc.constantFrom('J', 'u', ' A ')), (input) => {
        const once = normaliseSbiCode(input);
        if (!once.ok) return;
        const twice = normaliseSbiCode(once.code);
        expect(twice).toEqual(once);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseKvkSbi', () => {
  const profile = {
    sbiActiviteiten: [
      { sbiCode: '4791', sbiOmschrijving: 'Detailhandel via internet', indHoofdactiviteit: 'Nee' },
      { sbiCode: '6201', sbiOmschrijving: 'Ontwikkelen, produceren en uitgeven van software', indHoofdactiviteit: 'Ja' },
    ],
  };

  it('takes the main activity from a Basisprofiel, its array, or their JSON', () => {
    for (const input of [profile, profile.sbiActiviteiten, JSON.stringify(profile), JSON.stringify(profile.sbiActiviteiten)]) {
      const r = parseKvkSbi(input);
      expect(r.ok && r.code.code, JSON.stringify(r)).toBe('62.01');
      expect(r.ok && r.activity.main).toBe(true);
    }
  });

  it('accepts indHoofdactiviteit as a boolean and a plain code string', () => {
    const r = parseKvkSbi([{ sbiCode: '10711', indHoofdactiviteit: true }]);
    expect(r.ok && r.code.code).toBe('10.71.1');
    const plain = parseKvkSbi('62.01');
    expect(plain.ok && plain.code.code).toBe('62.01');
  });

  it('uses a single unflagged activity, but refuses to pick among several', () => {
    const one = parseKvkSbi({ sbiActiviteiten: [{ sbiCode: '6201' }] });
    expect(one.ok && one.note).toMatch(/only activity/);
    const many = parseKvkSbi({ sbiActiviteiten: [{ sbiCode: '6201' }, { sbiCode: '4791' }] });
    expect(many).toEqual({ ok: false, reason: expect.stringMatching(/main activity is unknown/) });
  });

  it.each([['{not json'], [{ sbiActiviteiten: [] }], [{ foo: 1 }], [[{ sbiCode: 'software', indHoofdactiviteit: 'Ja' }]], [42.5]])(
    'refuses %j with a reason',
    (input) => {
      const r = parseKvkSbi(input);
      expect(r.ok).toBe(false);
    },
  );

  it('never throws', () => {
    fc.assert(fc.property(fc.anything(), (input) => void parseKvkSbi(input)), { numRuns: 1000 });
    fc.assert(fc.property(fc.json(), (input) => void parseKvkSbi(input)), { numRuns: 1000 });
  });
});
