import type { IndustryMatcher } from './industry-text.js';
import { normaliseSbiCode, parseKvkSbi } from './sbi-code.js';
import type { Classifications } from './sbi-correspondence.js';
import { type Conversion, convertEntry } from './sbi-convert.js';
import type { SbiEntry, SbiSystem } from './sbi-list.js';
import { type ReadRule, readCode } from './sbi-reading.js';
import type { LeadInput, SbiInputSystems } from './types.js';

export { lookupListed } from './sbi-reading.js';

/**
 * Which sector a lead is in, from the strongest evidence it carries: an SBI
 * code, else the KvK main activity, else free-text industry. Evidence that
 * cannot be read is reported as a problem and the next kind is tried. Whatever
 * list the evidence names a code in, the answer is given in SBI 2025 with the
 * SBI 2008 code(s) beside it (sbi-convert.ts).
 */

export interface SectorResolution {
  /** The answer in SBI 2025 (null: the 2008 code's counterparts share no section). */
  sbi2025: SbiEntry | null;
  /** The SBI 2008 code the SBI 2008 tables are read with. */
  sbi2008: SbiEntry | null;
  equivalents2008: SbiEntry[];
  /** The code as read from the evidence, in its own list, and how that list was decided. */
  read: { system: SbiSystem; code: string; title: string; rule: ReadRule | 'matcher'; other: { system: SbiSystem; code: string; title: string } | null };
  conversion: Conversion | null;
  method: 'sbi' | 'kvk' | 'industry';
  normalised: string;
  confidence: number;
  exact: boolean;
  detail: string | null;
  runnerUp: { code: string; title: string; confidence: number } | null;
}

/** The best code read from a refused industry text: shown beside the refusal, never used as the sector. */
export interface SectorGuess {
  code: string;
  title: string;
  confidence: number;
}

export interface Problem {
  field: 'sbi' | 'kvk_sbi' | 'industry' | 'employees';
  reason: string;
}

export type InputSystems = SbiInputSystems;

export const DEFAULT_INPUT_SYSTEMS: InputSystems = { sbi: 'SBI2025', kvk_sbi: 'SBI2025' };

const ref = (e: SbiEntry) => ({ system: e.system, code: e.code, title: e.title });

function conversionText(c: Conversion | null, common: SbiEntry | null): string | null {
  if (!c || c.method === 'one') return null;
  if (c.method === 'title') return `converted to SBI 2025 by its equal title (one of ${c.count})`;
  if (c.method === 'evidence') return `converted to SBI 2025 by the lead's words "${(c.words ?? []).join(', ')}" (one of ${c.count})`;
  const listed = c.candidates.slice(0, 6).map((x) => x.code).join(', ');
  const to = c.to === 'SBI2025' ? 'SBI 2025' : 'SBI 2008';
  return `${c.count} ${to} counterparts (${listed}${c.count > 6 ? ', …' : ''}); ${common ? `answered with their common code ${common.code}` : `no ${to} code has them all`}`;
}

/**
 * Any code of either list, from any evidence, → a resolution. `evidence` is the
 * lead's own wording that may pick one of several counterparts.
 */
export function resolveEntry(
  c: Classifications,
  entry: SbiEntry,
  how: { method: SectorResolution['method']; normalised: string; confidence: number; exact: boolean; detail: string | null; rule: ReadRule | 'matcher'; other: SbiEntry | null },
  evidence: string[],
): SectorResolution {
  const converted = convertEntry(c, entry, evidence);
  const common = converted.conversion?.to === 'SBI2025' ? converted.sbi2025 : converted.sbi2008;
  const detail = [how.detail, conversionText(converted.conversion, common)].filter(Boolean).join('; ') || null;
  return {
    sbi2025: converted.sbi2025,
    sbi2008: converted.sbi2008,
    equivalents2008: converted.equivalents2008,
    read: { ...ref(entry), rule: how.rule, other: how.other ? ref(how.other) : null },
    conversion: converted.conversion,
    method: how.method,
    normalised: how.normalised,
    confidence: Math.round(how.confidence * converted.factor * 1000) / 1000,
    exact: how.exact && converted.exact,
    detail,
    runnerUp: null,
  };
}

export function resolveSector(
  input: LeadInput,
  c: Classifications,
  industry: IndustryMatcher,
  problems: Problem[],
  /** Receives the best guess when the industry text is refused. */
  guess: { value: SectorGuess | null } = { value: null },
  systems: InputSystems = DEFAULT_INPUT_SYSTEMS,
): SectorResolution | undefined {
  const present = (v: unknown) => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');
  const industryText = present(input.industry) ? String(input.industry).slice(0, 300) : '';

  if (present(input.sbi)) {
    const code = normaliseSbiCode(input.sbi);
    if (!code.ok) problems.push({ field: 'sbi', reason: code.reason });
    else {
      const found = readCode(c, code, input.sbiSystem ?? systems.sbi);
      if ('reason' in found) problems.push({ field: 'sbi', reason: found.reason });
      else {
        const how = { method: 'sbi' as const, normalised: code.code, confidence: found.exact ? 1 : 0.9, exact: found.exact, detail: found.detail, rule: found.rule, other: found.other };
        return resolveEntry(c, found.entry, how, [industryText]);
      }
    }
  }

  if (present(input.kvkSbi)) {
    const kvk = parseKvkSbi(input.kvkSbi);
    if (!kvk.ok) problems.push({ field: 'kvk_sbi', reason: kvk.reason });
    else {
      const found = readCode(c, kvk.code, input.kvkSbiSystem ?? systems.kvk_sbi);
      if ('reason' in found) problems.push({ field: 'kvk_sbi', reason: found.reason });
      else {
        const detail = [kvk.note, found.detail].filter(Boolean).join('; ') || null;
        const confidence = (found.exact ? 1 : 0.9) * (kvk.activity.main ? 1 : 0.9);
        const how = { method: 'kvk' as const, normalised: kvk.code.code, confidence, exact: found.exact, detail, rule: found.rule, other: found.other };
        return resolveEntry(c, found.entry, how, [kvk.activity.sbiOmschrijving ?? '', industryText]);
      }
    }
  }

  if (industryText) {
    const text = String(input.industry);
    const m = industry.match(text);
    if (!m.ok) {
      const best = m.best ? ` (best guess ${m.best.code} ${m.best.title.slice(0, 60)} at ${Math.round(m.best.confidence * 100)}% is below the threshold)` : '';
      problems.push({ field: 'industry', reason: `${m.reason}${best}` });
      if (m.best) guess.value = { code: m.best.code, title: m.best.title, confidence: m.best.confidence };
    } else {
      // The matcher answers in SBI 2008 today (its list); a matcher answering in SBI 2025 hands its entry in the same way.
      const entry = c.sbi2008.byCode.get(m.best.code)!;
      const how = { method: 'industry' as const, normalised: text.trim().slice(0, 100), confidence: m.best.confidence, exact: true, detail: `${m.best.via}: ${m.best.matched.slice(0, 80)}`, rule: 'matcher' as const, other: null };
      const resolved = resolveEntry(c, entry, how, [text]);
      return { ...resolved, runnerUp: m.runnerUp ? { code: m.runnerUp.code, title: m.runnerUp.title, confidence: m.runnerUp.confidence } : null };
    }
  }
  return undefined;
}
