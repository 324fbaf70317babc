import { describe, expect, it } from 'vitest';
import { collapseWhitespace } from '../../../src/enrich/sbi-list.js';

/** collapseWhitespace tidies the bundled SBI list's titles and codes (stray NBSPs, double spaces). */

describe('collapseWhitespace', () => {
  it('makes every run of whitespace, NBSP included, one space and trims the ends', () => {
    expect(collapseWhitespace('\u00a0Ontwikkelen,  produceren\u00a0\u00a0en uitgeven van software ')).toBe(
      'Ontwikkelen, produceren en uitgeven van software',
    );
    expect(collapseWhitespace('62.01\t')).toBe('62.01');
  });

  it('leaves tidy text alone and bounds nothing', () => {
    const long = 'a b'.repeat(1000);
    expect(collapseWhitespace(long)).toBe(long);
    expect(collapseWhitespace('')).toBe('');
  });
});
