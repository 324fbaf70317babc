import type { BenchRow } from './report.js';

/** What every bench section gets: how long to measure and where to log progress. */
export interface BenchContext {
  quick: boolean;
  /** Seconds of load per intake measurement. */
  loadSeconds: number;
  /** Concurrent connections for intake measurements (the issue fixes 50). */
  connections: number;
  log: (msg: string) => void;
}

export interface BenchSection {
  name: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}

export function ratioRow(row: Omit<BenchRow, 'ratio' | 'ok'>, base: number, min?: number): BenchRow {
  const ratio = base > 0 ? row.value / base : Number.NaN;
  return { ...row, ratio, ...(min === undefined ? {} : { ok: ratio >= min }) };
}
