/**
 * `npm run lookup -- --sbi 62.01 --employees 12` (also `--industry "bakkerij"`,
 * `--kvk '<json>'`, `--json`): the enrichment for one company, from the bundled
 * CBS snapshot. Needs no network and no database, so it works on a fresh clone.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { figureText, trendLine } from '../src/enrich/card.js';
import { createEnricher } from '../src/enrich/engine.js';
import type { Enrichment } from '../src/enrich/result.js';
import { bundledTableVersions } from '../src/enrich/service.js';
import { loadSbiList } from '../src/enrich/sbi-list.js';

const USAGE = `usage: npm run lookup -- [--sbi CODE] [--industry TEXT] [--kvk JSON] [--employees N|RANGE] [--postcode "1234 AB"] [--json]
  e.g. npm run lookup -- --sbi 6201 --employees 12 --postcode "1011 AB"
       npm run lookup -- --industry "bakkerij" --employees 3`;

function readable(e: Enrichment): string {
  const lines: string[] = [];
  const row = (label: string, value: string | null | undefined) => {
    if (value) lines.push(`${label.padEnd(16)}${value}`);
  };
  row('Sector', e.cbs_sector ? `${e.cbs_sector.letter} ${e.cbs_sector.title}` : null);
  row('Division', e.cbs_division ? `${e.cbs_division.code} ${e.cbs_division.title}` : null);
  row('SBI code', e.cbs_sbi_code ? `${e.cbs_sbi_code} ${e.cbs_sbi_title} (${e.cbs_sbi_level})` : null);
  const m = e.cbs_match.sector;
  if (m) {
    const runner = m.runnerUp ? `; runner-up ${m.runnerUp.code} ${m.runnerUp.title} (${Math.round(m.runnerUp.confidence * 100)}%)` : '';
    row('Matched', `${m.method} "${m.normalised}", confidence ${Math.round(m.confidence * 100)}%${m.detail ? `, ${m.detail}` : ''}${runner}`);
  }
  const s = e.cbs_size_class;
  if (s) row('Size class', s.classes.length ? s.classes.map((c) => c.title).join(' | ') + (s.status === 'straddles' ? ' (straddles)' : '') : s.status);
  const cat = e.cbs_size_category;
  if (cat) row('EU size', `${cat.category ?? cat.categories.join('/')} (${cat.employees.text} employees)`);
  for (const market of e.markets) {
    const cell = market.segment ?? market.sector;
    lines.push(`${market.tableId}: ${market.title}`);
    row('  category', market.sbiCategory ? `${market.sbiCategory.title} (${market.sbiCategory.level}${market.sbiCategory.aggregate ? ', aggregate' : ''})` : 'none');
    if (cell) row('  figure', `${figureText(cell)}${cell.size ? `, ${cell.size.title}` : ''}${cell.count !== null ? ` = ${cell.count.toLocaleString('nl-NL')}` : ''}`);
    if (market.sector && market.sector !== cell) row('  sector total', figureText(market.sector));
    if (market.national) row('  national', figureText(market.national));
    row('  period', market.period ? `${market.period.title} (${market.period.key}${market.period.status ? `, ${market.period.status}` : ''})` : null);
    row('  modified', market.modified);
  }
  if (e.cbs_municipality) row('Municipality', `${e.cbs_municipality.name} (${e.cbs_municipality.code}, PC4 ${e.cbs_municipality.pc4})`);
  for (const f of e.figures) {
    const p = f.provenance;
    row(f.id, f.figure ? figureText(f.figure) : `${f.status}: ${f.reason}`);
    row('  from', [p.tableId, p.topic?.key, p.unit, p.period, p.modified ? `Modified ${p.modified}` : 'Modified unknown', p.source].filter(Boolean).join(' · '));
    if (p.covers) row('  covers', p.covers);
    const trend = trendLine({ id: f.id, tableId: f.tableId, sbiCode: f.figure?.sbi.code ?? null, trend: f.trend });
    if (f.trend) row('  trend', `${trend ?? f.trend.note ?? ''} [${f.trend.series.map((s) => `${s.period.title}${s.provisional ? '*' : ''}: ${s.value ?? '–'}`).join(', ')}]`);
  }
  for (const p of e.problems) row(`Problem ${p.field}`, p.reason);
  row('Status', `${e.status} (version ${e.version})`);
  lines.push(e.provenance.source);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sbi: { type: 'string' },
      industry: { type: 'string' },
      kvk: { type: 'string' },
      employees: { type: 'string' },
      postcode: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || (!values.sbi && !values.industry && !values.kvk)) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const config = loadConfig({ ...process.env, DATABASE_URL: 'memory://' });
  const tables = await bundledTableVersions(config.cbs.tables);
  const enricher = createEnricher({ sbiList: loadSbiList(), tables, minConfidence: config.enrichMinConfidence, figures: config.cbs.figures });
  const enrichment = enricher.resolve({ sbi: values.sbi, industry: values.industry, kvkSbi: values.kvk, employees: values.employees, postcode: values.postcode });
  if (values.json) console.log(JSON.stringify({ enrichment, card: enricher.toCard(enrichment, new Date()) }, null, 2));
  else console.log(readable(enrichment));
  if (enrichment.status === 'unresolved') process.exitCode = 1;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
