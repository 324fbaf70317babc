/**
 * `npm test`: every tier, then one summary. Unit and database run together (two files at a time), then the
 * system tier on its own (its files start service processes that must not compete for the cores). A failing
 * first run no longer skips the system tier (it was `a && b`, issue 28): both run, the summary names every
 * tier that failed, and the exit code is non-zero if any did. Arguments go to both vitest runs.
 *
 * The summary also names each failed test with the first lines of its error: CI keeps only the tail of the
 * output, and a red run whose failures scrolled out of it cannot be diagnosed (the last CI run showed only
 * "FAILED unit + database"). Vitest writes a JSON report per tier beside its usual output for this.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

interface JsonReport {
  testResults?: {
    name: string;
    status: string;
    message?: string;
    assertionResults?: { fullName: string; status: string; failureMessages?: string[] }[];
  }[];
}

const extra = process.argv.slice(2);
const runs = [
  { name: 'unit + database', projects: ['unit', 'database'] },
  { name: 'system', projects: ['system'] },
];
const reports = mkdtempSync(join(tmpdir(), 'verrijk-test-'));

/** The failed tests of one report, each as "file > test: first lines of the error". */
function failuresOf(file: string): string[] {
  let report: JsonReport;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
  } catch {
    return ['(no report: vitest stopped before writing it)'];
  }
  const out: string[] = [];
  for (const suite of report.testResults ?? []) {
    const where = relative(process.cwd(), suite.name);
    const failed = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const t of failed) out.push(`${where} > ${t.fullName}\n${firstLines(t.failureMessages?.join('\n') ?? '')}`);
    if (!failed.length && suite.status === 'failed') out.push(`${where} (file)\n${firstLines(suite.message ?? '')}`);
  }
  return out;
}

function firstLines(message: string): string {
  return message
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((l) => l.trim() && !/^\s*at .*node_modules|^\s*at new Promise|^\s*at <anonymous>/.test(l))
    .slice(0, 8)
    .map((l) => `        ${l.slice(0, 240)}`)
    .join('\n');
}

const results = runs.map((run, i) => {
  const report = join(reports, `tier-${i}.json`);
  // With a file filter (`npm test -- test/unit/x`) one of the runs may match nothing: that is not a failure.
  const args = [
    'vitest',
    'run',
    ...run.projects.flatMap((p) => ['--project', p]),
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...(extra.length ? ['--passWithNoTests', ...extra] : []),
  ];
  console.log(`\n=== ${run.name}: npx ${args.join(' ')}\n`);
  const started = Date.now();
  const r = spawnSync('npx', args, { stdio: 'inherit' });
  const code = r.status ?? 1;
  return {
    ...run,
    code,
    signal: r.signal,
    seconds: Math.round((Date.now() - started) / 1000),
    failures: code === 0 ? [] : failuresOf(report),
  };
});
rmSync(reports, { recursive: true, force: true });
console.log('\n=== npm test: every tier');
for (const r of results) {
  console.log(`  ${r.code === 0 ? 'passed' : 'FAILED'}  ${r.name} (${r.seconds} s${r.signal ? `, ${r.signal}` : r.code ? `, exit ${r.code}` : ''})`);
  for (const f of r.failures) console.log(`    - ${f}`);
}
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
