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
  /** A municipality merged away since 2020: the 2024 municipality whose region this is (data/corop/README.md). */
  via?: { code: string; name: string };
}

export interface CoropIndex {
  size: number;
  source: string;
  lookup(municipalityCode: string): CoropRegion | undefined;
}

export const COROP_FILE = fileURLToPath(new URL('../../data/corop/gemeente_corop_2024.csv', import.meta.url));
export const COROP_SOURCE = 'CBS Gebieden in Nederland 2024 (gemeente → COROP-gebied)';

export const SUCCESSOR_FILE = fileURLToPath(new URL('../../data/corop/gemeente_opvolger_2020_2024.csv', import.meta.url));

/** `gemeentecode_2020,gemeentenaam_2020,gemeentecode_2024,gemeentenaam_2024` → 2020 code → its 2024 successor. */
export function parseSuccessorCsv(text: string): Map<string, { code: string; name: string }> {
  const [header, ...lines] = text.replace(/^\ufeff/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (header !== 'gemeentecode_2020,gemeentenaam_2020,gemeentecode_2024,gemeentenaam_2024') throw new Error('successor list: unexpected header');
  const out = new Map<string, { code: string; name: string }>();
  for (const line of lines) {
    const [from, , to, name] = csvFields(line);
    if (!/^GM\d{4}$/.test(from) || !/^GM\d{4}$/.test(to) || !name) throw new Error(`successor list: bad line "${line}"`);
    out.set(from, { code: to, name });
  }
  return out;
}

export function parseCoropCsv(text: string, successors: Map<string, { code: string; name: string }> = new Map()): CoropIndex {
  const [header, ...lines] = text.replace(/^\ufeff/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (header !== 'gemeentecode,gemeentenaam,coropcode,coropnaam') throw new Error('COROP list: unexpected header');
  const byCode = new Map<string, CoropRegion>();
  for (const line of lines) {
    const [gm, , cr, name] = csvFields(line);
    if (!/^GM\d{4}$/.test(gm) || !/^CR\d{2}$/.test(cr) || !name) throw new Error(`COROP list: bad line "${line}"`);
    byCode.set(gm, { code: cr, name });
  }
  const lookup = (code: string): CoropRegion | undefined => {
    const direct = byCode.get(code);
    if (direct) return direct;
    // The PC4 list has 2020's municipalities: one merged away since is found through its successor.
    const next = successors.get(code);
    const region = next ? byCode.get(next.code) : undefined;
    return region && next ? { ...region, via: next } : undefined;
  };
  return { size: byCode.size, source: COROP_SOURCE, lookup };
}

let bundled: CoropIndex | undefined;

export function loadCoropIndex(file = COROP_FILE): CoropIndex {
  if (file === COROP_FILE && bundled) return bundled;
  const successors = file === COROP_FILE ? parseSuccessorCsv(readFileSync(SUCCESSOR_FILE, 'utf8')) : new Map();
  const index = parseCoropCsv(readFileSync(file, 'utf8'), successors);
  if (file === COROP_FILE) bundled = index;
  return index;
}
