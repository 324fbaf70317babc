import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { csvFields } from './postcode.js';

/**
 * A municipality → its COROP region, from the bundled list (data/corop/,
 * CBS "Gebieden in Nederland" 2024; its README says where it comes from and
 * what it cannot do). Tables such as 83631NED (business starts) publish
 * regions down to COROP, not to municipalities.
 */

export interface CoropRegion {
  /** `CR17`, as CBS keys COROP regions (trimmed). */
  code: string;
  name: string;
}

export interface CoropIndex {
  size: number;
  source: string;
  lookup(municipalityCode: string): CoropRegion | undefined;
}

export const COROP_FILE = fileURLToPath(new URL('../../data/corop/gemeente_corop_2024.csv', import.meta.url));
export const COROP_SOURCE = 'CBS Gebieden in Nederland 2024 (gemeente → COROP-gebied)';

export function parseCoropCsv(text: string): CoropIndex {
  const [header, ...lines] = text.replace(/^\ufeff/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (header !== 'gemeentecode,gemeentenaam,coropcode,coropnaam') throw new Error('COROP list: unexpected header');
  const byCode = new Map<string, CoropRegion>();
  for (const line of lines) {
    const [gm, , cr, name] = csvFields(line);
    if (!/^GM\d{4}$/.test(gm) || !/^CR\d{2}$/.test(cr) || !name) throw new Error(`COROP list: bad line "${line}"`);
    byCode.set(gm, { code: cr, name });
  }
  return { size: byCode.size, source: COROP_SOURCE, lookup: (code) => byCode.get(code) };
}

let bundled: CoropIndex | undefined;

export function loadCoropIndex(file = COROP_FILE): CoropIndex {
  if (file === COROP_FILE && bundled) return bundled;
  const index = parseCoropCsv(readFileSync(file, 'utf8'));
  if (file === COROP_FILE) bundled = index;
  return index;
}
