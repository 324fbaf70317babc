import { HUBSPOT_INDUSTRIES, INDUSTRY_SYNONYMS } from './industry-synonyms.js';
import { createTokenIndex, normaliseIndustry } from './text-index.js';
import type { SbiList } from './sbi-list.js';

/**
 * Free-text industry (Dutch or English, or HubSpot's enumeration) → the SBI
 * code it most likely means, with a confidence in [0, 1] and the runner-up.
 * Three sources, strongest first: HubSpot's enumeration and exact synonyms or
 * titles, synonyms found inside the text (Dutch compounds: "broodbakkerij"),
 * then a fuzzy token match against the 1,455 SBI titles, the CBS table titles
 * and the synonyms. Below the threshold the answer is "no confident match".
 */

export { normaliseIndustry };

export interface IndustryCandidate {
  code: string;
  title: string;
  confidence: number;
  via: 'hubspot' | 'synonym' | 'title' | 'fuzzy';
  /** The synonym, title or enum value that matched. */
  matched: string;
}

export type IndustryMatch =
  | { ok: true; best: IndustryCandidate; runnerUp: IndustryCandidate | null }
  | { ok: false; reason: string; best: IndustryCandidate | null; runnerUp: IndustryCandidate | null };

export interface IndustryMatcher {
  match(text: string): IndustryMatch;
}

const MAX_TEXT = 300;
const round = (n: number) => Math.round(Math.min(1, Math.max(0, n)) * 1000) / 1000;

export function createIndustryMatcher(
  list: SbiList,
  minConfidence: number,
  /** Extra titles (e.g. the CBS table's "IT-dienstverlening" rows) mapped to real SBI codes. */
  extraTitles: Array<{ code: string; title: string }> = [],
): IndustryMatcher {
  const synonyms = new Map(Object.entries(INDUSTRY_SYNONYMS).map(([k, v]) => [normaliseIndustry(k), v]));
  const titles = new Map<string, string>();
  const docs: Array<{ text: string; code: string }> = [];
  for (const e of list.entries) {
    const t = normaliseIndustry(e.title);
    if (!titles.has(t)) titles.set(t, e.code);
    docs.push({ text: t, code: e.code });
  }
  for (const x of extraTitles) if (list.byCode.has(x.code)) docs.push({ text: normaliseIndustry(x.title), code: x.code });
  for (const [k, v] of synonyms) docs.push({ text: k, code: v });
  const search = createTokenIndex(docs.map((d) => d.text));

  const candidate = (code: string, confidence: number, via: IndustryCandidate['via'], matched: string): IndustryCandidate => ({
    code,
    title: list.byCode.get(code)!.title,
    confidence: round(confidence),
    via,
    matched,
  });

  function candidates(raw: string): IndustryCandidate[] {
    const trimmed = raw.trim();
    const enumCode = /^[A-Za-z][A-Za-z0-9_]+$/.test(trimmed) ? HUBSPOT_INDUSTRIES[trimmed.toUpperCase()] : undefined;
    if (enumCode) return [candidate(enumCode, 0.97, 'hubspot', trimmed.toUpperCase())];
    const text = normaliseIndustry(raw);
    if (text.length < 2) return [];
    const out: IndustryCandidate[] = [];
    const exact = synonyms.get(text);
    if (exact) out.push(candidate(exact, 0.95, 'synonym', text));
    const titleCode = titles.get(text);
    if (titleCode) out.push(candidate(titleCode, 0.95, 'title', text));

    const padded = ` ${text} `;
    for (const [key, code] of synonyms) {
      if (key === text) continue;
      // Whole words for short or multi-word keys; inside Dutch compounds for long single words.
      const found = padded.includes(` ${key} `) || (key.length >= 6 && !key.includes(' ') && text.includes(key));
      if (found) out.push(candidate(code, 0.55 + 0.35 * (key.length / text.length), 'synonym', key));
    }
    for (const r of search(text, 8)) out.push(candidate(docs[r.doc].code, 0.8 * r.score, 'fuzzy', docs[r.doc].text));
    return out;
  }

  return {
    match(raw: string): IndustryMatch {
      if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, reason: 'no industry given', best: null, runnerUp: null };
      const byCode = new Map<string, IndustryCandidate>();
      for (const c of candidates(raw.slice(0, MAX_TEXT))) {
        const seen = byCode.get(c.code);
        if (!seen || c.confidence > seen.confidence) byCode.set(c.code, c);
      }
      const ranked = [...byCode.values()].sort((a, b) => b.confidence - a.confidence || a.code.localeCompare(b.code));
      let best = ranked[0];
      if (!best) return { ok: false, reason: 'no confident match', best: null, runnerUp: null };
      // The runner-up is the best answer outside the winner's own branch of the hierarchy.
      const related = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);
      const runnerUp = ranked.find((c) => !related(c.code, best.code)) ?? null;
      if (runnerUp && best.via !== 'hubspot' && best.confidence - runnerUp.confidence < 0.05) {
        // Two unrelated answers about equally likely: say so through a lower confidence.
        best = { ...best, confidence: round(best.confidence * 0.85) };
      }
      if (best.confidence < minConfidence) return { ok: false, reason: 'no confident match', best, runnerUp };
      return { ok: true, best, runnerUp };
    },
  };
}
