import { KINDS, PHRASE_KINDS } from './cases.js';
import type { CalibrationRow, KindFigures, Outcome, SplitFigures } from './score.js';

/** The compact tables `npm run eval` prints: the current figures beside the baseline's. */

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(2));

function pair(now: number | null, base: number | null | undefined, hasBase: boolean): string {
  return hasBase ? `${pct(now).padStart(6)} ${pct(base).padStart(6)}` : pct(now).padStart(6);
}

export function figuresTable(now: SplitFigures, base: SplitFigures | undefined, title: string): string {
  const has = base !== undefined;
  const w = has ? 13 : 6;
  const head = (label: string) => label.padStart(w);
  const lines = [
    title,
    `${'kind'.padEnd(19)}${'n'.padStart(5)}  ${head('top-1')}  ${head('precision')}  ${head('answered')}`,
  ];
  if (has) lines.push(`${''.padEnd(26)}${['now   base', 'now   base', 'now   base'].map((s) => s.padStart(w)).join('  ')}`);
  const row = (name: string, f: KindFigures, b: KindFigures | undefined) =>
    `${name.padEnd(19)}${String(f.n).padStart(5)}  ${pair(f.top1, b?.top1, has)}  ${pair(f.precision, b?.precision, has)}  ${pair(f.answered, b?.answered, has)}`;
  for (const k of KINDS) lines.push(row(k, now.kinds[k], base?.kinds[k]));
  lines.push(row('overall', now.overall, base?.overall));
  lines.push('top-1 = sector right (must_refuse: refused; employees: employee field read right); precision = right among answers.');
  return lines.join('\n');
}

export function calibrationTable(now: CalibrationRow[], base: CalibrationRow[] | undefined, title: string): string {
  const lines = [title, `${'confidence'.padEnd(11)}${'n'.padStart(5)}  ${'mean'.padStart(5)}  ${'right'.padStart(6)}${base ? `   | base n   mean  right` : ''}`];
  now.forEach((r, i) => {
    const b = base?.[i];
    lines.push(
      `${r.bucket.padEnd(11)}${String(r.n).padStart(5)}  ${num(r.meanConfidence).padStart(5)}  ${pct(r.accuracy).padStart(6)}` +
        (b ? `   | ${String(b.n).padStart(6)}  ${num(b.meanConfidence).padStart(5)}  ${pct(b.accuracy).padStart(6)}` : ''),
    );
  });
  lines.push('confidence = the answer\'s, else the refusal\'s best guess; right = that code is right (must_refuse: never).');
  return lines.join('\n');
}

export function failuresList(outcomes: Outcome[]): string {
  const failed = outcomes.filter((o) => !o.right);
  const lines = [`${failed.length} failing tune cases:`];
  for (const o of failed) {
    const input = Object.entries(o.c.input).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    const e = o.c.expect;
    const want = e.refuse ? 'refuse' : e.sbi2025 ? `SBI 2025 ${e.sbi2025.code}` : e.sbi ? e.sbi.join('|') : JSON.stringify(e.employees);
    const conf = o.confidence === null ? '' : ` conf ${o.confidence.toFixed(2)}`;
    lines.push(`${o.c.id.padEnd(24)} ${input}  want ${want}; ${o.why}${conf}`);
  }
  return lines.join('\n');
}

/** The phrase kinds by language, beside the baseline's when it has them. */
export function languageTable(now: SplitFigures, base: SplitFigures | undefined, title: string): string {
  const has = base?.byLanguage !== undefined;
  const w = has ? 13 : 6;
  const lines = [title, `${'kind'.padEnd(20)}${'n'.padStart(5)}  ${'top-1'.padStart(w)}  ${'precision'.padStart(w)}  ${'answered'.padStart(w)}`];
  for (const k of PHRASE_KINDS) {
    for (const l of ['nl', 'en'] as const) {
      const f = now.byLanguage?.[k][l];
      if (!f) continue;
      const b = base?.byLanguage?.[k][l];
      lines.push(`${`${k} ${l}`.padEnd(20)}${String(f.n).padStart(5)}  ${pair(f.top1, b?.top1, has)}  ${pair(f.precision, b?.precision, has)}  ${pair(f.answered, b?.answered, has)}`);
    }
  }
  return lines.join('\n');
}
