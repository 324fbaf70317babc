import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { VOCABULARY_DIR, VOCABULARY_FILES, loadVocabulary, parseVocabulary } from '../../../src/enrich/vocabulary.js';

const list = loadSbiList();
const vocabulary = loadVocabulary();
const readme = readFileSync(join(VOCABULARY_DIR, 'README.md'), 'utf8');

/** Row counts the README's table states, e.g. `| \`nace-rev2-en.csv\` | 996 | ...`. */
function statedRows(file: string): number {
  const m = new RegExp(`^\\| \`${file.replace(/\./g, '\\.')}\` \\| (\\d+) \\|`, 'm').exec(readme);
  if (!m) throw new Error(`README.md states no row count for ${file}`);
  return Number(m[1]);
}

function duplicates(keys: string[]): string[] {
  const seen = new Set<string>();
  return keys.filter((k) => (seen.has(k) ? true : (seen.add(k), false)));
}

const tables = [
  { name: 'hubspot', file: VOCABULARY_FILES.hubspot.file, keys: vocabulary.hubspot.map((r) => r.value) },
  { name: 'linkedinV1', file: VOCABULARY_FILES.linkedinV1.file, keys: vocabulary.linkedinV1.map((r) => r.id) },
  { name: 'linkedinV2', file: VOCABULARY_FILES.linkedinV2.file, keys: vocabulary.linkedinV2.map((r) => r.id) },
  { name: 'naceEn', file: VOCABULARY_FILES.naceEn.file, keys: vocabulary.naceEn.map((r) => r.code) },
] as const;

describe('bundled vocabulary tables', () => {
  for (const t of tables) {
    it(`${t.file}: header, the README's row count, unique keys`, () => {
      const firstLine = readFileSync(join(VOCABULARY_DIR, t.file), 'utf8').split('\n')[0];
      expect(firstLine).toBe(VOCABULARY_FILES[t.name].header.join(','));
      expect(t.keys.length, `${t.file} rows vs README`).toBe(statedRows(t.file));
      expect(duplicates(t.keys), `duplicate keys in ${t.file}`).toEqual([]);
      expect(t.keys.filter((k) => k.trim() === '' || k !== k.trim()), `blank or padded keys in ${t.file}`).toEqual([]);
    });
  }

  it('the README states the counts the issue expects (HubSpot 148, LinkedIn V1 147 and V2 434)', () => {
    expect([statedRows('hubspot-industries.csv'), statedRows('linkedin-industries-v1.csv'), statedRows('linkedin-industries-v2.csv')]).toEqual([
      148, 147, 434,
    ]);
  });

  it('maps every HubSpot and LinkedIn label only to codes that exist in the SBI list', () => {
    const rows = [
      ...vocabulary.hubspot.map((r) => ({ where: `hubspot ${r.value}`, sbi: r.sbi, note: r.note })),
      ...vocabulary.linkedinV1.map((r) => ({ where: `linkedin v1 ${r.id} ${r.label}`, sbi: r.sbi, note: r.note })),
      ...vocabulary.linkedinV2.map((r) => ({ where: `linkedin v2 ${r.id} ${r.label}`, sbi: r.sbi, note: r.note })),
      ...vocabulary.searchTerms.map((r) => ({ where: `search term ${r.term}`, sbi: r.sbi, note: 'n/a' })),
    ];
    const unknown = rows.filter((r) => r.sbi !== '' && !list.byCode.has(r.sbi)).map((r) => `${r.where} → ${r.sbi}`);
    expect(unknown).toEqual([]);
    // An empty code is a decision, so it must say why.
    expect(rows.filter((r) => r.sbi === '' && r.note.trim() === '').map((r) => r.where)).toEqual([]);
  });

  it('gives HubSpot options the mapping of the LinkedIn V1 label they come from', () => {
    const v1 = new Map(vocabulary.linkedinV1.map((r) => [r.label, r]));
    const differ = vocabulary.hubspot
      .filter((h) => v1.has(h.label) && (v1.get(h.label)!.sbi !== h.sbi || v1.get(h.label)!.note !== h.note))
      .map((h) => h.value);
    expect(differ).toEqual([]);
    expect(vocabulary.hubspot.filter((h) => !v1.has(h.label)).map((h) => h.value)).toEqual(['MOBILE_GAMES']);
  });

  it('links every LinkedIn V2 industry to an existing parent, with 20 top-level industries', () => {
    const ids = new Set(vocabulary.linkedinV2.map((r) => r.id));
    expect(vocabulary.linkedinV2.filter((r) => r.parentId !== '' && !ids.has(r.parentId)).map((r) => r.id)).toEqual([]);
    expect(vocabulary.linkedinV2.filter((r) => r.parentId === '')).toHaveLength(20);
    expect(vocabulary.linkedinV2.filter((r) => r.parentId === '' && r.hierarchy !== r.label).map((r) => r.id)).toEqual([]);
  });

  it('lists in the README exactly the NACE codes that the SBI list lacks', () => {
    const lacking = vocabulary.naceEn.filter((r) => !list.byCode.has(r.code)).map((r) => r.code);
    const section = readme.slice(readme.indexOf('Codes that are not in the SBI list'), readme.indexOf('Whoever uses the titles'));
    const listed = [...section.matchAll(/`(\d{2}(?:\.\d{1,2})?)`/g)].map((m) => m[1]);
    expect(listed).toEqual(lacking);
    expect(lacking.length).toBeLessThan(40); // the bulk of NACE must land on real SBI codes
  });

  it('reads NACE codes the SBI way and has a title for each', () => {
    const bad = vocabulary.naceEn.filter((r) => !/^([A-U]|\d{2}(\.\d{1,2})?)$/.test(r.code) || r.title.trim() === '');
    expect(bad).toEqual([]);
    expect(vocabulary.naceEn.find((r) => r.code === '62.01')?.title).toBe('Computer programming activities');
  });

  it('has no KvK/CBS search-term file, as the README explains', () => {
    expect(vocabulary.searchTerms).toEqual([]);
    expect(readme).toContain('No public list of KvK or CBS SBI search terms');
  });
});

describe('vocabulary loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vocabulary-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function writeTables(overrides: Partial<Record<keyof typeof VOCABULARY_FILES, string>>) {
    for (const key of ['hubspot', 'linkedinV1', 'linkedinV2', 'naceEn'] as const) {
      const f = VOCABULARY_FILES[key];
      writeFileSync(join(dir, f.file), overrides[key] ?? `${f.header.join(',')}\n`);
    }
  }

  it('parses quoted fields and the optional search-term file', () => {
    writeTables({ hubspot: 'value,label,sbi,note\nGLASS,"Glass, Ceramics & Concrete",23,"a ""quoted"" note"\n' });
    writeFileSync(join(dir, VOCABULARY_FILES.searchTerms.file), 'term,sbi\nkapper,96.02\n');
    const v = parseVocabulary(dir);
    expect(v.hubspot).toEqual([{ value: 'GLASS', label: 'Glass, Ceramics & Concrete', sbi: '23', note: 'a "quoted" note' }]);
    expect(v.searchTerms).toEqual([{ term: 'kapper', sbi: '96.02' }]);
    rmSync(join(dir, VOCABULARY_FILES.searchTerms.file));
  });

  it('refuses a file whose header or field count is wrong', () => {
    writeTables({ naceEn: 'code,name\nA,AGRICULTURE\n' });
    expect(() => parseVocabulary(dir)).toThrow(/header/);
    writeTables({ linkedinV1: 'id,label,sbi,note\n4,Computer Software,62.01\n' });
    expect(() => parseVocabulary(dir)).toThrow(/3 fields, expected 4/);
  });
});
