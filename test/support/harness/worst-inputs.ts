import { seededRandom } from './leads.js';

/**
 * The industry values that cost the matcher most (issue 15.1): long odd
 * words, many tokens, long text of common words, huge values. Seeded, so every
 * run measures the same inputs; each call gives a new, distinct value (a cache
 * miss). Shared by the bench ("worst lookup input") and
 * test/unit/enrich/industry-cost.test.ts.
 */
const DUTCH =
  'het verrichten van installatiewerkzaamheden groothandel in bouwmaterialen vervaardiging van kunststofverpakkingen detailhandel in fietsen reparatie onderhoud verhuur ';
const COMMON = ['groothandel', 'winkels', 'vervaardiging', 'bouw', 'handel', 'installatie'];

export function worstInputs(seed = 42): Record<string, () => string> {
  const rnd = seededRandom(seed);
  const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(rnd() * 26))).join('');
  return {
    'random letters (300)': () => letters(300),
    'random words (40 × 7 letters)': () => Array.from({ length: 40 }, () => letters(7)).join(' '),
    'many short tokens (150)': () => Array.from({ length: 150 }, () => letters(2)).join(' '),
    'long Dutch text (300 chars)': () => `${letters(3)} ${DUTCH.repeat(3).slice(Math.floor(rnd() * 40), 300 + Math.floor(rnd() * 40))}`,
    'common words only (30)': () => `${Array.from({ length: 30 }, () => COMMON[Math.floor(rnd() * COMMON.length)]).join(' ')} ${letters(3)}`,
    'compound-like run (300)': () => `installatie${letters(4)}${'bedrijfsgroothandelwinkelfabriek'.repeat(9)}`,
    // Flat, as a parsed request or CRM response delivers it (a concatenation would be flattened on first read).
    'one megabyte': () => Buffer.from(letters(20) + 'a'.repeat(1_000_000), 'latin1').toString('latin1'),
  };
}
