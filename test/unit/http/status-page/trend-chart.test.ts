import { describe, expect, it } from 'vitest';
import { percentText, shortPeriod, trendLine } from '../../../../src/enrich/card.js';
import { createEnricher } from '../../../../src/enrich/engine.js';
import type { Trend } from '../../../../src/enrich/result.js';
import { loadSbiList } from '../../../../src/enrich/sbi-list.js';
import { bundledTableVersions } from '../../../../src/enrich/service.js';
import { CHART_HEIGHT, CHART_WIDTH, trendChartDataUri, trendChartSvg } from '../../../../src/http/status-page/trend-chart.js';

/**
 * The five-period chart and the one-line trend, from real trends: the bundled
 * snapshot's jobs in SBI 62 × 10–50 (83583NED, 2015–2019, the last two provisional)
 * and business starts in COROP Utrecht (83631NED, all sectors, 2021–2025).
 */

let built: Promise<{ jobs: Trend; starts: Trend }> | undefined;
const trends = () => (built ??= build());

async function build(): Promise<{ jobs: Trend; starts: Trend }> {
  const enricher = createEnricher({ sbiList: loadSbiList(), tables: await bundledTableVersions(), minConfidence: 0.5 });
  const e = enricher.resolve({ sbi: '62.01', employees: 12, postcode: '3511AB' });
  const of = (id: string) => e.figures.find((f) => f.id === id)?.trend;
  const jobs = of('jobs');
  const starts = of('starts');
  if (!jobs || !starts) throw new Error(`no trend: ${JSON.stringify(e.figures)}`);
  return { jobs, starts };
}

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

describe('trendChartSvg', () => {
  it('draws one bar per period, provisional ones dashed, with period labels and the latest value', async () => {
    const { jobs } = await trends();
    const svg = trendChartSvg(jobs, 'banen in sector');
    expect(svg).toMatch(new RegExp(`^<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}"`));
    expect(count(svg, /<rect /g), svg).toBe(5);
    expect(count(svg, /stroke-dasharray/g), svg).toBe(2);
    for (const label of ['2015', '2016', '2017', '2018*', '2019*']) expect(svg).toContain(`>${label}</text>`);
    expect(svg).toContain('>50.9</text>');
    expect(svg).toContain('<title>banen in sector</title>');
    expect(svg).not.toMatch(/<script|on[a-z]+=/i);
  });

  it('draws taller bars for larger values', async () => {
    const { jobs } = await trends();
    const heights = [...trendChartSvg(jobs).matchAll(/<rect [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights).toEqual([...heights].sort((a, b) => a - b));
    expect(heights[0]).toBeLessThan(heights[4]);
  });

  it('marks a period without a value with a dash instead of a bar', async () => {
    const { starts } = await trends();
    const gap: Trend = { ...starts, series: starts.series.map((p, i) => (i === 1 ? { ...p, value: null } : p)) };
    const svg = trendChartSvg(gap);
    expect(count(svg, /<rect /g), svg).toBe(4);
    expect(svg).toContain('>–</text>');
  });

  it('escapes text that came from CBS', async () => {
    const { jobs } = await trends();
    const odd: Trend = { ...jobs, series: jobs.series.map((p) => ({ ...p, period: { ...p.period, key: 'x', title: '<b>&"' } })) };
    const svg = trendChartSvg(odd, '<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&#60;b&#62;&#38;&#34;');
  });

  it('is usable as an <img> source', async () => {
    const { jobs } = await trends();
    const uri = trendChartDataUri(jobs);
    expect(uri.startsWith('data:image/svg+xml;charset=utf-8,%3Csvg')).toBe(true);
    expect(decodeURIComponent(uri.slice(uri.indexOf(',') + 1))).toBe(trendChartSvg(jobs));
  });
});

describe('trendLine', () => {
  it('reads in a second: subject, change in percent, against when, which table, provisional', async () => {
    const { jobs, starts } = await trends();
    expect(trendLine({ id: 'jobs', tableId: '83583NED', sbiCode: '62', trend: jobs })).toBe('banen in sector: +6,3% t.o.v. 2018 (CBS 83583NED, voorlopig)');
    // 83631NED COROP Utrecht (CR17), all sectors: 18975 in 2024, 16575 in 2025*.
    expect(trendLine({ id: 'starts', tableId: '83631NED', sbiCode: 'A-U', trend: starts })).toBe(
      'oprichtingen in regio (alle sectoren): -12,6% t.o.v. 2024 (CBS 83631NED, voorlopig)',
    );
    expect(trendLine({ id: 'jobs', tableId: '83583NED', sbiCode: '62', trend: { ...jobs, previous: null, changePercent: null } })).toBeUndefined();
    expect(trendLine({ id: 'jobs', tableId: '83583NED', sbiCode: '62', trend: null })).toBeUndefined();
  });

  it('writes periods and percentages the Dutch way', () => {
    expect(shortPeriod({ key: '2025KW03', title: '2025 3e kwartaal' })).toBe('2025 K3');
    expect(shortPeriod({ key: '2026MM08', title: '2026 augustus' })).toBe('2026-08');
    expect(shortPeriod({ key: '2018JJ00', title: '2018 december' })).toBe('2018');
    expect(percentText(4.2)).toBe('+4,2%');
    expect(percentText(-12.6)).toBe('-12,6%');
    expect(percentText(0)).toBe('±0,0%');
  });
});
