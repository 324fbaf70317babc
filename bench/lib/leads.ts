import { INDUSTRY_SYNONYMS } from '../../src/enrich/industry-synonyms.js';
import { loadVocabulary } from '../../src/enrich/vocabulary.js';
import { loadSbiList } from '../../src/enrich/sbi-list.js';
import type { LeadInput } from '../../src/enrich/types.js';

/**
 * A realistic, reproducible mix of lead inputs: real SBI codes from the bundled
 * CBS list in the spellings CRMs hold (`62.01`, `6201`, `62010`, with NBSP),
 * free-text industries (Dutch and English words, HubSpot's enumeration), and
 * employee counts and ranges. Seeded, so every run measures the same inputs.
 */

/** mulberry32: a tiny seeded PRNG, so the mix is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RANGES = ['1', '2-9', '10-49', '25-50', '50-249', '250+', '1-5', '5-25', '100-500', '1000+'];

export function leadMix(count: number, seed = 20_240_601): LeadInput[] {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const codes = loadSbiList().entries.filter((e) => e.level !== 'section');
  const words = Object.keys(INDUSTRY_SYNONYMS);
  const hubspot = loadVocabulary().hubspot.map((h) => h.value);
  const employees = (): string | number => (random() < 0.7 ? 1 + Math.floor(random() ** 3 * 5000) : pick(RANGES));
  const out: LeadInput[] = [];
  for (let i = 0; i < count; i++) {
    const r = random();
    if (r < 0.55) {
      const entry = pick(codes);
      const spelling = random();
      const sbi = spelling < 0.4 ? entry.code : spelling < 0.7 ? entry.digits : spelling < 0.85 ? entry.digits.padEnd(5, '0') : `${entry.code}\u00a0`;
      out.push({ sbi, employees: employees() });
    } else if (r < 0.75) {
      out.push({ industry: pick(words), employees: employees() });
    } else if (r < 0.9) {
      out.push({ industry: pick(hubspot), employees: employees() });
    } else if (r < 0.95) {
      out.push({ sbi: pick(codes).code, industry: pick(words) });
    } else {
      out.push({ industry: pick(words) });
    }
  }
  return out;
}
