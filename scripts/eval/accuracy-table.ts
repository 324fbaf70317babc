import { CRM_KINDS, PHRASE_KINDS, SBI_KINDS } from './cases.js';
import type { EvalReport } from './run.js';
import type { KindFigures } from './score.js';

/**
 * The README's accuracy table (`<!-- eval:holdout -->`, filled by `npm run docs:figures`): holdout
 * figures of the kept evaluation (eval/results/current.json) beside the previous release's, so that
 * no accuracy figure in the docs is typed by hand.
 */

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);

const LABELS: Record<string, string> = {
  hubspot_value: 'HubSpot industry value',
  hubspot_label: 'HubSpot industry label',
  linkedin: 'LinkedIn industry',
  dutch_text: 'Dutch free text (CRM fields, notes)',
  english_text: 'English free text',
  must_refuse: 'must refuse (refused)',
  employees: 'employee fields (read right)',
  sbi2025_register: 'SBI 2025 register codes',
  sbi2008_renumbered: 'SBI 2008 codes renumbered in 2025',
  official_phrase: 'official activity titles',
  note_item: 'explanatory-note items',
  everyday: 'everyday descriptions',
};

export function accuracyTable(kept: EvalReport, previous: EvalReport, keptFile: string, previousFile: string): string {
  const now = kept.splits.holdout;
  const before = previous.splits.holdout;
  const pair = (x: number | null, b: number | null | undefined) => (x === null && (b ?? null) === null ? '–' : `${pct(x)} (${pct(b)})`);
  const cells = (f: KindFigures, b: KindFigures | undefined) =>
    `${f.n.toLocaleString('en-US')} | ${pair(f.top1, b?.top1)} | ${pair(f.precision, b?.precision)} | ${pair(f.answered, b?.answered)}`;
  const lines = ['| kind (holdout) | n | right | precision | answered |', '|---|---|---|---|---|'];
  for (const k of [...CRM_KINDS, ...SBI_KINDS]) lines.push(`| ${LABELS[k]} | ${cells(now.kinds[k], before.kinds[k])} |`);
  lines.push(`| **CRM kinds together** | ${cells(now.overall, before.overall)} |`);
  for (const k of PHRASE_KINDS) {
    for (const l of ['nl', 'en'] as const) {
      const f = now.byLanguage?.[k][l];
      if (!f || f.n === 0) continue;
      lines.push(`| ${LABELS[k]}, ${l === 'nl' ? 'Dutch' : 'English'} | ${cells(f, before.byLanguage?.[k][l])} |`);
    }
  }
  lines.push(
    '',
    `Right = the top-1 SBI division (or code, for the SBI kinds) is right; precision = right among answers; in brackets the previous release (${previous.engine}, \`${previousFile}\`, threshold ${previous.minConfidence}, on the ${previous.cases.n.toLocaleString('en-US')} cases of then; – where it had no such kind). ` +
      `From \`${keptFile}\` (\`npm run eval -- --keep\`, threshold ${kept.minConfidence}, ${kept.cases.n.toLocaleString('en-US')} cases, holdout half shown).`,
  );
  return lines.join('\n');
}
