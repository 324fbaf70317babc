import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CellValue } from '../../../src/enrich/table-index.js';
import { isProvisional, trendOf } from '../../../src/enrich/trend.js';
import { REPO_FIXTURES_DIR } from '../../support/cbs-fixtures.js';

/**
 * trendOf over real CBS series: 83583NED jobs in SBI 62 (class 62.01's best
 * category) × 10–50 employees from the bundled snapshot (read from the
 * statline-bq fixture by hand: 2014 35.5 … 2019 50.9), and 82244NED
 * bankruptcies in SBI 49 per month (test/fixtures/cbs/82244NED, 2024-01 … 2026-08).
 */

const p = (key: string, title: string, status: string | null) => ({ key, title, status });
const jobs62: CellValue[] = [
  [2014, 35.5, 'Definitief'],
  [2015, 39.2, 'Definitief'],
  [2016, 42.4, 'Definitief'],
  [2017, 46.3, 'Definitief'],
  [2018, 47.9, 'NaderVoorlopig'],
  [2019, 50.9, 'Voorlopig'],
].map(([y, v, s]) => ({ value: v as number, period: p(`${y}JJ00`, `${y} december`, s as string) }));

const excerpt = JSON.parse(readFileSync(`${REPO_FIXTURES_DIR}82244NED/82244NED_sbi49.dashboard_data.excerpt.json`, 'utf8')) as {
  cbs_monthly: Record<string, { total: number }>;
};
const months: CellValue[] = Object.entries(excerpt.cbs_monthly).map(([ym, v]) => {
  const [y, m] = ym.split('-');
  // The excerpt carries no status; CBS revises the last two months (82244NED README), so they are marked provisional here.
  const provisional = ym >= '2026-07';
  return { value: v.total, period: p(`${y}MM${m}`, `${y} ${m}`, provisional ? 'Voorlopig' : 'Definitief') };
});
const sumMonths = (from: string, to: string) =>
  Object.entries(excerpt.cbs_monthly)
    .filter(([k]) => k >= from && k <= to)
    .reduce((s, [, v]) => s + v.total, 0);

describe('trendOf', () => {
  it('compares the latest year with the year before and says that a provisional period is involved', () => {
    const t = trendOf([...jobs62].reverse())!;
    expect(t, JSON.stringify(t)).toMatchObject({
      kind: 'year_on_year',
      current: { label: '2019 december', value: 50.9 },
      previous: { label: '2018 december', value: 47.9 },
      change: 3,
      changePercent: 6.3,
      provisional: true,
      note: 'voorlopig: 2018 december, 2019 december',
    });
    expect(t.series.map((s) => [s.period.key, s.value, s.provisional])).toEqual([
      ['2015JJ00', 39.2, false],
      ['2016JJ00', 42.4, false],
      ['2017JJ00', 46.3, false],
      ['2018JJ00', 47.9, true],
      ['2019JJ00', 50.9, true],
    ]);
  });

  it('is not provisional when both years are final', () => {
    const t = trendOf(jobs62.slice(0, 4))!;
    expect(t).toMatchObject({ current: { value: 46.3 }, previous: { value: 42.4 }, changePercent: 9.2, provisional: false, note: null });
  });

  it('reads a quarterly table against the same quarter a year earlier, not the quarter before', () => {
    // 81589NED businesses, A-U total (test/fixtures/cbs/81589NED/va-dashboard2_bedrijven_bedrijfstak.csv).
    const q = (key: string, value: number | null) => ({ value, period: p(key, key, 'Definitief') });
    const t = trendOf([q('2021KW03', 2001120), q('2021KW04', 2046055), q('2022KW03', 2118140), q('2022KW04', 2151195)])!;
    expect(t).toMatchObject({ current: { label: '2022KW04', value: 2151195 }, previous: { label: '2021KW04', value: 2046055 }, changePercent: 5.1 });
  });

  it('skips a latest period without a value and has no previous when a year earlier is missing', () => {
    const t = trendOf([...jobs62.slice(3, 5), { value: null, period: p('2020JJ00', '2020 december', 'Voorlopig') }])!;
    expect(t.current.value).toBe(47.9);
    expect(t.series.map((s) => s.period.key)).toEqual(['2017JJ00', '2018JJ00']);
    const gap = trendOf([jobs62[0], jobs62[2]])!;
    expect(gap).toMatchObject({ previous: null, changePercent: null, note: 'geen waarde een jaar eerder' });
  });

  it('gives no trend for a single period or no values', () => {
    expect(trendOf([jobs62[5]])).toBeNull();
    expect(trendOf([{ value: null, period: jobs62[5].period }])).toBeNull();
    expect(trendOf([])).toBeNull();
  });

  it('sums a monthly table over the last 12 months against the 12 before', () => {
    const t = trendOf(months)!;
    const now = sumMonths('2025-09', '2026-08');
    const before = sumMonths('2024-09', '2025-08');
    expect(t, JSON.stringify(t)).toMatchObject({
      kind: 'rolling_12_months',
      current: { from: { key: '2025MM09' }, to: { key: '2026MM08' }, value: now },
      previous: { from: { key: '2024MM09' }, to: { key: '2025MM08' }, value: before },
      change: now - before,
      changePercent: Math.round(((now - before) / before) * 1000) / 10,
      provisional: true,
      note: 'voorlopig: 2026 07, 2026 08',
    });
    expect(t.series.map((s) => s.period.key)).toEqual(['2026MM04', '2026MM05', '2026MM06', '2026MM07', '2026MM08']);
  });

  it('has no rolling change when a month is missing from either window', () => {
    const t = trendOf(months.filter((m) => m.period.key !== '2024MM12'))!;
    expect(t).toMatchObject({ previous: null, changePercent: null });
    expect(trendOf(months.filter((m) => m.period.key !== '2026MM01'))).toBeNull();
  });

  it('knows a provisional period by its status or by the * in its title', () => {
    expect(isProvisional(p('2025JJ00', '2025*', null))).toBe(true);
    expect(isProvisional(p('2025JJ00', '2025', 'NaderVoorlopig'))).toBe(true);
    expect(isProvisional(p('2024JJ00', '2024', 'Definitief'))).toBe(false);
    expect(isProvisional(p('2024JJ00', '2024', null))).toBe(false);
  });
});
