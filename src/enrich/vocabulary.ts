import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitCsvLine } from './sbi-list.js';

/**
 * The bundled industry vocabularies (data/vocabulary/, provenance in its README):
 * HubSpot's `industry` options, LinkedIn's industry codes V1 and V2, each mapped to
 * an SBI code, and the English NACE Rev. 2 titles. Read once per process, like the
 * SBI list, because the matcher indexes them before it resolves anything.
 * An empty `sbi` means the label has no honest SBI meaning (the note says why).
 */

export interface HubspotIndustry {
  /** HubSpot's internal value, e.g. `COMPUTER_SOFTWARE`. */
  value: string;
  /** The option's label, e.g. `Computer Software`. */
  label: string;
  /** SBI code as written in the SBI list (`62.01`, `86`, `I`), or '' when none is honest. */
  sbi: string;
  note: string;
}

export interface LinkedinIndustry {
  id: string;
  label: string;
  sbi: string;
  note: string;
}

export interface LinkedinIndustryV2 extends LinkedinIndustry {
  /** Id of the parent industry in the V2 tree; '' for the 20 top-level industries. */
  parentId: string;
  /** Path from the top, e.g. `Professional Services > IT Services and IT Consulting`. */
  hierarchy: string;
}

export interface NaceTitle {
  /** NACE code written the SBI way: `J`, `62`, `62.0`, `62.01`. */
  code: string;
  title: string;
}

export interface SearchTerm {
  term: string;
  sbi: string;
}

export interface Vocabulary {
  hubspot: HubspotIndustry[];
  linkedinV1: LinkedinIndustry[];
  linkedinV2: LinkedinIndustryV2[];
  naceEn: NaceTitle[];
  /** Empty: no public KvK/CBS search-term list was found (see the README). */
  searchTerms: SearchTerm[];
}

export const VOCABULARY_DIR = fileURLToPath(new URL('../../data/vocabulary/', import.meta.url));

export const VOCABULARY_FILES = {
  hubspot: { file: 'hubspot-industries.csv', header: ['value', 'label', 'sbi', 'note'] },
  linkedinV1: { file: 'linkedin-industries-v1.csv', header: ['id', 'label', 'sbi', 'note'] },
  linkedinV2: { file: 'linkedin-industries-v2.csv', header: ['id', 'label', 'sbi', 'note', 'parent_id', 'hierarchy'] },
  naceEn: { file: 'nace-rev2-en.csv', header: ['code', 'title'] },
  searchTerms: { file: 'sbi-search-terms-nl.csv', header: ['term', 'sbi'] },
} as const;

/** Rows of one vocabulary file as string arrays, after checking the header and the field count of every row. */
export function readVocabularyRows(path: string, header: readonly string[]): string[][] {
  const lines = readFileSync(path, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/);
  const found = splitCsvLine(lines[0] ?? '');
  if (found.join(',') !== header.join(',')) {
    throw new Error(`${path}: header ${JSON.stringify(found)}, expected ${JSON.stringify(header)}`);
  }
  const rows: string[][] = [];
  for (const [n, line] of lines.entries()) {
    if (n === 0 || line === '') continue;
    const fields = splitCsvLine(line);
    if (fields.length !== header.length) throw new Error(`${path} line ${n + 1}: ${fields.length} fields, expected ${header.length}`);
    rows.push(fields);
  }
  return rows;
}

export function parseVocabulary(dir: string): Vocabulary {
  const rows = (key: keyof typeof VOCABULARY_FILES) =>
    readVocabularyRows(join(dir, VOCABULARY_FILES[key].file), VOCABULARY_FILES[key].header);
  const searchTermsPath = join(dir, VOCABULARY_FILES.searchTerms.file);
  return {
    hubspot: rows('hubspot').map(([value, label, sbi, note]) => ({ value, label, sbi, note })),
    linkedinV1: rows('linkedinV1').map(([id, label, sbi, note]) => ({ id, label, sbi, note })),
    linkedinV2: rows('linkedinV2').map(([id, label, sbi, note, parentId, hierarchy]) => ({ id, label, sbi, note, parentId, hierarchy })),
    naceEn: rows('naceEn').map(([code, title]) => ({ code, title })),
    searchTerms: existsSync(searchTermsPath) ? rows('searchTerms').map(([term, sbi]) => ({ term, sbi })) : [],
  };
}

let bundled: Vocabulary | undefined;

/** The bundled vocabularies, read once per process (synchronously, about 150 kB). */
export function loadVocabulary(dir = VOCABULARY_DIR): Vocabulary {
  if (dir !== VOCABULARY_DIR) return parseVocabulary(dir);
  bundled ??= parseVocabulary(dir);
  return bundled;
}
