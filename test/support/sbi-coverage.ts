import type { Enrichment } from '../../src/enrich/result.js';
import { type Classifications, to2025 } from '../../src/enrich/sbi-correspondence.js';
import type { SbiEntry } from '../../src/enrich/sbi-list.js';
import { sameMeaning } from '../../src/enrich/sbi-reading.js';
import type { LeadInput } from '../../src/enrich/types.js';

/**
 * Issue 22's "done when", measured over the real lists (data/sbi2025/, data/sbi2008/):
 * every SBI 2025 code in the spellings the register and exports use, every SBI 2008
 * code with a single SBI 2025 counterpart, every SBI 2008 code in every spelling, and
 * every code both lists have with a different meaning. Used by the unit test
 * (test/unit/enrich/sbi2025-coverage.test.ts) and `npm run sbi:coverage`.
 */

export interface Tally {
  n: number;
  right: number;
  /** The first few wrong inputs, with what came back. */
  wrong: string[];
}

export interface Coverage {
  /** SBI 2025 codes as digits (`62100`), dotted (`62.10.0`) and, for 5 digits, `62 100`: answered with their own code and title. */
  sbi2025Digits: Tally;
  sbi2025Dotted: Tally;
  sbi2025Spaced: Tally;
  /** The same codes in the KvK field. */
  sbi2025Kvk: Tally;
  /** SBI 2008 classes and subclasses with exactly one SBI 2025 counterpart, read as SBI 2008: answered with it. */
  single2008: Tally;
  /** Of those, the ones whose counterpart has another number (62.01 → 62.10.0) and SBI 2025 does not list, with the default settings. */
  renumbered2008: Tally;
  /** Every SBI 2008 code (digits, dotted, spaced, NBSP, leading zero lost), read as SBI 2008: the code itself. */
  sbi2008Spellings: Tally;
  /** Of the lost-zero spellings, those that are another listed code as written (1411): read as written, the code itself named in the detail. */
  lostZeroNamed: Tally;
  /** Codes both lists have with a different meaning: the other reading is named. */
  ambiguousNamed: Tally;
}

type Resolve = (input: LeadInput) => Enrichment;

const tally = (): Tally => ({ n: 0, right: 0, wrong: [] });

function count(t: Tally, ok: boolean, what: () => string) {
  t.n++;
  if (ok) t.right++;
  else if (t.wrong.length < 10) t.wrong.push(what());
}

const answered = (e: Enrichment) => `${e.cbs_sbi_code ?? 'no code'} ${e.cbs_sbi_title?.slice(0, 40) ?? ''} ${e.problems.map((p) => p.reason).join('; ')}`;

/** The SBI 2025 counterpart of an SBI 2008 code when it has exactly one. */
export function singleCounterpart(c: Classifications, e: SbiEntry): SbiEntry | undefined {
  if (e.level !== 'class' && e.level !== 'subclass') return undefined;
  const { candidates } = to2025(c, e);
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** `01.13.1` → `01131`, `01 13 1`, `01\u00a013\u00a01`, `1131`; `62.01` → `6201`, `62 01`, `62\u00a001`. */
export function sbi2008Spellings(e: SbiEntry): string[] {
  const parts = e.code.split('.');
  const out = [e.code, e.digits, parts.join(' '), parts.join('\u00a0'), ` ${e.code} `];
  if (e.digits.startsWith('0') && e.digits.length >= 4) out.push(e.digits.slice(1));
  return out;
}

export function measureSbiCoverage(c: Classifications, resolve: Resolve): Coverage {
  const cov: Coverage = {
    sbi2025Digits: tally(),
    sbi2025Dotted: tally(),
    sbi2025Spaced: tally(),
    sbi2025Kvk: tally(),
    single2008: tally(),
    renumbered2008: tally(),
    sbi2008Spellings: tally(),
    lostZeroNamed: tally(),
    ambiguousNamed: tally(),
  };
  const own = (e: Enrichment, x: SbiEntry) => e.cbs_sbi_system === 'SBI2025' && e.cbs_sbi_code === x.code && e.cbs_sbi_title === x.title;

  for (const x of c.sbi2025.entries) {
    const digits = x.digits || x.code;
    const a = resolve({ sbi: digits });
    count(cov.sbi2025Digits, own(a, x), () => `${digits} → ${answered(a)}`);
    const b = resolve({ sbi: x.code });
    count(cov.sbi2025Dotted, own(b, x), () => `${x.code} → ${answered(b)}`);
    if (x.level === 'subclass') {
      const spaced = `${digits.slice(0, 2)} ${digits.slice(2)}`;
      const s = resolve({ sbi: spaced });
      count(cov.sbi2025Spaced, own(s, x), () => `${spaced} → ${answered(s)}`);
      const k = resolve({ kvkSbi: { sbiActiviteiten: [{ sbiCode: digits, indHoofdactiviteit: 'Ja' }] } });
      count(cov.sbi2025Kvk, own(k, x), () => `kvk ${digits} → ${answered(k)}`);
    }
  }

  for (const e of c.sbi2008.entries) {
    const single = singleCounterpart(c, e);
    if (single) {
      const r = resolve({ sbi: e.code, sbiSystem: 'SBI2008' });
      count(cov.single2008, own(r, single), () => `${e.code} → ${answered(r)} (want ${single.code})`);
      // With the default settings; a code SBI 2025 also has (with another meaning) is counted under ambiguousNamed.
      if (single.digits.slice(0, 4) !== e.digits.slice(0, 4) && !c.sbi2025.byCode.has(e.code)) {
        const d = resolve({ sbi: e.code });
        count(cov.renumbered2008, own(d, single), () => `${e.code} → ${answered(d)} (want ${single.code})`);
      }
    }
    if (e.level === 'section') continue;
    for (const spelling of sbi2008Spellings(e)) {
      const r = resolve({ sbi: spelling, sbiSystem: 'SBI2008' });
      const read = r.cbs_match.sector?.read?.code;
      count(cov.sbi2008Spellings, read === e.code, () => `${JSON.stringify(spelling)} → read ${read ?? 'nothing'}`);
      if (read !== e.code && /^\d{3,4}$/.test(spelling)) {
        count(cov.lostZeroNamed, (r.cbs_match.sector?.detail ?? '').includes(` ${e.code} `), () => `${spelling} → ${r.cbs_match.sector?.detail}`);
      }
    }
  }

  for (const e of c.sbi2008.entries) {
    const other = c.sbi2025.byCode.get(e.code);
    if (!other || sameMeaning(c, e, other)) continue;
    for (const system of ['SBI2008', 'SBI2025'] as const) {
      const r = resolve({ sbi: e.digits || e.code, sbiSystem: system });
      const named = r.cbs_match.sector?.read?.other;
      const want = system === 'SBI2008' ? other : e;
      count(cov.ambiguousNamed, named?.code === want.code && named.system === want.system && (r.cbs_match.sector?.detail ?? '').includes(want.code), () => `${e.code} as ${system} → other ${named?.code ?? 'not named'}`);
    }
  }
  return cov;
}
