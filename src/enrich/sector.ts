import type { IndustryMatcher } from './industry-text.js';
import { normaliseSbiCode, parseKvkSbi } from './sbi-code.js';
import type { SbiEntry, SbiList } from './sbi-list.js';
import type { LeadInput } from './types.js';

/**
 * Which SBI code a lead is in, from the strongest evidence it carries: an SBI
 * code, else the KvK main activity, else free-text industry. Evidence that
 * cannot be read is reported as a problem and the next kind is tried.
 */

export interface SectorResolution {
  entry: SbiEntry;
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

/** A syntactically valid code → its list entry; an unlisted deeper code → its nearest listed ancestor (exact: false). */
export function lookupListed(
  list: SbiList,
  code: { code: string; digits: string },
): { entry: SbiEntry; exact: boolean; detail: string | null } | { reason: string } {
  const direct = list.byDigits.get(code.digits || code.code);
  if (direct) return { entry: direct, exact: true, detail: null };
  // "62.01.0" / "62010": a class without subclasses, written with a 5th digit 0.
  if (code.digits.length === 5 && code.digits.endsWith('0')) {
    const cls = list.byDigits.get(code.digits.slice(0, 4));
    if (cls) return { entry: cls, exact: true, detail: `${code.code} is class ${cls.code}` };
  }
  if (!list.byDigits.has(code.digits.slice(0, 2))) return { reason: `${code.code} is not an SBI code (no division ${code.digits.slice(0, 2)})` };
  for (let len = code.digits.length - 1; len >= 2; len--) {
    const up = list.byDigits.get(code.digits.slice(0, len));
    if (up) return { entry: up, exact: false, detail: `${code.code} is not in the SBI list; used ${up.code}` };
  }
  return { reason: `${code.code} is not an SBI code` };
}

export function resolveSector(
  input: LeadInput,
  list: SbiList,
  industry: IndustryMatcher,
  problems: Problem[],
  /** Receives the best guess when the industry text is refused. */
  guess: { value: SectorGuess | null } = { value: null },
): SectorResolution | undefined {
  const present = (v: unknown) => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');

  if (present(input.sbi)) {
    const code = normaliseSbiCode(input.sbi);
    if (!code.ok) problems.push({ field: 'sbi', reason: code.reason });
    else {
      const found = lookupListed(list, code);
      if ('reason' in found) problems.push({ field: 'sbi', reason: found.reason });
      else return { ...found, method: 'sbi', normalised: code.code, confidence: found.exact ? 1 : 0.9, runnerUp: null };
    }
  }

  if (present(input.kvkSbi)) {
    const kvk = parseKvkSbi(input.kvkSbi);
    if (!kvk.ok) problems.push({ field: 'kvk_sbi', reason: kvk.reason });
    else {
      const found = lookupListed(list, kvk.code);
      if ('reason' in found) problems.push({ field: 'kvk_sbi', reason: found.reason });
      else {
        const detail = [kvk.note, found.detail].filter(Boolean).join('; ') || null;
        const confidence = (found.exact ? 1 : 0.9) * (kvk.activity.main ? 1 : 0.9);
        return { ...found, detail, method: 'kvk', normalised: kvk.code.code, confidence, runnerUp: null };
      }
    }
  }

  if (present(input.industry)) {
    const text = String(input.industry);
    const m = industry.match(text);
    if (!m.ok) {
      const best = m.best ? ` (best guess ${m.best.code} ${m.best.title.slice(0, 60)} at ${Math.round(m.best.confidence * 100)}% is below the threshold)` : '';
      problems.push({ field: 'industry', reason: `${m.reason}${best}` });
      if (m.best) guess.value = { code: m.best.code, title: m.best.title, confidence: m.best.confidence };
    } else {
      return {
        entry: list.byCode.get(m.best.code)!,
        method: 'industry',
        normalised: text.trim().slice(0, 100),
        confidence: m.best.confidence,
        exact: true,
        detail: `${m.best.via}: ${m.best.matched.slice(0, 80)}`,
        runnerUp: m.runnerUp ? { code: m.runnerUp.code, title: m.runnerUp.title, confidence: m.runnerUp.confidence } : null,
      };
    }
  }
  return undefined;
}
