import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * One measured figure. Every section returns rows; the bench prints them as one
 * table and writes them as JSON, so README figures can be traced to a file.
 */
export interface BenchRow {
  section: string;
  metric: string;
  value: number;
  unit: string;
  /** The figure this one is compared with (a ceiling measured in the same run, or a target). */
  versus?: string;
  /** value ÷ the compared figure, when that ratio means something. */
  ratio?: number;
  /** The goal from the issue, as text (e.g. "≥ 0.8", "≤ 25 ms"). */
  target?: string;
  /** Whether the target was met; undefined when there is no target. */
  ok?: boolean;
  note?: string;
}

export interface BenchRun {
  startedAt: string;
  finishedAt: string;
  command: string;
  quick: boolean;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  rows: BenchRow[];
  /** Sections that could not run, with the reason (a missing dependency, an error). */
  failures: Array<{ section: string; error: string }>;
}

export function machineInfo(): BenchRun['machine'] {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** A plain-text table: one line per row, columns padded to the widest cell. */
export function formatTable(rows: BenchRow[]): string {
  const header = ['section', 'metric', 'value', 'unit', 'vs', 'ratio', 'target', 'ok'];
  const cells = rows.map((r) => [
    r.section,
    r.metric,
    formatNumber(r.value),
    r.unit,
    r.versus ?? '',
    r.ratio === undefined ? '' : r.ratio.toFixed(2),
    r.target ?? '',
    r.ok === undefined ? '' : r.ok ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i === 2 || i === 5 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Where every run is written: under var/, which git ignores, so a bench run never changes a tracked file. */
export const RUNS_DIR = 'var/bench';
/** Where a run is kept when asked (`--keep`): tracked, the files the docs' figures are filled from. */
export const KEPT_DIR = 'bench/results';

/**
 * Writes the run to var/bench/<timestamp>.json and var/bench/latest.json, and with `keep` also to
 * bench/results/<timestamp>.json (to be committed); returns the path of the kept or dated file.
 */
export function writeResults(run: BenchRun, options: { keep?: boolean; root?: string } = {}): string {
  const root = options.root ?? process.cwd();
  const stamp = run.startedAt.replace(/[:.]/g, '-');
  const name = `${stamp}${run.quick ? '-quick' : ''}.json`;
  const text = `${JSON.stringify(run, null, 2)}\n`;
  const runs = path.join(root, RUNS_DIR);
  mkdirSync(runs, { recursive: true });
  writeFileSync(path.join(runs, name), text);
  writeFileSync(path.join(runs, 'latest.json'), text);
  if (!options.keep) return path.join(runs, name);
  const kept = path.join(root, KEPT_DIR, name);
  mkdirSync(path.dirname(kept), { recursive: true });
  writeFileSync(kept, text);
  return kept;
}
