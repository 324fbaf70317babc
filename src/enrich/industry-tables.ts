import type { IndustryTables } from './industry-vocabulary.js';
import { loadVocabulary } from './vocabulary.js';

export type { IndustryTables };

/**
 * The bundled classification tables (data/vocabulary/, read by vocabulary.ts)
 * in the shape the matcher takes. LinkedIn V2 labels come before V1 names:
 * where both spell a label the same, V2's reviewed mapping answers.
 */
let cached: IndustryTables | undefined;

export function loadIndustryTables(): IndustryTables {
  if (cached) return cached;
  const v = loadVocabulary();
  cached = { hubspot: v.hubspot, linkedin: [...v.linkedinV2, ...v.linkedinV1], nace: v.naceEn, searchTerms: v.searchTerms, activity: v.activity };
  return cached;
}
