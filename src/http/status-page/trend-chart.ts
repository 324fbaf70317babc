import { shortPeriod } from '../../enrich/card.js';
import type { Trend } from '../../enrich/result.js';

/**
 * A figure's five-period series as a small bar chart: plain SVG text, built on
 * the server, no scripts, no fonts to load. A provisional period (voorlopig) is
 * drawn lighter with a dashed outline, as CBS marks it with `*`; a period without
 * a value gets a dash instead of a bar. Every text that came from CBS is escaped.
 * The status page shows it as an <img> (a data: URI), where an SVG runs nothing.
 */

export const CHART_WIDTH = 184;
export const CHART_HEIGHT = 64;

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** 50.9 → "50.9", 16575 → "16575": as the card writes the value (as CBS publishes it, no grouping). */
const valueText = (n: number) => String(Math.round(n * 10) / 10);

export function trendChartSvg(trend: Trend, title = ''): string {
  const points = trend.series.slice(-5);
  const top = 12;
  const bottom = CHART_HEIGHT - 14;
  const slot = CHART_WIDTH / Math.max(points.length, 1);
  const bar = Math.min(22, slot * 0.6);
  const max = Math.max(0, ...points.map((p) => p.value ?? 0));
  const parts: string[] = [];
  points.forEach((p, i) => {
    const cx = slot * i + slot / 2;
    const label = escapeXml(shortPeriod(p.period) + (p.provisional ? '*' : ''));
    parts.push(`<text x="${cx.toFixed(1)}" y="${CHART_HEIGHT - 3}" text-anchor="middle" font-size="9" fill="#555">${label}</text>`);
    if (p.value === null) {
      parts.push(`<text x="${cx.toFixed(1)}" y="${bottom - 2}" text-anchor="middle" font-size="9" fill="#999">–</text>`);
      return;
    }
    const h = max > 0 ? Math.max(1, ((bottom - top) * Math.max(p.value, 0)) / max) : 1;
    const x = (cx - bar / 2).toFixed(1);
    const y = (bottom - h).toFixed(1);
    const style = p.provisional ? 'fill="#a9c1dc" stroke="#3b6ea5" stroke-dasharray="2 1.5"' : 'fill="#3b6ea5"';
    parts.push(`<rect x="${x}" y="${y}" width="${bar.toFixed(1)}" height="${h.toFixed(1)}" ${style}/>`);
    if (i === points.length - 1) {
      parts.push(`<text x="${cx.toFixed(1)}" y="${(bottom - h - 2).toFixed(1)}" text-anchor="middle" font-size="9" fill="#222">${escapeXml(valueText(p.value))}</text>`);
    }
  });
  const label = escapeXml(title || `${trend.series.length} perioden`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" role="img" font-family="sans-serif">` +
    `<title>${label}</title>` +
    `<line x1="0" y1="${bottom + 0.5}" x2="${CHART_WIDTH}" y2="${bottom + 0.5}" stroke="#ccc"/>` +
    parts.join('') +
    `</svg>`
  );
}

/** The chart as an <img src>: a data: URI, so the page needs no raw HTML and the SVG runs nothing. */
export function trendChartDataUri(trend: Trend, title = ''): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(trendChartSvg(trend, title))}`;
}
