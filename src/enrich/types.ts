/**
 * The contract between the enrichment engine (src/enrich) and its users: the
 * lookup route, the CLI and the job pipeline. The engine's full result schema is
 * in src/enrich/result.ts.
 */

/** What a CRM (or a person on /v1/lookup) knows about a company. Every field is optional and untrusted. */
export interface LeadInput {
  /** SBI 2008 or SBI 2025 code in any common spelling (`6201`, `62.01`, `62100`, `47 992`, `J`). */
  sbi?: string | null;
  /** The list a code of `sbi` both lists have is read in, overriding SBI_INPUT_SYSTEM (the mapping's `inputs`). */
  sbiSystem?: 'SBI2008' | 'SBI2025';
  /** KvK Basisprofiel `sbiActiviteiten` (or the object holding it); the main activity is used. */
  kvkSbi?: unknown;
  /** As `sbiSystem`, for the KvK field. */
  kvkSbiSystem?: 'SBI2008' | 'SBI2025';
  /** Free-text industry, Dutch or English (`bakkerij`, `COMPUTER_SOFTWARE`). */
  industry?: string | null;
  /** Employee count or range (`12`, `"10-49"`, `"250+"`, HubSpot `"25-50"`). */
  employees?: string | number | null;
  company?: string | null;
  domain?: string | null;
  /** Dutch postcode (`1234 AB`, `1234AB`, `1234`): the municipality for regional figures. Never sent anywhere. */
  postcode?: string | number | null;
}

/** Which list a code both SBI lists have is read in, per input field (SBI_INPUT_SYSTEM, the mapping's `inputs`). */
export interface SbiInputSystems {
  sbi: 'SBI2008' | 'SBI2025';
  kvk_sbi: 'SBI2008' | 'SBI2025';
}

/** The properties Verrijk writes on a lead card, by their default names. */
export const CARD_FIELDS = [
  'cbs_sbi_code',
  'cbs_sbi_title',
  'cbs_sector',
  'cbs_sbi2008',
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
