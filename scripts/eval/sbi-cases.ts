/**
 * The two SBI kinds of the evaluation set from the real lists,
 * never by hand (eval/README.md):
 * - `sbi2025_register.jsonl`: every SBI 2025 subclass (the 5-digit codes the KvK register holds
 *   since September 2025), each in one spelling picked by its id's hash: `62100`, `62.10.0`,
 *   `62 100`, `62100 ` with an NBSP, or the KvK main-activity field;
 * - `sbi2008_renumbered.jsonl`: every SBI 2008 class or subclass whose single SBI 2025 counterpart
 *   has another class number (62.01 → 62.10.0), dotted and as digits. A code SBI 2025 also lists
 *   (with another meaning, 46.71) carries `sbi_system: SBI2008`, as a user with SBI 2008 data sets it.
 * The split is splitOf(id), as for every kind. `npm run eval:sbi-cases` writes them (build-sbi-cases.ts).
 */
import { createHash } from 'node:crypto';
import { loadClassifications, to2025 } from '../../src/enrich/sbi-correspondence.js';
import { splitOf } from './cases.js';

/** File name → its lines, in list order. */
export function buildSbiCases(): Record<string, string[]> {
  const c = loadClassifications();
  const line = (id: string, kind: string, input: Record<string, string | undefined>, code: { code: string; title: string }, note?: string) =>
    JSON.stringify({ id, kind, split: splitOf(id), input, expect: { sbi2025: { code: code.code, title: code.title } }, ...(note ? { note } : {}) });

  const SPELLINGS = ['digits', 'dotted', 'spaced', 'nbsp', 'kvk'] as const;
  const register: string[] = [];
  for (const e of c.sbi2025.entries) {
    if (e.level !== 'subclass') continue;
    const id = `sbi25-${e.digits}`;
    const spelling = SPELLINGS[createHash('sha256').update(id).digest()[1] % SPELLINGS.length];
    const input =
      spelling === 'digits' ? { sbi: e.digits }
      : spelling === 'dotted' ? { sbi: e.code }
      : spelling === 'spaced' ? { sbi: `${e.digits.slice(0, 2)} ${e.digits.slice(2)}` }
      : spelling === 'nbsp' ? { sbi: `${e.digits}\u00a0` }
      : { kvk_sbi: JSON.stringify({ sbiActiviteiten: [{ sbiCode: e.digits, indHoofdactiviteit: 'Ja' }] }) };
    register.push(line(id, 'sbi2025_register', input, e));
  }

  const renumbered: string[] = [];
  for (const e of c.sbi2008.entries) {
    if (e.level !== 'class' && e.level !== 'subclass') continue;
    const { candidates } = to2025(c, e);
    if (candidates.length !== 1 || candidates[0].digits.slice(0, 4) === e.digits.slice(0, 4)) continue;
    const both = c.sbi2025.byCode.has(e.code);
    const system = both ? { sbi_system: 'SBI2008' } : {};
    const note = both ? `SBI 2025 also has ${e.code}, with another meaning` : undefined;
    renumbered.push(line(`sbi08r-${e.digits}-dotted`, 'sbi2008_renumbered', { sbi: e.code, ...system }, candidates[0], note));
    renumbered.push(line(`sbi08r-${e.digits}-digits`, 'sbi2008_renumbered', { sbi: e.digits, ...system }, candidates[0], note));
  }

  return { 'sbi2025_register.jsonl': register, 'sbi2008_renumbered.jsonl': renumbered };
}
