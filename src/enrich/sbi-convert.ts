import { type Classifications, commonAncestor, type NarrowMethod, narrow, to2008, to2025 } from './sbi-correspondence.js';
import type { SbiEntry, SbiSystem } from './sbi-list.js';

/**
 * A code of either list → the answer in SBI 2025 and the SBI 2008 code(s) beside it.
 * Whatever produced the code (a code field, the KvK register, the free-text matcher,
 * a later matcher answering in SBI 2025) goes through here, so every evidence kind
 * is converted by the same rules.
 */

export interface Conversion {
  from: SbiSystem;
  to: SbiSystem;
  /** one: a single counterpart; title: the one with the same title; evidence: the lead's words chose; common: their deepest common code. */
  method: NarrowMethod;
  /** The NACE code the Eurostat pairs were read at (`33.2` for the Dutch class 33.21). */
  via: string;
  /** Every counterpart (at most 40 listed; `count` has them all). */
  candidates: Array<{ code: string; title: string }>;
  count: number;
  /** For 'evidence': the lead's words that decided. */
  words?: string[];
  /** What the conversion multiplied the confidence by (1: nothing was lost). */
  factor: number;
}

export interface Converted {
  /** The answer in SBI 2025; null when a 2008 code's counterparts share no section (2008 section G, division 45). */
  sbi2025: SbiEntry | null;
  /** The SBI 2008 code for the SBI 2008 tables: the code itself, its one counterpart, or their deepest common code. */
  sbi2008: SbiEntry | null;
  /** The SBI 2008 equivalents of the answer. */
  equivalents2008: SbiEntry[];
  conversion: Conversion | null;
  /** Confidence multiplier of the conversion: 1 for a single counterpart, lower the less certain the pick. */
  factor: number;
  /** False when a common ancestor stands in for several counterparts. */
  exact: boolean;
}

const FACTOR: Record<NarrowMethod, number> = { one: 1, title: 0.95, evidence: 0.85, common: 0.6 };
const MAX_LISTED = 40;

function conversion(from: SbiSystem, via: string, candidates: SbiEntry[], method: NarrowMethod, factor: number, words?: string[]): Conversion {
  return {
    factor,
    from,
    to: from === 'SBI2008' ? 'SBI2025' : 'SBI2008',
    method,
    via,
    candidates: candidates.slice(0, MAX_LISTED).map((e) => ({ code: e.code, title: e.title })),
    count: candidates.length,
    ...(words ? { words } : {}),
  };
}

/** `evidence`: the lead's own words (industry text, KvK activity description) that may pick one of several counterparts. */
export function convertEntry(c: Classifications, entry: SbiEntry, evidence: string[]): Converted {
  if (entry.system === 'SBI2025') {
    const back = to2008(c, entry);
    const one = back.candidates.length === 1;
    const method: NarrowMethod = one ? 'one' : 'common';
    return {
      sbi2025: entry,
      sbi2008: one ? back.candidates[0] : (commonAncestor(c.sbi2008, back.candidates) ?? null),
      equivalents2008: back.candidates,
      conversion: back.candidates.length ? conversion('SBI2025', back.via, back.candidates, method, 1) : null,
      // The answer is the code as given; only the 2008 side is derived.
      factor: 1,
      exact: true,
    };
  }
  const forward = to2025(c, entry);
  const picked = narrow(c.sbi2025, forward.candidates, entry.title, evidence);
  const factor = picked.entry ? FACTOR[picked.method] : FACTOR.common;
  return {
    sbi2025: picked.entry ?? null,
    sbi2008: entry,
    equivalents2008: [entry],
    conversion: forward.candidates.length ? conversion('SBI2008', forward.via, forward.candidates, picked.method, factor, picked.words) : null,
    factor,
    exact: picked.method !== 'common',
  };
}
