import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from '../lib/report.js';
import type { BenchContext, BenchSection } from '../lib/context.js';
import { sleep } from '../../test/support/harness/proc.js';
import { createPostgresDatabase, dropPostgresDatabase, TEST_POSTGRES_URL } from '../../test/support/db.js';
import { freePort } from '../../test/support/spawn-service.js';

/**
 * From `npm start` to `/readyz` ready, as a new user meets it: a copy of the
 * repository's files in a fresh folder (what a clone holds; node_modules
 * linked and dist/ built as `npm ci` builds it, untimed, since installing is
 * not starting), no environment beyond PORT, so the embedded database starts
 * empty and the bundled CBS snapshot is loaded into it. Measured twice: the
 * first start (the database is created) and a restart on it; then the same
 * on a fresh PostgreSQL database. The service's own log lines split the time
 * into steps. Ready means /readyz answers 200: the service takes and records
 * webhooks; it loads the CBS data and builds the enricher after that, and the
 * time until it enriches is reported beside. After each start, once it enriches
 * and has sat idle, the node process's resident memory (VmRSS) and its peak so far (VmHWM).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIRST_START_TARGET_MS = 3000;
const RESTART_TARGET_MS = 1500;
/** Restarts a full run times, reporting the median's (a quick run: one). */
const RESTARTS = 5;
const IDLE_RSS_TARGET_MIB = { pglite: 250, postgres: 150 };
/** How long the service sits idle before its resident memory is read. */
const IDLE_MS = 3000;

/** The log lines that end each step to ready, in order. */
const STEPS: Array<[string, string]> = [
  ['database ready', 'process, modules, embedded database, migrations'],
  ['listening', 'CRM, queue, HTTP server'],
];
/**
 * The service is ready (takes and records webhooks) before its CBS data is loaded; this line
 * says the enrichment runs too: the bundled snapshot loaded, the enricher built, the workers started.
 */
const ENRICHING = 'enrichment running: CBS data loaded, enricher built, workers started';
const DATA_LOADED = 'CBS data loaded';

/** What a clone holds: the repository's files without installed modules, build output, local databases or git. */
const NOT_IN_A_CLONE = ['./node_modules', './.git', './var', './data/pglite', './test-artifacts', './bench/results'];

function freshCopy(): { dir: string; repo: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'verrijk-startup-'));
  const repo = path.join(dir, 'repo');
  // tar, not git: the bench also runs in .ci/run's copy, which has no .git.
  execFileSync('bash', ['-c', 'set -euo pipefail; mkdir "$2"; tar -C "$1" $3 -cf - . | tar -C "$2" -xf -', 'copy', ROOT, repo, NOT_IN_A_CLONE.map((p) => `--exclude=${p}`).join(' ')]);
  // Installed modules are linked: installing is not starting.
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'));
  // What `npm ci` ends with (the prepare script): dist/ built, here only if the copied one is older than src/.
  execFileSync('node', ['scripts/start.mjs', '--build-only'], { cwd: repo, stdio: 'ignore' });
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
  /** From spawn to the service enriching (its ENRICHING line), in ms. */
  enrichingMs?: number;
  /** Milliseconds from spawn to each step's log line. */
  marks: Map<string, number>;
  /** What the service's own log says of the first step (src/index.ts, src/runtime.ts), in ms. */
  split?: { npmMs: number; modulesMs: number; openMs: number; migrationsMs: number };
  /** The service process's VmRSS after IDLE_MS idle, and its VmHWM then, in MiB. */
  idleRssMiB?: number;
  peakRssMiB?: number;
}

/** The node process `npm start` ended up running (npm → sh → node scripts/start.mjs), not the shell between. */
function servicePid(root: number): number | undefined {
  const children = (pid: number): number[] => {
    try {
      return readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      return [];
    }
  };
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (path.basename(argv[0]) === 'node' && argv.includes('scripts/start.mjs')) return pid;
    } catch {
      continue;
    }
    queue.push(...children(pid));
  }
  return undefined;
}

function memoryMiB(pid: number | undefined): { idleRssMiB?: number; peakRssMiB?: number } {
  if (pid === undefined) return {};
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024;
    return { idleRssMiB: kb('VmRSS'), peakRssMiB: kb('VmHWM') };
  } catch {
    return {};
  }
}

async function timeStart(repo: string, extraEnv: Record<string, string> = {}): Promise<StartTiming> {
  const port = await freePort();
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), PORT: String(port), LOG_LEVEL: 'info', ...extraEnv };
  const startedWall = Date.now();
  const started = performance.now();
  const child = spawn('npm', ['start'], { cwd: repo, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const marks = new Map<string, number>();
  const fields = new Map<string, Record<string, unknown>>();
  let stderr = '';
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as { msg?: string; time?: string } & Record<string, unknown>;
        if (entry.msg && entry.time && !marks.has(entry.msg)) {
          marks.set(entry.msg, Date.parse(entry.time) - startedWall);
          fields.set(entry.msg, entry);
        }
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
        if (res.status === 200) {
          const totalMs = performance.now() - started;
          while (!marks.has(ENRICHING)) {
            if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode} before enriching: ${stderr}`);
            if (performance.now() - started > 120_000) throw new Error(`not enriching after 120 s: ${stderr}`);
            await sleep(50);
          }
          await sleep(IDLE_MS);
          return { totalMs, enrichingMs: marks.get(ENRICHING), marks, split: firstStepSplit(marks, fields), ...memoryMiB(servicePid(child.pid!)) };
        }
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
 * the copy: loading the service's compiled modules, and opening PGlite on an
 * empty folder (initdb) and again on the folder it made, with the resident
 * memory PGlite adds to a bare node process (its floor under the service).
 */
function timeParts(repo: string): { modulesMs: number; modulesRssMiB: number; tsxModulesMs: number; tsxModulesRssMiB: number; pgliteFreshMs: number; pgliteExistingMs: number; pgliteBaseMs: number; pgliteRssMiB: number } {
  const run = (code: string, tsx = false) =>
    execFileSync('node', [...(tsx ? ['--import', 'tsx'] : []), '--input-type=module', '-e', code], { cwd: repo, encoding: 'utf8' }).trim().split('\n').pop()!.split(' ').map(Number);
  // Side by side: the compiled modules npm start loads now, and the sources through tsx as it loaded them before.
  const load = (runtime: string, app: string) => `const t=performance.now(); await import('${runtime}'); await import('${app}'); console.log(performance.now()-t, process.memoryUsage().rss/1048576)`;
  const [modulesMs, modulesRssMiB] = run(load('./dist/runtime.js', './dist/app.js'));
  const [tsxModulesMs, tsxModulesRssMiB] = run(load('./src/runtime.ts', './src/app.ts'), true);
  const pglite = `const { PGlite } = await import('@electric-sql/pglite'); const r0=process.memoryUsage().rss; const t=performance.now(); const db = new PGlite('./var/parts-pglite'); await db.waitReady; const ms=performance.now()-t; await db.query('select 1'); console.log(ms, (process.memoryUsage().rss-r0)/1048576); await db.close()`;
  const [pgliteFreshMs] = run(pglite);
  const [pgliteExistingMs, pgliteRssMiB] = run(pglite);
  // What a first start does now: the migrated base the build made copied into the empty folder, then opened (src/db/pglite-base.ts).
  const fromBase = `const { PGlite } = await import('@electric-sql/pglite'); const { copyPgliteBase, defaultPgliteBase } = await import('./dist/db/pglite-base.js'); const t=performance.now(); copyPgliteBase(defaultPgliteBase(), './var/parts-base'); const db = new PGlite('./var/parts-base'); await db.waitReady; console.log(performance.now()-t); await db.close()`;
  const [pgliteBaseMs] = run(fromBase);
  return { modulesMs, modulesRssMiB, tsxModulesMs, tsxModulesRssMiB, pgliteFreshMs, pgliteExistingMs, pgliteBaseMs, pgliteRssMiB };
}

/**
 * The first step split by the service's own log: `listening` says when, since its node process
 * started, the modules were loaded and it listened (so the rest of the time since spawn is npm and
 * the process start), `database ready` how long opening the database and the migrations took.
 */
function firstStepSplit(marks: Map<string, number>, fields: Map<string, Record<string, unknown>>): StartTiming['split'] {
  const since = fields.get('listening')?.sinceProcessStartMs as { modulesLoaded?: number; listening?: number } | undefined;
  const ready = fields.get('database ready') as { openMs?: number; migrationsMs?: number } | undefined;
  const listeningAt = marks.get('listening');
  if (since?.modulesLoaded === undefined || since.listening === undefined || listeningAt === undefined || ready?.openMs === undefined || ready.migrationsMs === undefined) return undefined;
  return { npmMs: listeningAt - since.listening, modulesMs: since.modulesLoaded, openMs: ready.openMs, migrationsMs: ready.migrationsMs };
}

function stepNote(t: StartTiming): string {
  let prev = 0;
  const parts: string[] = [];
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  for (const [msg, label] of STEPS) {
    const at = t.marks.get(msg);
    if (at === undefined) continue;
    const split = msg === 'database ready' && t.split ? ` (npm ${s(t.split.npmMs)}, node and modules ${s(t.split.modulesMs)}, database open ${s(t.split.openMs)}, migrations ${s(t.split.migrationsMs)})` : '';
    parts.push(`${label} ${s(at - prev)}${split}`);
    prev = at;
  }
  parts.push(`to ready ${((t.totalMs - prev) / 1000).toFixed(2)} s`);
  return parts.join(' · ');
}

/** After ready: loading the CBS data, then building the enricher and starting the workers. */
function enrichNote(t: StartTiming): string {
  const loaded = t.marks.get(DATA_LOADED);
  if (loaded === undefined || t.enrichingMs === undefined) return '';
  return `CBS data loaded ${(loaded / 1000).toFixed(2)} s after spawn · enricher built and workers started ${((t.enrichingMs - loaded) / 1000).toFixed(2)} s later`;
}

function startRows(flavour: 'PGlite' | 'PostgreSQL', first: StartTiming, again: StartTiming, restartsMs: number[]): BenchRow[] {
  const label = flavour === 'PGlite' ? 'fresh clone (empty embedded database, bundled snapshot)' : 'fresh PostgreSQL database (bundled snapshot)';
  const target = IDLE_RSS_TARGET_MIB[flavour === 'PGlite' ? 'pglite' : 'postgres'];
  const rows: BenchRow[] = [
    { section: 'startup', metric: `npm start → /readyz, ${label}`, value: first.totalMs, unit: 'ms', target: `< ${FIRST_START_TARGET_MS} ms`, ok: first.totalMs < FIRST_START_TARGET_MS, note: stepNote(first) },
    {
      section: 'startup',
      metric: `npm start → /readyz, restart on that ${flavour} database`,
      value: again.totalMs,
      unit: 'ms',
      target: `< ${RESTART_TARGET_MS} ms`,
      ok: again.totalMs < RESTART_TARGET_MS,
      note: `${restartsMs.length > 1 ? `median of ${restartsMs.length} restarts (${restartsMs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s); that one: ` : ''}${stepNote(again)}`,
    },
  ];
  for (const [what, t] of [[label, first], [`restart on that ${flavour} database`, again]] as const) {
    if (t.enrichingMs !== undefined) rows.push({ section: 'startup', metric: `npm start → enriching (webhooks taken before), ${what}`, value: t.enrichingMs, unit: 'ms', note: enrichNote(t) });
  }
  if (again.idleRssMiB !== undefined) {
    rows.push({ section: 'startup', metric: `idle RSS after restart, ${flavour}`, value: again.idleRssMiB, unit: 'MiB', target: `≤ ${target} MiB`, ok: again.idleRssMiB <= target, note: `VmRSS ${IDLE_MS / 1000} s after it enriches` });
  }
  const peak = Math.max(first.peakRssMiB ?? 0, again.peakRssMiB ?? 0);
  if (peak > 0) rows.push({ section: 'startup', metric: `peak RSS through start, ${flavour}`, value: peak, unit: 'MiB', note: 'VmHWM, first start or restart' });
  return rows;
}

/**
 * Restarts in a row, the one of median time to ready (with every total, oldest first): a restart on
 * PGlite moved 1.5-2.6 s from run to run on a machine at rest (docs/performance.md), so one run says
 * little against a target. A quick run restarts once.
 */
async function medianRestart(ctx: BenchContext, repo: string, extraEnv: Record<string, string> = {}): Promise<{ median: StartTiming; totalsMs: number[] }> {
  const runs: StartTiming[] = [];
  for (let i = 0; i < (ctx.quick ? 1 : RESTARTS); i++) runs.push(await timeStart(repo, extraEnv));
  const sorted = [...runs].sort((a, b) => a.totalMs - b.totalMs);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  // The peak is the highest any restart reached, not the median run's.
  const peaks = runs.map((r) => r.peakRssMiB ?? 0);
  return { median: { ...median, peakRssMiB: Math.max(...peaks) || undefined }, totalsMs: runs.map((r) => r.totalMs) };
}

/** First start and restart on a fresh PostgreSQL database, when the bench has one. */
async function postgresStarts(ctx: BenchContext, repo: string): Promise<BenchRow[]> {
  if (!TEST_POSTGRES_URL) return [];
  const url = await createPostgresDatabase();
  try {
    const first = await timeStart(repo, { DATABASE_URL: url });
    ctx.log(`startup: PostgreSQL first start ${Math.round(first.totalMs)} ms (${stepNote(first)}), RSS ${first.idleRssMiB?.toFixed(0)} MiB`);
    const { median: again, totalsMs } = await medianRestart(ctx, repo, { DATABASE_URL: url });
    ctx.log(`startup: PostgreSQL restart ${Math.round(again.totalMs)} ms (${stepNote(again)}), RSS ${again.idleRssMiB?.toFixed(0)} MiB; restarts ${totalsMs.map(Math.round).join(', ')} ms`);
    return startRows('PostgreSQL', first, again, totalsMs);
  } finally {
    await dropPostgresDatabase(url);
  }
}

export const startupSection: BenchSection = {
  name: 'startup',
  async run(ctx) {
    const { dir, repo } = freshCopy();
    try {
      const first = await timeStart(repo);
      ctx.log(`startup: first start ${Math.round(first.totalMs)} ms (${stepNote(first)}), RSS ${first.idleRssMiB?.toFixed(0)} MiB`);
      const { median: again, totalsMs } = await medianRestart(ctx, repo);
      ctx.log(`startup: restart ${Math.round(again.totalMs)} ms (${stepNote(again)}), RSS ${again.idleRssMiB?.toFixed(0)} MiB; restarts ${totalsMs.map(Math.round).join(', ')} ms`);
      const pgRows = await postgresStarts(ctx, repo);
      const parts = timeParts(repo);
      // Two shared cores: what else runs shows in every figure here.
      const load = `load average ${loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} cores`;
      ctx.log(`startup: parts ${JSON.stringify(parts)}, ${load}`);
      return [
        ...startRows('PGlite', first, again, totalsMs),
        ...pgRows,
        { section: 'startup', metric: 'part: PGlite on an empty folder with initdb (what a first start did before the packed base)', value: parts.pgliteFreshMs, unit: 'ms', note: load },
        { section: 'startup', metric: 'part: PGlite on an empty folder from the migrated base (a first start now: copied, then opened)', value: parts.pgliteBaseMs, unit: 'ms', versus: 'initdb', ratio: parts.pgliteBaseMs / parts.pgliteFreshMs },
        { section: 'startup', metric: 'part: PGlite on an existing folder', value: parts.pgliteExistingMs, unit: 'ms' },
        { section: 'startup', metric: 'part: resident memory PGlite adds to a bare node process (its floor)', value: parts.pgliteRssMiB, unit: 'MiB', note: 'PGlite 0.3.15 fixes shared_buffers at 128 MB' },
        { section: 'startup', metric: 'part: loading the service modules (compiled, dist/)', value: parts.modulesMs, unit: 'ms', versus: 'through tsx', ratio: parts.modulesMs / parts.tsxModulesMs },
        { section: 'startup', metric: 'part: loading the service modules from src/ through tsx (how npm start ran before)', value: parts.tsxModulesMs, unit: 'ms' },
        { section: 'startup', metric: 'part: resident memory after loading the modules, compiled', value: parts.modulesRssMiB, unit: 'MiB', versus: 'through tsx', ratio: parts.modulesRssMiB / parts.tsxModulesRssMiB },
        { section: 'startup', metric: 'part: resident memory after loading the modules, through tsx', value: parts.tsxModulesRssMiB, unit: 'MiB' },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
