/**
 * The lookup CLI (`npm run lookup`, scripts/lookup.ts) as a function of its arguments and
 * environment, so its tests run it in-process. It checks its input with the same rules as
 * `GET /v1/lookup`: what is a 400 there (an unreadable SBI code, KvK activity or postcode, or
 * no non-blank sbi/industry/kvk at all) is exit code 2 here with the field and the reason, on
 * stderr; an industry nobody can answer confidently is exit 1, like an unresolved lead.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config.js';
import { figureText, trendLine } from '../../src/enrich/card.js';
import { createEnricher } from '../../src/enrich/engine.js';
import { parsePostcode } from '../../src/enrich/postcode.js';
import type { Enrichment } from '../../src/enrich/result.js';
import { normaliseSbiCode, parseKvkSbi } from '../../src/enrich/sbi-code.js';
import { bundledTableVersions } from '../../src/enrich/service.js';
import { loadSbiList } from '../../src/enrich/sbi-list.js';
import { loadInputSystems } from '../../src/crm/mapping.js';

export interface LookupIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const USAGE = `usage: npm run lookup -- [--sbi CODE] [--industry TEXT] [--kvk JSON] [--employees N|RANGE] [--postcode "1234 AB"] [--json]
  e.g. npm run lookup -- --sbi 6201 --employees 12 --postcode "1011 AB"
       npm run lookup -- --industry "bakkerij" --employees 3`;

function readable(e: Enrichment): string {
  const lines: string[] = [];
  // At least one space after the label: `Problem employees` is longer than the column.
  const row = (label: string, value: string | null | undefined) => {
    if (value) lines.push(`${label.padEnd(15)} ${value}`);
  };
  row('Sector', e.cbs_sector ? `${e.cbs_sector.letter} ${e.cbs_sector.title}` : null);
  row('Division', e.cbs_division ? `${e.cbs_division.code} ${e.cbs_division.title}` : null);
  row('SBI code', e.cbs_sbi_code ? `${e.cbs_sbi_code} ${e.cbs_sbi_title} (${e.cbs_sbi_system === 'SBI2025' ? 'SBI 2025, ' : ''}${e.cbs_sbi_level})` : null);
  const old = e.cbs_sbi2008;
  row('SBI 2008', old?.equivalents.length ? old.equivalents.map((x) => `${x.code} ${x.title}`).join('; ').slice(0, 300) : null);
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

/** What `GET /v1/lookup` refuses with a 400, as `--field: reason` lines. */
function inputProblems(v: { sbi?: string; industry?: string; kvk?: string; postcode?: string }): string[] {
  const problems: string[] = [];
  const check = (flag: string, value: string | undefined, read: (s: string) => { ok: true } | { ok: false; reason: string }) => {
    if (value === undefined) return;
    const r = read(value);
    if (!r.ok) problems.push(`--${flag}: ${r.reason}`);
  };
  check('sbi', v.sbi, normaliseSbiCode);
  check('kvk', v.kvk, parseKvkSbi);
  check('postcode', v.postcode, parsePostcode);
  if (![v.sbi, v.industry, v.kvk].some((s) => s !== undefined && s.trim() !== '')) problems.push('give at least one of --sbi, --industry or --kvk (not blank)');
  return problems;
}

/** Runs the CLI; resolves to its exit code (0 answered, 1 unresolved, 2 bad input). */
export async function runLookup(argv: string[], env: Record<string, string | undefined>, io: LookupIo): Promise<number> {
  let values: { sbi?: string; industry?: string; kvk?: string; employees?: string; postcode?: string; json: boolean; help: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        sbi: { type: 'string' },
        industry: { type: 'string' },
        kvk: { type: 'string' },
        employees: { type: 'string' },
        postcode: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }) as { values: typeof values });
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (argv.length === 0) {
    io.err(USAGE);
    return 2;
  }
  const problems = inputProblems(values);
  if (problems.length) {
    io.err(problems.join('\n'));
    return 2;
  }
  const config = loadConfig({ ...env, DATABASE_URL: 'memory://' });
  const tables = await bundledTableVersions(config.cbs.tables);
  const inputSystems = loadInputSystems(config.crmMappingFile, config.sbiInputSystem);
  const enricher = createEnricher({ sbiList: loadSbiList(), tables, minConfidence: config.enrichMinConfidence, figures: config.cbs.figures, inputSystems });
  const enrichment = enricher.resolve({ sbi: values.sbi, industry: values.industry, kvkSbi: values.kvk, employees: values.employees, postcode: values.postcode });
  if (values.json) io.out(JSON.stringify({ enrichment, card: enricher.toCard(enrichment, new Date()) }, null, 2));
  else io.out(readable(enrichment));
  return enrichment.status === 'unresolved' ? 1 : 0;
}
