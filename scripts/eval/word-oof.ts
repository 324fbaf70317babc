/**
 * The word tier on TUNE out of fold (crossfit.ts), for design decisions that never look at holdout:
 * per kind and language, how often the matcher's best code (answer or not) is right, and how many
 * cases it could answer at 97% precision by its raw score alone (sorted by raw, the longest prefix
 * that is ≥ 97% right): that second figure is what a calibration can make of the raw score.
 * With --misses N it prints N misses of each Dutch phrase kind, most confident first, with what
 * the matcher read. Raw scores, no calibration, no threshold; with --calibrated the bundled calibration's
 * confidences instead, and the share wrong among those ≥ 0.9. --every K prints every K-th miss instead (a sample
 * of all misses, not only the confident ones); --words adds each miss's words as the out-of-fold index reads them
 * (`word[term+term]`, `**word**` when unknown; an index over the vocabulary without the CBS table titles).
 *
 *   npx tsx scripts/eval/word-oof.ts [--misses 30] [--every 8] [--words] [--lang nl] [--kind everyday] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { envSchema } from '../../src/config.js';
import { calibrator, identity, loadCalibration } from '../../src/enrich/calibration.js';
import { loadIndustryTables } from '../../src/enrich/industry-tables.js';
import { buildVocabulary } from '../../src/enrich/industry-vocabulary.js';
import { loadSbiList } from '../../src/enrich/sbi-list.js';
import { bundledTableVersions } from '../../src/enrich/service.js';
import { INDUSTRY_KINDS, loadCases, PHRASE_KINDS } from './cases.js';
import { crossFitEnrichers, foldOf, phraseOf } from './crossfit.js';
import { createTermIndex, type TermIndex } from '../../src/enrich/text-index.js';
import { normaliseIndustry, textWords } from '../../src/enrich/text-words.js';
import { indexDocsOf } from '../../src/enrich/industry-text.js';
import { codeIsRight, sbi2008Answer } from './score.js';

interface Row {
  group: string;
  right: boolean;
  raw: number;
  text: string;
  code: string;
  title: string;
  want: string;
  detail: string;
  /** The phrase a case was made from (its fold decides which out-of-fold index reads it). */
  phrase?: string;
}

const pct = (k: number, n: number) => (n === 0 ? '-' : `${((100 * k) / n).toFixed(1)}%`);

/** Right answers in the longest prefix (by raw score, descending) whose precision is at least `p`. */
export function coverageAt(rows: ReadonlyArray<{ raw: number; right: boolean }>, p: number): number {
  const sorted = [...rows].sort((a, b) => b.raw - a.raw);
  let right = 0;
  let best = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i].right) right++;
    // Only at the end of a run of equal scores: a threshold cannot split them.
    if (i + 1 < sorted.length && sorted[i + 1].raw === sorted[i].raw) continue;
    if (right / (i + 1) >= p) best = right;
  }
  return best;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { misses: { type: 'string', default: '0' }, every: { type: 'string', default: '1' }, words: { type: 'boolean', default: false }, lang: { type: 'string', default: 'nl' }, kind: { type: 'string' }, json: { type: 'string' }, calibrated: { type: 'boolean', default: false } } });
  const sbiList = loadSbiList();
  const tables = await bundledTableVersions(envSchema.shape.CBS_TABLES.parse(undefined));
  const engineFor = crossFitEnrichers({ sbiList, tables, minConfidence: 0, calibrate: values.calibrated ? calibrator(loadCalibration()) : identity });
  const kinds: readonly string[] = [...INDUSTRY_KINDS, ...PHRASE_KINDS];
  const cases = loadCases(sbiList).filter((c) => c.split === 'tune' && kinds.includes(c.kind) && c.input.industry);
  const rows: Row[] = [];
  for (const c of cases) {
    const e = engineFor(c).resolve({ industry: c.input.industry, sbi: c.input.sbi });
    const { code, title, confidence } = sbi2008Answer(e);
    const sector = e.cbs_match.sector;
    rows.push({
      group: c.lang ? `${c.kind}/${c.lang}` : c.kind,
      right: code !== null && codeIsRight(code, c.expect.sbi ?? [], sbiList),
      raw: code === null ? -1 : (confidence ?? 0),
      text: c.input.industry ?? '',
      code: code ?? '-',
      title: title ?? '',
      want: (c.expect.sbi ?? []).join(','),
      detail: sector?.detail ?? e.problems.map((p) => p.reason).join('; '),
      phrase: phraseOf(c),
    });
  }
  const groups = [...new Set(rows.map((r) => r.group))];
  const out: Record<string, { n: number; top1: number; at97: number }> = {};
  console.log(`group                      n   top-1 (best code)   answerable at 97% precision   ${values.calibrated ? 'wrong among ≥ 0.9' : ''}`);
  for (const g of [...groups, 'everyday+official+note', 'all']) {
    const rs = g === 'all' ? rows : g.includes('+') ? rows.filter((r) => PHRASE_KINDS.some((k) => r.group.startsWith(k))) : rows.filter((r) => r.group === g);
    const right = rs.filter((r) => r.right).length;
    const at97 = coverageAt(rs, 0.97);
    out[g] = { n: rs.length, top1: right / rs.length, at97: at97 / rs.length };
    const sure = rs.filter((r) => r.raw >= 0.9);
    const wrongSure = values.calibrated ? `${pct(sure.filter((r) => !r.right).length, sure.length).padStart(8)} of ${sure.length}` : '';
    console.log(`${g.padEnd(24)} ${String(rs.length).padStart(5)}   ${pct(right, rs.length).padStart(8)}            ${pct(at97, rs.length).padStart(8)}   ${wrongSure}`);
  }
  const n = Number(values.misses);
  const every = Math.max(1, Number(values.every));
  // The out-of-fold indexes, as crossfit.ts builds the engines' vocabularies (without the CBS table titles).
  const readers = values.words ? outOfFoldIndexes(sbiList) : undefined;
  const read = (r: Row) => {
    if (!readers) return '';
    const index = readers[r.phrase === undefined ? 2 : foldOf(r.phrase)];
    const words = textWords(normaliseIndustry(r.text)).map((w) => {
      const ts = index.read(w.word);
      return ts.length > 0 ? `${w.word}[${ts.join('+')}]` : `**${w.word}**`;
    });
    return `\n        ${words.join(' ')}`;
  };
  if (n > 0) {
    for (const k of values.kind ? [values.kind] : PHRASE_KINDS) {
      const misses = rows.filter((r) => r.group === `${k}/${values.lang}` && !r.right).sort((a, b) => b.raw - a.raw);
      console.log(`\n## ${k}/${values.lang}: ${misses.length} misses, most confident first${every > 1 ? `, every ${every}th` : ''}`);
      for (const r of misses.filter((_, i) => i % every === 0).slice(0, n)) {
        console.log(`${r.raw.toFixed(3)}  ${r.text.slice(0, 90)}\n        → ${r.code} ${r.title.slice(0, 50)} (want ${r.want})  [${r.detail.slice(0, 90)}]${read(r)}`);
      }
    }
  }
  if (values.json) writeFileSync(values.json, `${JSON.stringify(out, null, 2)}\n`);
}

/** Term indexes over the vocabulary without fold 0, without fold 1, and whole. */
function outOfFoldIndexes(sbiList: ReturnType<typeof loadSbiList>): TermIndex[] {
  const full = loadIndustryTables();
  const tables = [0, 1, 2].map((f) => ({ ...full, activity: (full.activity ?? []).filter((a) => a.id === undefined || foldOf(a.id) !== f) }));
  return tables.map((t) => createTermIndex(indexDocsOf(buildVocabulary(sbiList, t, []))));
}

await main();
