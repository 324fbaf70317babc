import { INDUSTRY_SYNONYMS } from '../../../src/enrich/industry-synonyms.js';
import { loadVocabulary } from '../../../src/enrich/vocabulary.js';
import { loadSbiList } from '../../../src/enrich/sbi-list.js';
import type { LeadInput } from '../../../src/enrich/types.js';

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
  // Postcodes from their own seeded stream, so the rest of the mix is what earlier runs measured: 80% of leads
  // carry one, in the spellings CRMs hold (`1234 AB`, `1234AB`, `1234`); some PC4s are not in the bundled list.
  // Every lead gets the key (undefined when absent) in the literal that builds it, as a CRM read builds its input.
  // (Adding it afterwards with a spread made V8 keep generalising the objects' layout: a third slower, engine or not.)
  const pcRandom = seededRandom(seed ^ 0x5eed);
  const postcode = (): string | undefined => {
    if (pcRandom() >= 0.8) return undefined;
    const pc4 = String(1000 + Math.floor(pcRandom() * 9000));
    const letters = String.fromCharCode(65 + Math.floor(pcRandom() * 26), 65 + Math.floor(pcRandom() * 26));
    const style = pcRandom();
    return style < 0.5 ? `${pc4} ${letters}` : style < 0.8 ? `${pc4}${letters}` : pc4;
  };
  const out: LeadInput[] = [];
  for (let i = 0; i < count; i++) {
    const r = random();
    if (r < 0.55) {
      const entry = pick(codes);
      const spelling = random();
      const sbi = spelling < 0.4 ? entry.code : spelling < 0.7 ? entry.digits : spelling < 0.85 ? entry.digits.padEnd(5, '0') : `${entry.code}\u00a0`;
      out.push({ sbi, employees: employees(), postcode: postcode() });
    } else if (r < 0.75) {
      out.push({ industry: pick(words), employees: employees(), postcode: postcode() });
    } else if (r < 0.9) {
      out.push({ industry: pick(hubspot), employees: employees(), postcode: postcode() });
    } else if (r < 0.95) {
      out.push({ sbi: pick(codes).code, industry: pick(words), postcode: postcode() });
    } else {
      out.push({ industry: pick(words), postcode: postcode() });
    }
  }
  return out;
}
