import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { IndustryTables } from './industry-vocabulary.js';

export type { IndustryTables };

/**
 * The bundled classification tables (data/vocabulary/, provenance in its
 * README) in the shape the matcher takes. Read once per process.
 * TEMPORARY reader until src/enrich/vocabulary.ts (branch i12-data) lands.
 */

const dir = fileURLToPath(new URL('../../data/vocabulary/', import.meta.url));

function csv(file: string): Array<Record<string, string>> {
  const lines = readFileSync(`${dir}${file}`, 'utf8').split(/\r?\n/).filter(Boolean);
  const split = (line: string) => {
    const out: string[] = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') (field += '"'), i++;
        else if (ch === '"') quoted = false;
        else field += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') out.push(field), (field = '');
      else field += ch;
    }
    out.push(field);
    return out;
  };
  const header = split(lines[0]);
  return lines.slice(1).map((l) => Object.fromEntries(split(l).map((v, i) => [header[i], v])));
}

let cached: IndustryTables | undefined;

export function loadIndustryTables(): IndustryTables {
  if (cached) return cached;
  const hubspot = csv('hubspot-industries.csv').map((r) => ({ value: r.value, label: r.label, sbi: r.sbi }));
  const linkedin = [...csv('linkedin-industries-v2.csv'), ...csv('linkedin-industries-v1.csv')].map((r) => ({ label: r.label, sbi: r.sbi }));
  const nace = csv('nace-rev2-en.csv').map((r) => ({ code: r.code, title: r.title }));
  cached = { hubspot, linkedin, nace, searchTerms: [] };
  return cached;
}
