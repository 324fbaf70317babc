import { describe, expect, it } from 'vitest';
import { loadSbiList, parseSbiList, sbiChain } from '../../../src/enrich/sbi-list.js';

describe('bundled SBI 2008 list', () => {
  const list = loadSbiList();

  it('holds all 1,455 codes with their levels', () => {
    expect(list.entries).toHaveLength(1455);
    const count = (level: string) => list.entries.filter((e) => e.level === level).length;
    expect({ section: count('section'), division: count('division'), group: count('group'), class: count('class'), subclass: count('subclass') }).toEqual({
      section: 21,
      division: 86,
      group: 266,
      class: 604,
      subclass: 478,
    });
  });

  it('repairs the spreadsheet quirks: numeric divisions, NBSP and trailing spaces', () => {
    for (const d of ['02', '06', '08', '09']) expect(list.byCode.get(d)?.level, d).toBe('division');
    expect(list.byCode.get('01')?.title).toBe('Landbouw, jacht en dienstverlening voor de landbouw en jacht');
    expect(list.byCode.get('01.19.2')?.level).toBe('subclass');
    expect(list.byCode.get('J')?.title).toBe('Informatie en communicatie');
    expect(list.byCode.get('47.91.1')?.parents).toEqual(['G', '47', '47.9', '47.91']);
    for (const e of list.entries) expect(e.code, JSON.stringify(e.code)).toMatch(/^([A-U]|\d{2}(\.\d{1,2}(\.\d)?)?)$/);
  });

  it('gives every code a complete parent chain inside its section', () => {
    const depth = { section: 0, division: 1, group: 2, class: 3, subclass: 4 };
    for (const e of list.entries) {
      expect(e.parents.length, e.code).toBe(depth[e.level]);
      const chain = sbiChain(list, e);
      expect(chain[0].code, e.code).toBe(e.section);
      for (const p of chain.slice(1)) expect(e.digits.startsWith(p.digits), `${e.code} under ${p.code}`).toBe(true);
    }
    expect(list.byCode.get('62.01')?.section).toBe('J');
    expect(list.byCode.get('10.71')?.section).toBe('C');
  });

  it('refuses a list line it cannot read', () => {
    expect(() => parseSbiList('code,title\nA,Landbouw\n1x2,Onzin\n')).toThrow(/cannot read code/);
  });
});
