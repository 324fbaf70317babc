import { CBS_SOURCE_LINE } from '../cbs/model.js';
import type { ConfiguredFigure, Enrichment, Figure, Trend } from './result.js';
import type { LeadCard } from './types.js';

/**
 * The lead card: short, readable strings for each CARD_FIELDS entry (CRM text
 * fields). Dutch where CBS is Dutch, with the English EU size term alongside.
 * A field the enrichment has no value for is left out, so it is not written.
 */

const CATEGORY_NL: Record<string, string> = { micro: 'micro', small: 'klein', medium: 'middelgroot', large: 'groot' };

/** 50.9 → "50.9", 8560.5 → "8560.5": as CBS publishes it, no locale grouping that a CRM might misread. */
const num = (n: number) => String(n);

export function figureText(f: Figure): string {
  const where = `${f.tableId}, ${f.period?.title ?? 'onbekende periode'}`;
  const unit = f.unit && f.unit.toLowerCase() !== 'aantal' ? `${f.unit} ` : '';
  if (f.value === null) {
    const last = f.lastKnown ? `; laatst ${num(f.lastKnown.value)} ${unit}in ${f.lastKnown.period.title}` : '';
    return `onbekend (${where}${last})`;
  }
  // Say which category (and "all sizes") the figure is for whenever it is broader than the lead's own segment.
  const scope = `${f.sbi.code}${f.size && /^totaal/i.test(f.size.title) ? ', alle groottes' : ''}${f.region ? `, ${f.region.title}` : ''}`;
  return `${num(f.value)} ${unit}${f.noun} in ${scope} (${where})`;
}

/** What each figure counts, as a sales person says it (Dutch, like the CBS titles). */
const TREND_SUBJECT: Record<ConfiguredFigure['id'], string> = {
  jobs: 'banen in sector',
  businesses: 'bedrijven in segment',
  establishments: 'vestigingen in gemeente',
  starts: 'oprichtingen in regio',
  closures: 'opheffingen in regio',
  bankruptcies: 'faillissementen in sector, 12 mnd',
};

/** `2018JJ00` → 2018, `2025KW03` → 2025 K3, `2026MM08` → 2026-08; anything else: the CBS title. */
export function shortPeriod(p: { key: string; title: string }): string {
  const m = /^(\d{4})(JJ|KW|MM)(\d{2})$/.exec(p.key.trim());
  if (!m) return p.title;
  if (m[2] === 'JJ') return m[1];
  return m[2] === 'KW' ? `${m[1]} K${Number(m[3])}` : `${m[1]}-${m[3]}`;
}

/** +4.2 → "+4,2%" (Dutch decimal comma; the sign always shown so growth and decline read at a glance). */
export function percentText(n: number): string {
  const sign = n > 0 ? '+' : n < 0 ? '-' : '±';
  return `${sign}${Math.abs(n).toFixed(1).replace('.', ',')}%`;
}

/**
 * One line a sales person reads in a second: "banen in sector: +6,3% t.o.v. 2018 (CBS 83583NED, voorlopig)".
 * A figure from a broader category than the lead's (an excerpt of all sectors) names it; no comparable period, no line.
 */
export function trendLine(f: { id: string; tableId: string; sbiCode: string | null; trend: Trend | null }): string | undefined {
  const t = f.trend;
  if (!t || t.changePercent === null || !t.previous) return undefined;
  const than = t.kind === 'rolling_12_months' ? '12 mnd ervoor' : shortPeriod(t.previous.to);
  const broader = f.sbiCode === 'A-U' ? ' (alle sectoren)' : '';
  const subject = TREND_SUBJECT[f.id as ConfiguredFigure['id']] ?? f.id;
  return `${subject}${broader}: ${percentText(t.changePercent)} t.o.v. ${than} (CBS ${f.tableId}${t.provisional ? ', voorlopig' : ''})`;
}

const figureTrendLine = (f: ConfiguredFigure) => trendLine({ id: f.id, tableId: f.tableId, sbiCode: f.figure?.sbi.code ?? null, trend: f.trend });

function sizeClassText(e: Enrichment): string | undefined {
  const s = e.cbs_size_class;
  if (!s || s.classes.length === 0) return undefined;
  if (s.status === 'straddles') return `${s.classes.map((c) => c.title).join(' of ')} (${e.cbs_size_category?.employees.text ?? 'bereik'})`;
  return s.classes[0].title;
}

function matchText(e: Enrichment): string | undefined {
  const m = e.cbs_match.sector;
  if (!m) return undefined;
  const pct = `${Math.round(m.confidence * 100)}%`;
  const how = { sbi: 'SBI-code', kvk: 'KvK hoofdactiviteit', industry: 'branche' }[m.method];
  const level = e.cbs_sbi_level ? `, ${e.cbs_sbi_level}` : '';
  const exact = m.exact ? '' : ', via hoger niveau';
  // Which list the code was read in, and the list of the answer, so nobody compares letters across lists.
  const read = m.read && m.read.rule !== 'matcher' ? ` (${m.read.system === 'SBI2008' ? 'SBI 2008' : 'SBI 2025'})` : '';
  const system = e.cbs_sbi_system === 'SBI2025' ? 'SBI 2025 ' : '';
  return `${how} "${m.normalised.slice(0, 40)}"${read} → ${system}${codeText(e)}${level}${exact} (${pct})`;
}

const MAX_SECTOR = 100;

/**
 * SBI 2025 writes section titles in capitals and up to 170 characters long ("TELECOMMUNICATIE,
 * COMPUTERPROGRAMMERING EN …"): on a card they read in sentence case, cut at a word before 100.
 */
function sectorTitle(title: string): string {
  const text = title === title.toUpperCase() ? title.charAt(0) + title.slice(1).toLowerCase() : title;
  if (text.length <= MAX_SECTOR) return text;
  const cut = text.slice(0, MAX_SECTOR - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 40)).replace(/[ ,;]+$/, '')} …`;
}

/** SBI 2025 codes as the register writes them (`62100`, `6210`); SBI 2008 codes (results stored before) as they were. */
function codeText(e: Enrichment): string | undefined {
  if (!e.cbs_sbi_code) return undefined;
  if (e.cbs_sbi_system !== 'SBI2025') return e.cbs_sbi_code;
  return e.cbs_sbi_code.replace(/\./g, '');
}

/** The SBI 2008 equivalent(s), for the CBS tables still on SBI 2008: `62.01 Ontwikkelen, …`, or the codes when several. */
function sbi2008Text(e: Enrichment): string | undefined {
  const s = e.cbs_sbi2008;
  if (!s || s.equivalents.length === 0) return undefined;
  if (s.equivalents.length === 1) return `${s.equivalents[0].code} ${s.equivalents[0].title}`;
  const codes = s.equivalents.slice(0, 12).map((x) => x.code);
  return `${codes.join(', ')}${s.equivalents.length > 12 ? ', …' : ''}${s.code ? ` (samen ${s.code} ${s.title ?? ''})`.trimEnd() : ''}`;
}

export function enrichmentCard(e: Enrichment, enrichedAt: Date): LeadCard {
  const card: LeadCard = {};
  const code = codeText(e);
  if (code) card.cbs_sbi_code = code;
  if (e.cbs_sbi_title) card.cbs_sbi_title = e.cbs_sbi_title;
  if (e.cbs_sector) card.cbs_sector = `${e.cbs_sector.letter} ${sectorTitle(e.cbs_sector.title)}`;
  const sbi2008 = sbi2008Text(e);
  if (sbi2008) card.cbs_sbi2008 = sbi2008;
  const size = sizeClassText(e);
  if (size) card.cbs_size_class = size;
  const cat = e.cbs_size_category;
  if (cat) {
    card.cbs_size_category = cat.category
      ? `${cat.category} (${CATEGORY_NL[cat.category]})`
      : `${cat.categories.join('/')} (${cat.categories.map((c) => CATEGORY_NL[c]).join('/')})`;
  }
  if (e.cbs_market_figure) card.cbs_market_figure = figureText(e.cbs_market_figure);
  const byId = (id: string) => e.figures.find((f) => f.id === id)?.figure;
  const businesses = byId('businesses');
  if (businesses) card.cbs_businesses_in_segment = figureText(businesses);
  if (e.cbs_municipality) card.cbs_municipality = `${e.cbs_municipality.name} (${e.cbs_municipality.code})`;
  const establishments = byId('establishments');
  if (establishments) card.cbs_establishments_in_municipality = figureText(establishments);
  const trends = e.figures.map(figureTrendLine).filter((l): l is string => l !== undefined);
  if (trends.length) card.cbs_trends = trends.join('; ');
  if (e.cbs_period) card.cbs_period = `${e.cbs_period.title}${e.cbs_period.status ? ` (${e.cbs_period.status.toLowerCase()})` : ''}`;
  const match = matchText(e);
  if (match) card.cbs_match = match;
  const tables = e.provenance.tables.map((t) => `${t.tableId}${t.modified ? ` ${t.modified.slice(0, 10)}` : ''}`).join(', ');
  card.cbs_source = tables ? `${CBS_SOURCE_LINE}; ${tables}` : CBS_SOURCE_LINE;
  card.cbs_enriched_at = enrichedAt.toISOString();
  card.cbs_version = e.version;
  return card;
}
