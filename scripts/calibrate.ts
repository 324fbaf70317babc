/**
 * `npm run calibrate`: fits the industry matcher's confidence to the TUNE split
 * of the evaluation set, so that a confidence is an estimate of P(code right).
 *
 * The engine runs as the service builds it, but with raw scores (no
 * calibration) and no threshold, so every case that can be answered is. Per
 * kind of evidence (a whole HubSpot/LinkedIn/synonym/title label, or the words
 * of a text) the cases are sorted by raw score and fitted by isotonic
 * regression (pool adjacent violators): each block of scores gets
 * p = (right + 1) / (n + 2), and 0.9 or more only when the block shows it with 95% confidence
 * (scripts/eval/isotonic.ts). Must-refuse inputs that get a code count as wrong.
 * The phrase kinds (issue 23) are resolved out of fold (eval/crossfit.ts): by an
 * engine whose vocabulary lacks the case's own phrase, as holdout and real leads are.
 * Writes data/calibration/industry-confidence.json and prints the threshold
 * at which precision when answered reaches the target on tune, overall and in
 * every input kind; the default of
 * ENRICH_MIN_CONFIDENCE (src/config.ts) is set from it by hand.
 *
 *   npm run calibrate            fit and write
 *   npm run calibrate -- --dry   fit and print only
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { envSchema } from '../src/config.js';
import { CALIBRATION_FILE, type CalibrationData, calibrator, identity } from '../src/enrich/calibration.js';
import { calibrationKind, contentWords } from '../src/enrich/industry-text.js';
import { loadSbiList } from '../src/enrich/sbi-list.js';
import { bundledTableVersions } from '../src/enrich/service.js';
import { casesDigest, INDUSTRY_KINDS, loadCases, PHRASE_KINDS } from './eval/cases.js';
import { crossFitEnrichers } from './eval/crossfit.js';
import { isotonic, type Point } from './eval/isotonic.js';
import { codeIsRight, sbi2008Answer } from './eval/score.js';

const TARGET_PRECISION = 0.97;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dry: { type: 'boolean', default: false } } });
  const sbiList = loadSbiList();
  const tables = await bundledTableVersions(envSchema.shape.CBS_TABLES.parse(undefined));
  const engineFor = crossFitEnrichers({ sbiList, tables, minConfidence: 0, calibrate: identity });
  const fitted: readonly string[] = [...INDUSTRY_KINDS, ...PHRASE_KINDS, 'must_refuse'];
  const cases = loadCases(sbiList).filter((c) => c.split === 'tune' && fitted.includes(c.kind));

  const byKind = new Map<string, Point[]>();
  const observed: Array<{ kind: string; raw: number; right: boolean; caseKind: string }> = [];
  for (const c of cases) {
    const e = engineFor(c).resolve({ industry: c.input.industry, sbi: c.input.sbi });
    const sector = e.cbs_match.sector;
    // The matcher answers in SBI 2008: its code and its own confidence, before the conversion to SBI 2025 (issue 22).
    const { code, confidence: rawConfidence } = sbi2008Answer(e);
    if (!sector || !code || rawConfidence === null || sector.method !== 'industry') continue;
    const via = (sector.detail ?? '').split(':')[0];
    const kind = calibrationKind(via, /^[A-U]$/.test(code), contentWords(c.input.industry ?? ''));
    const right = c.kind !== 'must_refuse' && codeIsRight(code, c.expect.sbi ?? [], sbiList);
    byKind.set(kind, [...(byKind.get(kind) ?? []), { raw: rawConfidence, right }]);
    observed.push({ kind, raw: rawConfidence, right, caseKind: c.kind });
  }

  const kinds = Object.fromEntries([...byKind].sort(([a], [b]) => a.localeCompare(b)).map(([k, points]) => [k, isotonic(points)]));
  const calibrate = calibrator({ produced: '', kinds });
  const scored = observed.map((o) => ({ p: calibrate(o.kind, o.raw), right: o.right, caseKind: o.caseKind }));
  const thresholds = [...new Set(scored.map((s) => s.p))].sort((a, b) => a - b);
  const crm = (k: string) => (INDUSTRY_KINDS as readonly string[]).includes(k) || k === 'must_refuse';
  const totalIndustry = cases.filter((c) => (INDUSTRY_KINDS as readonly string[]).includes(c.kind)).length;
  const totalPhrases = cases.filter((c) => !crm(c.kind)).length;
  // The threshold must hold the target on the CRM kinds overall and in every one of them (free text is where it
  // is hardest); the phrase kinds' precision at each threshold is shown beside it, not part of the choice, so that
  // a harder evaluation kind cannot make the service refuse what it answered rightly before.
  const precisionOf = (xs: typeof scored) => (xs.length === 0 ? 1 : xs.filter((s) => s.right).length / xs.length);
  console.log('threshold  answered  precision  worst kind  top-1 (CRM kinds, tune) | phrases: precision  top-1 (out of fold)');
  let chosen: number | undefined;
  for (const t of thresholds) {
    const answered = scored.filter((s) => s.p >= t);
    const crmAnswered = answered.filter((s) => crm(s.caseKind));
    const right = crmAnswered.filter((s) => s.right).length;
    const precision = right / crmAnswered.length;
    const perKind = INDUSTRY_KINDS.map((k) => precisionOf(answered.filter((s) => s.caseKind === k)));
    const worst = Math.min(...perKind);
    const phrases = answered.filter((s) => !crm(s.caseKind));
    const phraseRight = phrases.filter((s) => s.right).length;
    if (chosen === undefined && precision >= TARGET_PRECISION && worst >= TARGET_PRECISION) chosen = t;
    console.log(
      `${t.toFixed(3).padStart(9)}  ${String(answered.length).padStart(8)}  ${(precision * 100).toFixed(1).padStart(8)}%  ${(worst * 100).toFixed(1).padStart(9)}%  ${((right / totalIndustry) * 100).toFixed(1).padStart(5)}%` +
        `  | ${(precisionOf(phrases) * 100).toFixed(1).padStart(8)}%  ${((phraseRight / Math.max(1, totalPhrases)) * 100).toFixed(1).padStart(5)}%`,
    );
  }
  for (const [k, steps] of Object.entries(kinds)) console.log(`${k}: ${steps.map((s) => `≤${s.upTo}→${s.p} (n=${s.n})`).join(', ')}`);
  console.log(`lowest threshold with precision ≥ ${TARGET_PRECISION * 100}% on tune, over the CRM kinds and in every one: ${chosen ?? 'none'}`);

  const data: CalibrationData & { cases: { n: number; digest: string }; threshold: number | null } = {
    produced: `npm run calibrate (scripts/calibrate.ts): isotonic fit per evidence kind on the tune split of eval/cases`,
    cases: { n: cases.length, digest: casesDigest(cases) },
    threshold: chosen ?? null,
    kinds,
  };
  if (!values.dry) {
    writeFileSync(CALIBRATION_FILE, `${JSON.stringify(data, null, 2)}\n`);
    console.log(`wrote ${CALIBRATION_FILE}`);
  }
}

await main();
