import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A lead's Dutch postcode → its municipality, from the bundled PC4 list
 * (data/pc4-gemeente/, derived from CBS 84799NED "Kerncijfers wijken en buurten
 * 2020"; its README says how and what it cannot do). Everything happens in
 * memory: no postcode leaves the service.
 */

export type PostcodeResult = { ok: true; pc4: string; text: string } | { ok: false; reason: string };

/** `1234 AB`, `1234AB`, `1234ab`, `1234` (or the number 1234) → PC4 `1234`. */
export function parsePostcode(input: unknown): PostcodeResult {
  if (typeof input === 'number') input = Number.isInteger(input) ? String(input) : '';
  if (typeof input !== 'string') return { ok: false, reason: 'a postcode is text such as "1234 AB"' };
  if (input.length > 20) return { ok: false, reason: 'a postcode is at most 20 characters' };
  const m = /^(?:nl[-\s]?)?([1-9]\d{3})\s?([a-z]{2})?$/i.exec(input.replace(/[\s\u00a0]+/g, ' ').trim());
  if (!m) return { ok: false, reason: 'not a Dutch postcode: use 1234 AB, 1234AB or 1234' };
  return { ok: true, pc4: m[1], text: m[2] ? `${m[1]} ${m[2].toUpperCase()}` : m[1] };
}

export interface Municipality {
  /** CBS municipality code (`GM0363`), boundaries of 1 January 2020. */
  code: string;
  name: string;
}

export interface PlaceResolution extends Municipality {
  pc4: string;
  /** What the lead gave, canonical (`1011 AB`). */
  postcode: string;
  /** Other municipalities the PC4 also reaches (3 of the 3,936 PC4s span two); the one with most buurten is chosen. */
  alsoIn: Municipality[];
  source: string;
}

export interface Pc4Index {
  /** Number of PC4 codes the list knows. */
  size: number;
  source: string;
  lookup(pc4: string): { best: Municipality; alsoIn: Municipality[] } | undefined;
}

export const PC4_FILE = fileURLToPath(new URL('../../data/pc4-gemeente/pc4_gemeente_2020_afgeleid_uit_84799NED.csv', import.meta.url));
export const PC4_SOURCE = 'CBS 84799NED Kerncijfers wijken en buurten 2020 (meest voorkomende postcode per buurt)';

/** A comma-separated line; a quoted field may hold commas ("Nuenen, Gerwen en Nederwetten"). */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  const re = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    out.push(m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]);
    if (m[2] === '') break;
  }
  return out;
}

/** Reads `pc4,gemeentecode,gemeentenaam,n_buurten,…`; per PC4 the municipality with the most buurten comes first. */
export function parsePc4Csv(text: string): Pc4Index {
  const [header, ...lines] = text.replace(/^\ufeff/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (!/^pc4,gemeentecode,gemeentenaam,n_buurten\b/.test(header)) throw new Error('PC4 list: unexpected header');
  const byPc4 = new Map<string, Array<Municipality & { buurten: number }>>();
  for (const line of lines) {
    const [pc4, code, name, buurten] = csvFields(line);
    if (!/^\d{4}$/.test(pc4) || !/^GM\d{4}$/.test(code) || !name) throw new Error(`PC4 list: bad line "${line}"`);
    const list = byPc4.get(pc4) ?? [];
    list.push({ code, name, buurten: Number(buurten) });
    byPc4.set(pc4, list);
  }
  const index = new Map<string, { best: Municipality; alsoIn: Municipality[] }>();
  for (const [pc4, list] of byPc4) {
    list.sort((a, b) => b.buurten - a.buurten || (a.code < b.code ? -1 : 1));
    const [best, ...rest] = list.map(({ code, name }) => ({ code, name }));
    index.set(pc4, { best, alsoIn: rest });
  }
  return { size: index.size, source: PC4_SOURCE, lookup: (pc4) => index.get(pc4) };
}

let bundled: Pc4Index | undefined;

export function loadPc4Index(file = PC4_FILE): Pc4Index {
  if (file === PC4_FILE && bundled) return bundled;
  const index = parsePc4Csv(readFileSync(file, 'utf8'));
  if (file === PC4_FILE) bundled = index;
  return index;
}

/** The lead's municipality, or why there is none. */
export function resolvePlace(input: unknown, index: Pc4Index): { ok: true; place: PlaceResolution } | { ok: false; reason: string } {
  const parsed = parsePostcode(input);
  if (!parsed.ok) return parsed;
  const hit = index.lookup(parsed.pc4);
  if (!hit) return { ok: false, reason: `PC4 ${parsed.pc4} is not in the bundled PC4 list (it holds the most common PC4 of every buurt, 2020)` };
  return { ok: true, place: { pc4: parsed.pc4, postcode: parsed.text, ...hit.best, alsoIn: hit.alsoIn, source: index.source } };
}
