/**
 * `npm test`: every tier, then one summary. Unit and database run together (two files at a time), then the
 * system tier on its own (its files start service processes that must not compete for the cores). A failing
 * first run no longer skips the system tier (it was `a && b`, issue 28): both run, the summary names every
 * tier that failed, and the exit code is non-zero if any did. Arguments go to both vitest runs.
 */
import { spawnSync } from 'node:child_process';

const extra = process.argv.slice(2);
const runs = [
  { name: 'unit + database', projects: ['unit', 'database'] },
  { name: 'system', projects: ['system'] },
];
const results = runs.map((run) => {
  // With a file filter (`npm test -- test/unit/x`) one of the runs may match nothing: that is not a failure.
  const args = ['vitest', 'run', ...run.projects.flatMap((p) => ['--project', p]), ...(extra.length ? ['--passWithNoTests', ...extra] : [])];
  console.log(`\n=== ${run.name}: npx ${args.join(' ')}\n`);
  const started = Date.now();
  const r = spawnSync('npx', args, { stdio: 'inherit' });
  return { ...run, code: r.status ?? 1, signal: r.signal, seconds: Math.round((Date.now() - started) / 1000) };
});
console.log('\n=== npm test: every tier');
for (const r of results) {
  console.log(`  ${r.code === 0 ? 'passed' : 'FAILED'}  ${r.name} (${r.seconds} s${r.signal ? `, ${r.signal}` : r.code ? `, exit ${r.code}` : ''})`);
}
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
