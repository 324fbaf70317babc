/**
 * `npm run bench [-- --quick] [-- --only=intake,resolution] [-- --keep]`: measures the
 * service's claims side by side in one run and prints one table, also written to
 * var/bench/<time>.json and var/bench/latest.json (untracked); `--keep` also writes
 * bench/results/<time>.json, a run to commit, from which `npm run docs:figures` fills the docs.
 * Sections live in bench/sections/; each starts what it needs on loopback.
 */
import path from 'node:path';
import type { BenchContext, BenchSection } from '../bench/lib/context.js';
import { type BenchRow, type BenchRun, formatTable, machineInfo, writeResults } from '../bench/lib/report.js';
import { sections } from '../bench/sections/index.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const keep = args.includes('--keep');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');

const ctx: BenchContext = {
  quick,
  loadSeconds: quick ? 4 : 15,
  connections: 50,
  log: (msg) => process.stderr.write(`[bench] ${msg}\n`),
};

async function main() {
  const startedAt = new Date().toISOString();
  const rows: BenchRow[] = [];
  const failures: BenchRun['failures'] = [];
  const chosen: BenchSection[] = only ? sections.filter((s) => only.includes(s.name)) : sections;
  for (const section of chosen) {
    const t0 = performance.now();
    ctx.log(`${section.name}: start`);
    try {
      rows.push(...(await section.run(ctx)));
      ctx.log(`${section.name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      failures.push({ section: section.name, error });
      ctx.log(`${section.name}: FAILED: ${error}`);
    }
  }
  const run: BenchRun = {
    startedAt,
    finishedAt: new Date().toISOString(),
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    quick,
    machine: machineInfo(),
    rows,
    failures,
  };
  const file = writeResults(run, { keep });
  const m = run.machine;
  console.log(`Verrijk bench · ${run.command} · ${m.cpus} × ${m.cpuModel} · ${m.memoryGb} GB · node ${m.node}`);
  console.log(formatTable(rows));
  for (const f of failures) console.log(`FAILED ${f.section}: ${f.error}`);
  console.log(`results: ${path.relative(process.cwd(), file)}`);
  // A bench reports; it fails only when a section could not run at all.
  process.exit(failures.length ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
