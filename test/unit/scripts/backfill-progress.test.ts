import { describe, expect, it } from 'vitest';
import { type Backfill, duration, progressLine } from '../../../scripts/backfill/progress.js';

/** The terminal progress bar of `npm run backfill`: done / total, rate, time left, state. */

function backfill(over: Partial<Omit<Backfill, 'progress'>> & { progress?: Partial<Backfill['progress']> } = {}): Backfill {
  const { progress, ...rest } = over;
  return {
    id: 3,
    state: 'listed',
    dryRun: false,
    source: 'hubspot',
    objectType: 'companies',
    listed: 2000,
    lastError: null,
    reportUrl: '/v1/backfills/3/report',
    csvUrl: '/v1/backfills/3/report.csv',
    ...rest,
    progress: { done: 0, total: 2000, ratePerSecond: 0, etaSeconds: null, finished: false, jobs: {}, ...progress },
  };
}

describe('backfill progress line', () => {
  it('fills the bar by done / total and shows rate and time left', () => {
    const line = progressLine(backfill({ progress: { done: 500, total: 2000, ratePerSecond: 33.44, etaSeconds: 44.6 } }), 20);
    expect(line).toBe('[#####---------------] 500/2000  33.4/s  ETA 45s  (listed)');
  });

  it('is full at done, and never overfills when more finished than were counted', () => {
    expect(progressLine(backfill({ progress: { done: 2000, total: 2000, ratePerSecond: 12, etaSeconds: 0, finished: true } }), 10)).toBe(
      '[##########] 2000/2000  12.0/s  ETA 0s  (listed)',
    );
    expect(progressLine(backfill({ progress: { done: 2004, total: 2000 } }), 10)).toMatch(/^\[##########\] 2004\/2000 /);
  });

  it('shows an unknown total (Pipedrive states none while listing) as question marks, with how many are listed', () => {
    const line = progressLine(backfill({ state: 'listing', listed: 300, progress: { done: 120, total: null, ratePerSecond: 4, etaSeconds: null } }), 8);
    expect(line).toBe('[????????] 120/?  4.0/s  ETA ?  (listing, 300 listed)');
  });

  it('writes the time left in seconds, minutes or hours', () => {
    expect(duration(null)).toBe('?');
    expect(duration(59.4)).toBe('59s');
    expect(duration(185)).toBe('3m05s');
    expect(duration(7620)).toBe('2h07m');
  });
});
