import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Words people and CRMs use for an industry, mapped to the SBI code they mean.
 * The SBI titles are formal Dutch ("Ontwikkelen, produceren en uitgeven van
 * software"); leads say "softwarebedrijf", "IT consultancy" or "kapsalon".
 * HubSpot's and LinkedIn's options are tables of their own (data/vocabulary/).
 * Every code here exists in the bundled SBI list (test/unit/enrich/industry-text.test.ts
 * checks it).
 */

export const SYNONYMS_FILE = fileURLToPath(new URL('../../data/synonyms/industry-synonyms.csv', import.meta.url));

/**
 * Common Dutch and English terms → SBI code, from data/synonyms/industry-synonyms.csv
 * (term,sbi,note; our own list, reviewed line by line, README beside it).
 */
export const INDUSTRY_SYNONYMS: Record<string, string> = Object.fromEntries(
  readFileSync(SYNONYMS_FILE, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [term, code] = line.split(',');
      return [term.trim(), code.trim()];
    }),
);
