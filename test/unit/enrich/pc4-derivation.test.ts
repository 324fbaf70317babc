import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_FIXTURES_DIR } from '../../support/cbs-fixtures.js';
import { csvFields, loadPc4Index, parsePostcode, PC4_FILE, resolvePlace } from '../../../src/enrich/postcode.js';

/**
 * The bundled PC4 → municipality list is exactly what its README says: the
 * most common PC4 of every buurt in CBS 84799NED (2020), grouped by
 * municipality. Re-derived here from the in-repo extract and compared line by line.
 */

describe('the bundled PC4 list', () => {
  it('re-derives from the 84799NED extract line by line', () => {
    const [header, ...rows] = readFileSync(path.join(REPO_FIXTURES_DIR, 'pc4-gemeente/84799NED_kwb2020_geo_en_postcode.csv'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(csvFields);
    const col = (name: string) => header.indexOf(name);
    const groups = new Map<string, { pc4: string; code: string; name: string; n: number; best: number }>();
    for (const r of rows) {
      if (r[col('SoortRegio_2')].trim() !== 'Buurt') continue;
      const pc4 = r[col('MeestVoorkomendePostcode_113')].trim();
      if (pc4 === '.') continue;
      const code = r[col('WijkenEnBuurten_Municipality')];
      const name = r[col('Gemeentenaam_1')].trim();
      const cls = Number(r[col('Dekkingspercentage_114')]);
      const key = `${pc4}|${code}|${name}`;
      const g = groups.get(key) ?? { pc4, code, name, n: 0, best: Number.POSITIVE_INFINITY };
      g.n++;
      g.best = Math.min(g.best, cls);
      groups.set(key, g);
    }
    const perPc4 = new Map<string, number>();
    for (const g of groups.values()) perPc4.set(g.pc4, (perPc4.get(g.pc4) ?? 0) + 1);
    const derived = [...groups.values()].map((g) => [g.pc4, g.code, g.name, String(g.n), String(g.best), String(perPc4.get(g.pc4))].join('|')).sort();
    const [, ...bundled] = readFileSync(PC4_FILE, 'utf8').split('\n').filter(Boolean).map(csvFields);
    expect(bundled.map((f) => f.join('|')).sort()).toEqual(derived);
    expect(perPc4.size).toBe(3936);
  });

  it('resolves Dutch postcode spellings to the municipality, and names a second one', () => {
    const index = loadPc4Index();
    expect(['1011 AB', '1011AB', '1011ab', ' 1011  AB ', '1011', 1011, 'NL-1011 AB'].map((p) => parsePostcode(p).ok)).toEqual(Array(7).fill(true));
    expect(['0123 AB', '12345', '1011 A', 'SW1A 1AA', '', 10.5, null].map((p) => parsePostcode(p).ok)).toEqual(Array(7).fill(false));
    expect(resolvePlace('5671 AA', index)).toMatchObject({ ok: true, place: { code: 'GM0820', name: 'Nuenen, Gerwen en Nederwetten' } });
    expect(resolvePlace('7963', index)).toMatchObject({ ok: true, place: { code: 'GM1690', name: 'De Wolden', alsoIn: [{ code: 'GM1701', name: 'Westerveld' }] } });
    expect(resolvePlace('1000', index)).toMatchObject({ ok: false, reason: expect.stringMatching(/PC4 1000 is not in the bundled PC4 list/) });
  });
});
