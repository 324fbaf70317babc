import type { CellValue, PeriodInfo } from './table-index.js';
import type { Trend, TrendPoint } from './result.js';

/**
 * A figure's trend from its cell's history (one value per period of the table):
 * - yearly and quarterly tables: the latest period with a value against the same
 *   period a year earlier (2019 against 2018, 2026 Q3 against 2025 Q3);
 * - monthly tables (82244NED bankruptcies): the sum of the last 12 months against
 *   the 12 before, because a single month of a small sector is noise and the last
 *   months are provisional;
 * plus the last five periods of the same frequency as a series for the chart.
 * A change that involves a period CBS has not made final says so (`provisional`).
 * Pure: no I/O, no rounding of CBS values beyond the percentage.
 */

type Frequency = 'JJ' | 'KW' | 'MM';

const KEY = /^(\d{4})(JJ|KW|MM)(\d{2})$/;

function parseKey(key: string): { year: number; freq: Frequency; sub: number } | undefined {
  const m = KEY.exec(key.trim());
  return m ? { year: Number(m[1]), freq: m[2] as Frequency, sub: Number(m[3]) } : undefined;
}

const keyOf = (year: number, freq: Frequency, sub: number) => `${year}${freq}${String(sub).padStart(2, '0')}`;

/** CBS marks a period final with status `Definitief`; `Voorlopig`/`NaderVoorlopig` (or a title ending in `*`) is provisional. */
export function isProvisional(period: PeriodInfo): boolean {
  if (period.title.trim().endsWith('*')) return true;
  return period.status !== null && !/^definitief$/i.test(period.status.trim());
}

const point = (c: CellValue): TrendPoint => ({ period: c.period, value: c.value, provisional: isProvisional(c.period) });

const percent = (now: number, before: number): number | null => (before === 0 ? null : Math.round(((now - before) / before) * 1000) / 10);

/**
 * The trend of one cell, or null when the history holds no comparable period.
 * `history` is every period of the table for this cell (any order); undefined values (no row) are left out by the caller.
 */
export function trendOf(history: CellValue[]): Trend | null {
  const known = history
    .filter((c) => parseKey(c.period.key) !== undefined)
    .sort((a, b) => (a.period.key < b.period.key ? -1 : a.period.key > b.period.key ? 1 : 0));
  const latest = [...known].reverse().find((c) => c.value !== null);
  if (!latest) return null;
  const at = parseKey(latest.period.key)!;
  const sameFreq = known.filter((c) => parseKey(c.period.key)!.freq === at.freq);
  const byKey = new Map(sameFreq.map((c) => [c.period.key.trim(), c]));
  const upTo = sameFreq.filter((c) => c.period.key <= latest.period.key);
  const series = upTo.slice(-5).map(point);

  if (at.freq === 'MM') return rolling12(upTo, series);

  const previous = byKey.get(keyOf(at.year - 1, at.freq, at.sub));
  const base = {
    kind: 'year_on_year' as const,
    current: { label: latest.period.title, from: latest.period, to: latest.period, value: latest.value! },
    series,
  };
  // One period only (a snapshot of a single quarter): no history, so no trend to show.
  if (series.length < 2) return null;
  if (!previous || previous.value === null) {
    return { ...base, previous: null, change: null, changePercent: null, provisional: isProvisional(latest.period), note: `geen waarde een jaar eerder` };
  }
  const provisionalPeriods = [previous, latest].filter((c) => isProvisional(c.period)).map((c) => c.period.title);
  return {
    ...base,
    previous: { label: previous.period.title, from: previous.period, to: previous.period, value: previous.value },
    change: round(latest.value! - previous.value),
    changePercent: percent(latest.value!, previous.value),
    provisional: provisionalPeriods.length > 0,
    note: provisionalPeriods.length ? `voorlopig: ${provisionalPeriods.join(', ')}` : null,
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** The last 12 months with a value against the 12 before; both windows must be complete (24 consecutive months). */
function rolling12(months: CellValue[], series: TrendPoint[]): Trend | null {
  const withValue = months.filter((c) => c.value !== null);
  const last = withValue.at(-1);
  if (!last) return null;
  const end = parseKey(last.period.key)!;
  const window = (offset: number): CellValue[] | undefined => {
    const out: CellValue[] = [];
    for (let i = offset + 11; i >= offset; i--) {
      const index = end.year * 12 + (end.sub - 1) - i;
      const key = keyOf(Math.floor(index / 12), 'MM', (index % 12) + 1);
      const c = months.find((m) => m.period.key.trim() === key);
      if (!c || c.value === null) return undefined;
      out.push(c);
    }
    return out;
  };
  const now = window(0);
  if (!now) return null;
  const sum = (cs: CellValue[]) => round(cs.reduce((s, c) => s + (c.value ?? 0), 0));
  const span = (cs: CellValue[], value: number) => ({ label: `${cs[0].period.title} – ${cs.at(-1)!.period.title}`, from: cs[0].period, to: cs.at(-1)!.period, value });
  const current = span(now, sum(now));
  const before = window(12);
  const provisional = [...now, ...(before ?? [])].filter((c) => isProvisional(c.period)).map((c) => c.period.title);
  const base = { kind: 'rolling_12_months' as const, current, series, provisional: provisional.length > 0 };
  const note = provisional.length ? `voorlopig: ${provisional.join(', ')}` : null;
  if (!before) return { ...base, previous: null, change: null, changePercent: null, note: note ?? 'geen 12 maanden ervoor' };
  const previous = span(before, sum(before));
  return { ...base, previous, change: round(current.value - previous.value), changePercent: percent(current.value, previous.value), note };
}
