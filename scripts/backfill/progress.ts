/** The progress bar of `npm run backfill` (scripts/backfill.ts): what `GET /v1/backfills/{id}` answers, as one line. */

export interface Backfill {
  id: number;
  state: string;
  dryRun: boolean;
  source: string;
  objectType: string;
  listed: number;
  lastError: string | null;
  progress: { done: number; total: number | null; ratePerSecond: number; etaSeconds: number | null; finished: boolean; jobs: Record<string, number> };
  reportUrl: string;
  csvUrl: string;
}

/** `42s`, `3m05s`, `2h07m`; `?` when there is no estimate yet. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line: `[#####-----] 1200/2000  33.4/s  ETA 24s  (listing)`. */
export function progressLine(b: Backfill, width = 30): string {
  const { done, total } = b.progress;
  const share = total ? Math.min(1, done / total) : 0;
  const filled = Math.round(share * width);
  const bar = total ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]` : `[${'?'.repeat(width)}]`;
  const state = b.state === 'listing' ? `listing, ${b.listed} listed` : b.state;
  return `${bar} ${done}/${total ?? '?'}  ${b.progress.ratePerSecond.toFixed(1)}/s  ETA ${duration(b.progress.etaSeconds)}  (${state})`;
}

