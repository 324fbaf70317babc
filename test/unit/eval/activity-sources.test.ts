import { describe, expect, it } from 'vitest';
import { loadIndustryTables } from '../../../src/enrich/industry-tables.js';
import { createIndustryMatcher } from '../../../src/enrich/industry-text.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import { loadVocabulary } from '../../../src/enrich/vocabulary.js';
import { commonCode, excludedItem, loadSourcePhrases, noteItems } from '../../../scripts/eval/activity-sources.js';
import { loadCases, splitOf } from '../../../scripts/eval/cases.js';
import { everydayOf } from '../../../scripts/eval/everyday.js';

const list = loadSbiList();

describe('the classification sources of the phrase kinds and the activity vocabulary', () => {
  it('reads Eurostat notes as items, a bullet with its head, without prose or coding rules', () => {
    const note =
      'This class includes: - wholesale and retail sale of new and used vehicles:   • lorries, trailers   • camping vehicles - tyre repair';
    expect(noteItems(note)).toEqual(['wholesale and retail sale of new and used vehicles: lorries, trailers', 'wholesale and retail sale of new and used vehicles: camping vehicles', 'tyre repair']);
    expect(noteItems('NA')).toEqual([]);
    expect(noteItems('IMPLEMENTATION RULE: Activities where the provider uses computers only as a tool are classified elsewhere')).toEqual([]);
  });

  it('reads an excludes item with every code it names instead', () => {
    expect(excludedItem('production of metal powder, see 24.1, 24.4')).toEqual({ text: 'production of metal powder', codes: ['241', '244'] });
    expect(excludedItem('retreading and rebuilding of tyres, see 22.11')).toEqual({ text: 'retreading and rebuilding of tyres', codes: ['2211'] });
    expect(excludedItem('wholesale of tyres')).toBeUndefined();
  });

  it('keeps a phrase only at the level all its codes share, never across divisions', () => {
    expect(commonCode(['4511', '4519'])).toBe('451');
    expect(commonCode(['4751', '4782'])).toBe('47');
    expect(commonCode(['4941', '5224'])).toBeUndefined();
  });

  it('puts only TUNE phrases into the vocabulary, each under a real SBI 2008 code', () => {
    const activity = loadVocabulary().activity;
    expect(activity.length).toBeGreaterThan(1000);
    const leaked = activity.filter((a) => splitOf(a.id) !== 'tune').map((a) => a.id);
    expect(leaked, 'holdout phrases in data/vocabulary/activity-phrases.csv').toEqual([]);
    const unknown = activity.filter((a) => !list.byCode.has(a.sbi)).map((a) => `${a.id} ${a.sbi}`);
    expect(unknown, 'codes not in the SBI 2008 list').toEqual([]);
  });

  it('gives every phrase case the id and split of its source phrase, and every everyday case its phrase split', () => {
    const phrases = new Map(loadSourcePhrases().map((p) => [p.id, p]));
    const cases = loadCases(list).filter((c) => c.kind === 'official_phrase' || c.kind === 'note_item' || c.kind === 'everyday');
    const orphans = cases.filter((c) => !phrases.has(c.kind === 'everyday' ? (c.from ?? '') : c.id)).map((c) => c.id);
    expect(orphans, 'cases without their source phrase').toEqual([]);
    const crossed = cases.filter((c) => c.kind === 'everyday' && phrases.get(c.from!)!.split !== c.split).map((c) => c.id);
    expect(crossed, 'everyday cases in another split than the phrase they were written from').toEqual([]);
  });

  it('writes everyday text deterministically from the phrase, in its language', () => {
    const phrase = { id: 'op-test-1', split: 'tune', kind: 'title', lang: 'nl', text: 'Vervaardiging van schoenen', source: 't', sourceCode: '15.20', sbi2008: ['1520'] } as const;
    const once = everydayOf({ ...phrase, sbi2008: [...phrase.sbi2008] }, undefined);
    expect(everydayOf({ ...phrase, sbi2008: [...phrase.sbi2008] }, undefined)).toEqual(once);
    expect(once.text.toLowerCase()).not.toContain('vervaardiging van schoenen');
    expect(once.text.toLowerCase()).toMatch(/schoe|scheo|schoen/);
  });

  it('lets no division-wide activity phrase lend its words to another (two words of one division are no match)', () => {
    // "Productie van kaas": the cheese-making phrase explains it, not a machine factory that shares division 28
    // with a phrase about cheese-making machines.
    const matcher = createIndustryMatcher(list, 0, { tables: loadIndustryTables() });
    expect(matcher.match('Productie van kaas').best?.code.slice(0, 2)).toBe('10');
  });
});
