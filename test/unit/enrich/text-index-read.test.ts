import { describe, expect, it } from 'vitest';
import { createTermIndex } from '../../../src/enrich/text-index.js';
import { stem } from '../../../src/enrich/text-words.js';

// Two Dutch titles whose words may head compounds, as the SBI titles are indexed.
const index = createTermIndex([
  { code: '23.32', path: ['C', '23', '23.3', '23.32'], text: 'Vervaardiging van bakstenen en dakpannen', heads: true },
  { code: '28.13', path: ['C', '28', '28.1', '28.13'], text: 'Vervaardiging van pompen', heads: true },
]);

describe('what the term index reads a word as (word-oof.ts --words)', () => {
  it('reads a known word, the known parts of a compound, a typo of a known word, and nothing of an unknown word', () => {
    expect(index.read('dakpannen')).toEqual([stem('dakpannen')]);
    expect(index.read('dakpanpompen')).toEqual([stem('dakpannen'), stem('pompen')]);
    expect(index.read('dakpanen')).toEqual([stem('dakpannen')]);
    expect(index.read('geneesmiddelen')).toEqual([]);
  });

  it('tries a typo for every word it is asked about, not only the first four of a query', () => {
    for (let i = 0; i < 6; i++) expect(index.read('dakpanen')).toEqual([stem('dakpannen')]);
  });
});
