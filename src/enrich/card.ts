import { CBS_SOURCE_LINE } from '../cbs/model.js';
import type { Figure, Enrichment } from './result.js';
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
  if (e.cbs_period) card.cbs_period = `${e.cbs_period.title}${e.cbs_period.status ? ` (${e.cbs_period.status.toLowerCase()})` : ''}`;
  const match = matchText(e);
  if (match) card.cbs_match = match;
  const tables = e.provenance.tables.map((t) => `${t.tableId}${t.modified ? ` ${t.modified.slice(0, 10)}` : ''}`).join(', ');
  card.cbs_source = tables ? `${CBS_SOURCE_LINE}; ${tables}` : CBS_SOURCE_LINE;
  card.cbs_enriched_at = enrichedAt.toISOString();
  card.cbs_version = e.version;
  return card;
}
