import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SbiList } from '../../src/enrich/sbi-list.js';
import { loadSbi2025List } from '../../src/enrich/sbi2025-list.js';

/**
 * The project's own evaluation set (eval/cases/*.jsonl, eval/README.md): one
 * case a line, each with its kind, its split and what a right answer is. This
 * module reads and checks the files; scoring lives in score.ts.
 */

export const CASES_DIR = fileURLToPath(new URL('../../eval/cases/', import.meta.url));

export const INDUSTRY_KINDS = ['hubspot_value', 'hubspot_label', 'linkedin', 'dutch_text', 'english_text'] as const;
/** Codes as the register holds them since September 2025, and renumbered SBI 2008 classes (issue 22): built by scripts/eval/build-sbi-cases.ts. */
export const SBI_KINDS = ['sbi2025_register', 'sbi2008_renumbered'] as const;
/** Kinds built from the classification's own descriptions (issue 23): measured by language, with their own targets. */
export const PHRASE_KINDS = ['official_phrase', 'note_item', 'everyday'] as const;
/** The CRM kinds: what leads carry; `overall` and the issue-12 targets are theirs. */
export const CRM_KINDS = [...INDUSTRY_KINDS, 'must_refuse', 'employees'] as const;
export const KINDS = [...CRM_KINDS, ...SBI_KINDS, ...PHRASE_KINDS] as const;
export type Kind = (typeof KINDS)[number];
export type Split = 'tune' | 'holdout';

export interface EvalCase {
  id: string;
  kind: Kind;
  split: Split;
  /** The language of the input (phrase kinds): each language is measured on its own. */
  lang?: 'nl' | 'en';
  /** An everyday case: the id of the source phrase it was written from (scripts/eval/activity-sources.ts). */
  from?: string;
  /** `kvk_sbi`: a KvK main-activity code; `sbi_system`: the list a code both lists have is read in (as SBI_INPUT_SYSTEM or the mapping would set it). */
  input: { industry?: string; employees?: string; sbi?: string; kvk_sbi?: string; sbi_system?: 'SBI2008' | 'SBI2025' };
  /** `sbi2025`: the one right answer of the SBI kinds, code and title as the SBI 2025 list has them. */
  expect: { sbi?: string[]; refuse?: true; employees?: { min: number; max: number | null } | null; sbi2025?: { code: string; title: string } };
  note?: string;
  /** Where the line came from, for error messages: `linkedin.jsonl:12`. */
  at: string;
}

/**
 * The split of an id: the first byte of its SHA-256, even → tune, odd → holdout.
 * A pure function of the id, so each kind is split about 50/50 on its own and a
 * case added later never moves an existing one.
 */
export function splitOf(id: string): Split {
  return createHash('sha256').update(id).digest()[0] % 2 === 0 ? 'tune' : 'holdout';
}

/** Every problem with one parsed line, as sentences (empty = well-formed). */
export function caseProblems(c: Record<string, unknown>, sbiList: SbiList): string[] {
  const problems: string[] = [];
  const id = c.id;
  if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(id)) problems.push(`id must be lower-case letters, digits and dashes, got ${JSON.stringify(id)}`);
  if (!KINDS.includes(c.kind as Kind)) problems.push(`kind ${JSON.stringify(c.kind)} is not one of ${KINDS.join(', ')}`);
  if (c.split !== 'tune' && c.split !== 'holdout') problems.push(`split must be tune or holdout`);
  else if (typeof id === 'string' && c.split !== splitOf(id)) problems.push(`split is ${c.split} but the id hashes to ${splitOf(id)}`);
  const input = c.input as EvalCase['input'] | undefined;
  const expect = c.expect as EvalCase['expect'] | undefined;
  if (!input || typeof input !== 'object') problems.push('input is missing');
  if (!expect || typeof expect !== 'object') problems.push('expect is missing');
  if (problems.length) return problems;
  const kind = c.kind as Kind;
  if (c.lang !== undefined && c.lang !== 'nl' && c.lang !== 'en') problems.push(`lang must be nl or en, got ${JSON.stringify(c.lang)}`);
  if ((PHRASE_KINDS as readonly string[]).includes(kind) && c.lang === undefined) problems.push('a phrase case names its lang');
  if (kind === 'employees') {
    if (typeof input!.employees !== 'string') problems.push('an employees case has input.employees as a string');
    const e = expect!.employees;
    if (e === undefined) problems.push('an employees case has expect.employees ({min,max} or null)');
    else if (e !== null && (!Number.isInteger(e.min) || (e.max !== null && (!Number.isInteger(e.max) || e.max < e.min))))
      problems.push(`expect.employees ${JSON.stringify(e)} is not a range`);
  } else if ((SBI_KINDS as readonly string[]).includes(kind)) {
    if (typeof input!.sbi !== 'string' && typeof input!.kvk_sbi !== 'string') problems.push('an SBI case has input.sbi or input.kvk_sbi as a string');
    const want = expect!.sbi2025;
    const listed = want ? loadSbi2025List().byCode.get(want.code) : undefined;
    if (!want) problems.push('an SBI case expects {"sbi2025": {code, title}}');
    else if (!listed || listed.title !== want.title) problems.push(`expected SBI 2025 ${JSON.stringify(want)} is not in the SBI 2025 list with that title`);
  } else {
    if (typeof input!.industry !== 'string') problems.push('an industry case has input.industry as a string');
    if (kind === 'must_refuse') {
      if (expect!.refuse !== true) problems.push('a must_refuse case expects {"refuse": true}');
    } else if (!Array.isArray(expect!.sbi) || expect!.sbi.length === 0) problems.push('an industry case lists at least one acceptable SBI code');
  }
  for (const code of expect!.sbi ?? []) {
    if (!sbiList.byCode.has(code)) problems.push(`expected SBI code ${JSON.stringify(code)} is not in the SBI list`);
  }
  return problems;
}

/** All cases, in file order; throws with every malformed line named. */
export function loadCases(sbiList: SbiList, dir = CASES_DIR): EvalCase[] {
  const cases: EvalCase[] = [];
  const errors: string[] = [];
  const seen = new Map<string, string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const at = `${file}:${i + 1}`;
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        errors.push(`${at}: not JSON`);
        return;
      }
      const problems = caseProblems(parsed, sbiList);
      const id = String(parsed.id);
      if (seen.has(id)) problems.push(`id ${id} is also used at ${seen.get(id)}`);
      seen.set(id, at);
      if (problems.length) errors.push(...problems.map((p) => `${at}: ${p}`));
      else cases.push({ ...(parsed as unknown as EvalCase), at });
    });
  }
  if (errors.length) throw new Error(`malformed evaluation cases:\n${errors.join('\n')}`);
  return cases;
}

/** A short digest of the case set (ids, splits, inputs, expectations): says whether two runs saw the same cases. */
export function casesDigest(cases: EvalCase[]): string {
  const h = createHash('sha256');
  for (const c of [...cases].sort((a, b) => (a.id < b.id ? -1 : 1))) h.update(JSON.stringify([c.id, c.kind, c.split, c.input, c.expect]));
  return h.digest('hex').slice(0, 16);
}
