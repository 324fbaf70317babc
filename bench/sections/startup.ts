import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from '../lib/report.js';
import type { BenchSection } from '../lib/context.js';
import { sleep } from '../../test/support/harness/proc.js';
import { freePort } from '../../test/support/spawn-service.js';

/**
 * From `npm start` to `/readyz` ready, as a new user meets it: a copy of the
 * repository's files in a fresh folder (what a clone holds; node_modules
 * linked, since installing is not starting), no environment beyond PORT,
 * so the embedded database starts empty and the bundled CBS snapshot is
 * loaded into it. Measured twice: the first start (the database is created)
 * and a restart on it. The service's own log lines split the time into steps.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TARGET_MS = 3000;

/** The log lines that end each step, in order. */
const STEPS: Array<[string, string]> = [
  ['database ready', 'process, modules, embedded database, migrations'],
  ['CBS table loaded from the bundled snapshot', 'bundled CBS snapshot'],
  ['listening', 'CBS cache, CRM, queue, HTTP server'],
];

/** What a clone holds: the repository's files without installed modules, build output, local databases or git. */
const NOT_IN_A_CLONE = ['./node_modules', './.git', './var', './data/pglite', './dist', './test-artifacts', './bench/results'];

function freshCopy(): { dir: string; repo: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'verrijk-startup-'));
  const repo = path.join(dir, 'repo');
  // tar, not git: the bench also runs in .ci/run's copy, which has no .git.
  execFileSync('bash', ['-c', 'set -euo pipefail; mkdir "$2"; tar -C "$1" $3 -cf - . | tar -C "$2" -xf -', 'copy', ROOT, repo, NOT_IN_A_CLONE.map((p) => `--exclude=${p}`).join(' ')]);
  // Installed modules are linked: installing is not starting.
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'));
  return { dir, repo };
}

/** Stops what `npm start` started: npm does not pass SIGTERM on, so the whole process group. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

interface StartTiming {
  totalMs: number;
  /** Milliseconds from spawn to each step's log line. */
  marks: Map<string, number>;
}

async function timeStart(repo: string): Promise<StartTiming> {
  const port = await freePort();
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), PORT: String(port), LOG_LEVEL: 'info' };
  const startedWall = Date.now();
  const started = performance.now();
  const child = spawn('npm', ['start'], { cwd: repo, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const marks = new Map<string, number>();
  let stderr = '';
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as { msg?: string; time?: string };
        if (entry.msg && entry.time && !marks.has(entry.msg)) marks.set(entry.msg, Date.parse(entry.time) - startedWall);
      } catch {
        // npm's banner
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}: ${stderr}`);
      if (performance.now() - started > 60_000) throw new Error(`not ready after 60 s: ${stderr}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) return { totalMs: performance.now() - started, marks };
      } catch {
        // not listening yet
      }
      await sleep(20);
    }
  } finally {
    await stopGroup(child);
  }
}

/**
 * The parts of the first step on their own, each in a fresh node process in
 * the copy: loading the service's modules through tsx, and opening PGlite on
 * an empty folder (initdb) and again on the folder it made.
 */
function timeParts(repo: string): { modulesMs: number; pgliteFreshMs: number; pgliteExistingMs: number } {
  const run = (code: string) => Number(execFileSync('node', ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: repo, encoding: 'utf8' }).trim().split('\n').pop());
  const modulesMs = run(`const t=performance.now(); await import('./src/runtime.ts'); await import('./src/app.ts'); console.log(performance.now()-t)`);
  const pglite = `const { PGlite } = await import('@electric-sql/pglite'); const t=performance.now(); const db = new PGlite('./var/parts-pglite'); await db.waitReady; console.log(performance.now()-t); await db.close()`;
  const pgliteFreshMs = run(pglite);
  const pgliteExistingMs = run(pglite);
  return { modulesMs, pgliteFreshMs, pgliteExistingMs };
}

function stepNote(t: StartTiming): string {
  let prev = 0;
  const parts: string[] = [];
  for (const [msg, label] of STEPS) {
    const at = t.marks.get(msg);
    if (at === undefined) continue;
    parts.push(`${label} ${((at - prev) / 1000).toFixed(2)} s`);
    prev = at;
  }
  parts.push(`to ready ${((t.totalMs - prev) / 1000).toFixed(2)} s`);
  return parts.join(' · ');
}

export const startupSection: BenchSection = {
  name: 'startup',
  async run(ctx) {
    const { dir, repo } = freshCopy();
    try {
      const first = await timeStart(repo);
      ctx.log(`startup: first start ${Math.round(first.totalMs)} ms (${stepNote(first)})`);
      const again = await timeStart(repo);
      ctx.log(`startup: restart ${Math.round(again.totalMs)} ms (${stepNote(again)})`);
      const parts = timeParts(repo);
      // Two shared cores: what else runs shows in every figure here.
      const load = `load average ${loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} cores`;
      ctx.log(`startup: parts ${JSON.stringify(parts)}, ${load}`);
      const rows: BenchRow[] = [
        {
          section: 'startup',
          metric: 'npm start → /readyz, fresh clone (empty embedded database, bundled snapshot)',
          value: first.totalMs,
          unit: 'ms',
          target: `< ${TARGET_MS} ms`,
          ok: first.totalMs < TARGET_MS,
          note: stepNote(first),
        },
        { section: 'startup', metric: 'npm start → /readyz, restart on that database', value: again.totalMs, unit: 'ms', target: `< ${TARGET_MS} ms`, ok: again.totalMs < TARGET_MS, note: stepNote(again) },
        { section: 'startup', metric: 'part: PGlite on an empty folder (initdb, first start only)', value: parts.pgliteFreshMs, unit: 'ms', note: load },
        { section: 'startup', metric: 'part: PGlite on an existing folder', value: parts.pgliteExistingMs, unit: 'ms' },
        { section: 'startup', metric: 'part: loading the service modules through tsx', value: parts.modulesMs, unit: 'ms' },
      ];
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
