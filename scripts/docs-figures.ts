/**
 * `npm run docs:figures` fills the bench figures in README.md and docs/*.md from the kept bench
 * runs (bench/results/*.json, `npm run bench -- --keep`), and the accuracy table from the kept
 * evaluation (eval/results/current.json, `npm run eval -- --keep`), so no figure is typed by hand.
 * `-- --check` changes nothing and exits 1 when a region differs from what the results say
 * (test/unit/scripts/docs-figures.test.ts runs the same check).
 *
 * A region is `<!-- bench:SECTION -->` … `<!-- /bench:SECTION -->`: a table of every row of that
 * bench section in the newest kept full run (not `--quick`) that has the section, and its file;
 * `<!-- eval:holdout -->` … `<!-- /eval:holdout -->`: the accuracy table (scripts/eval/accuracy-table.ts).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow, BenchRun } from '../bench/lib/report.js';
import { accuracyTable } from './eval/accuracy-table.js';
import { type EvalReport, KEPT_PATH, PREVIOUS_RELEASE_PATH } from './eval/run.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REGION = /<!-- bench:([a-z-]+) -->\n[\s\S]*?<!-- \/bench:\1 -->/g;
const EVAL_REGION = /<!-- eval:holdout -->\n[\s\S]*?<!-- \/eval:holdout -->/g;

function figure(n: number, unit: string): string {
  if (!Number.isFinite(n)) return String(n);
  if (unit === 'ms' && n >= 1000) return `${(n / 1000).toFixed(1)} s`;
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  const text = n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${text} ${unit}` : text;
}

/** Kept full runs, newest first (the file names are their start times). */
export function keptRuns(root = ROOT): Array<{ file: string; run: BenchRun }> {
  const dir = path.join(root, 'bench/results');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('-quick.json'))
    .sort()
    .reverse()
    .map((f) => ({ file: `bench/results/${f}`, run: JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as BenchRun }));
}

/** The table for one section, from the newest kept run that measured it. */
export function renderSection(section: string, runs: Array<{ file: string; run: BenchRun }>): string {
  const found = runs.find((r) => r.run.rows.some((row) => row.section === section));
  if (!found) throw new Error(`no kept bench run has the section "${section}"`);
  const rows: BenchRow[] = found.run.rows.filter((row) => row.section === section);
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    '| what | figure | target | met |',
    '|---|---|---|---|',
    ...rows.map((r) => {
      const ratio = r.ratio === undefined ? '' : ` (${r.ratio.toFixed(2)}× ${r.versus ?? ''})`.replace(' )', ')');
      const note = r.note ? ` — ${r.note}` : '';
      return `| ${cell(r.metric)}${cell(note)} | ${figure(r.value, r.unit)}${cell(ratio)} | ${cell(r.target ?? '')} | ${r.ok === undefined ? '' : r.ok ? 'yes' : 'no'} |`;
    }),
    '',
    `From \`${found.file}\` (\`${found.run.command}\`, ${found.run.startedAt.slice(0, 10)}, ${found.run.machine.cpus} × ${found.run.machine.cpuModel}, node ${found.run.machine.node}).`,
  ];
  return lines.join('\n');
}

/** Every doc with a region, and its text with the regions filled. */
export function filledDocs(root = ROOT): Array<{ file: string; text: string; filled: string }> {
  const runs = keptRuns(root);
  const accuracy = () => {
    const read = (file: string) => JSON.parse(readFileSync(path.join(root, file), 'utf8')) as EvalReport;
    return accuracyTable(read(KEPT_PATH), read(PREVIOUS_RELEASE_PATH), KEPT_PATH, PREVIOUS_RELEASE_PATH);
  };
  const files = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  return files
    .map((file) => {
      const text = readFileSync(path.join(root, file), 'utf8');
      const filled = text
        .replace(REGION, (_all, section: string) => `<!-- bench:${section} -->\n${renderSection(section, runs)}\n<!-- /bench:${section} -->`)
        .replace(EVAL_REGION, () => `<!-- eval:holdout -->\n${accuracy()}\n<!-- /eval:holdout -->`);
      return { file, text, filled };
    })
    .filter((d) => d.text.includes('<!-- bench:') || d.text.includes('<!-- eval:'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const d of filledDocs()) {
    if (d.filled === d.text) continue;
    stale++;
    if (check) console.error(`${d.file}: figures differ from bench/results or eval/results/current.json (run npm run docs:figures)`);
    else {
      writeFileSync(path.join(ROOT, d.file), d.filled);
      console.log(`${d.file}: figures filled`);
    }
  }
  process.exitCode = check && stale ? 1 : 0;
}
