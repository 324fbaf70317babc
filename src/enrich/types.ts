/**
 * The contract between the enrichment engine (src/enrich) and its users: the
 * lookup route, the CLI and the job pipeline. The engine's full result schema is
 * in src/enrich/result.ts.
 */

/** What a CRM (or a person on /v1/lookup) knows about a company. Every field is optional and untrusted. */
export interface LeadInput {
  /** SBI code in any common spelling (`6201`, `62.01`, `62.01.0`, `J`). */
  sbi?: string | null;
  /** KvK Basisprofiel `sbiActiviteiten` (or the object holding it); the main activity is used. */
  kvkSbi?: unknown;
  /** Free-text industry, Dutch or English (`bakkerij`, `COMPUTER_SOFTWARE`). */
  industry?: string | null;
  /** Employee count or range (`12`, `"10-49"`, `"250+"`, HubSpot `"25-50"`). */
  employees?: string | number | null;
  company?: string | null;
  domain?: string | null;
  /** Dutch postcode (`1234 AB`, `1234AB`, `1234`): the municipality for regional figures. Never sent anywhere. */
  postcode?: string | number | null;
}

/** The properties Verrijk writes on a lead card, by their default names. */
export const CARD_FIELDS = [
  'cbs_sbi_code',
  'cbs_sbi_title',
  'cbs_sector',
  'cbs_size_class',
  'cbs_size_category',
  'cbs_market_figure',
  'cbs_period',
  'cbs_businesses_in_segment',
  'cbs_municipality',
  'cbs_establishments_in_municipality',
  /** One short line per figure with a trend: "banen in sector: +6,3% t.o.v. 2018 (CBS 83583NED, voorlopig)". */
  'cbs_trends',
  'cbs_match',
  'cbs_source',
  'cbs_enriched_at',
  'cbs_version',
] as const;

export type CardField = (typeof CARD_FIELDS)[number];

/** Card values as CRMs take them: strings. A field left out is not written. */
export type LeadCard = Partial<Record<CardField, string>>;

/** The minimum every enrichment result carries; see EnrichmentSchema in result.ts for the rest. */
export interface EnrichmentCore {
  /** Deterministic hash of the result (excluding timestamps): equal version = nothing new to write. */
  version: string;
  /** 'enriched' (sector and size), 'partial' (one of them), 'unresolved' (neither). */
  status: 'enriched' | 'partial' | 'unresolved';
}

export interface Enricher<E extends EnrichmentCore = EnrichmentCore> {
  resolve(input: LeadInput): E;
  /** The card values for this enrichment; `enrichedAt` fills `cbs_enriched_at`. */
  toCard(enrichment: E, enrichedAt: Date): LeadCard;
}
