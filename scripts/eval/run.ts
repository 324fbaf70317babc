import { fileURLToPath } from 'node:url';
import { envSchema } from '../../src/config.js';
import { createEnricher } from '../../src/enrich/engine.js';
import { bundledTableVersions } from '../../src/enrich/service.js';
import { loadSbiList } from '../../src/enrich/sbi-list.js';
import { casesDigest, type EvalCase, loadCases, type Split } from './cases.js';
import { bySplit, scoreCase, type Outcome, type SplitFigures } from './score.js';

/** The figures of the code as committed (from the repository's root): `npm run eval -- --keep` writes them, README's accuracy table is filled from them. */
export const KEPT_PATH = 'eval/results/current.json';
/** The release before issue 23 (main@40995f0): the baseline the README's accuracy table compares with. */
export const PREVIOUS_RELEASE_PATH = 'eval/results/before-issue-23.json';
export const KEPT_FILE = fileURLToPath(new URL(`../../${KEPT_PATH}`, import.meta.url));

export interface EvalReport {
  /** Where the figures came from, free text (`main@312726e`). */
  engine: string;
  minConfidence: number;
  cases: { n: number; digest: string };
  splits: Record<Split | 'all', SplitFigures>;
}

/**
 * Every case of eval/cases/ through the engine, built in-process as the service builds it (bundled CBS
 * snapshot, the SBI list, the config schema's default threshold, not this shell's environment).
 */
export async function runEval(engine: string): Promise<{ report: EvalReport; outcomes: Outcome[]; cases: EvalCase[] }> {
  const minConfidence = envSchema.shape.ENRICH_MIN_CONFIDENCE.parse(undefined);
  const tableIds = envSchema.shape.CBS_TABLES.parse(undefined);
  const sbiList = loadSbiList();
  const enricher = createEnricher({ sbiList, tables: await bundledTableVersions(tableIds), minConfidence });
  const cases = loadCases(sbiList);
  const outcomes: Outcome[] = cases.map((c) => {
    try {
      const { industry, employees, sbi, kvk_sbi: kvkSbi, sbi_system: system } = c.input;
      const systems = system ? { sbiSystem: system, kvkSbiSystem: system } : {};
      return scoreCase(c, enricher.resolve({ industry, employees, sbi, kvkSbi, ...systems }), sbiList);
    } catch (err) {
      const why = `threw: ${err instanceof Error ? err.message : String(err)}`;
      return { c, right: false, answered: false, code: null, title: null, confidence: null, confidentRight: false, why };
    }
  });
  const report: EvalReport = { engine, minConfidence, cases: { n: cases.length, digest: casesDigest(cases) }, splits: bySplit(outcomes) };
  return { report, outcomes, cases };
}
