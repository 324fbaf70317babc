import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CARD_FIELDS, type CardField, type LeadCard, type SbiInputSystems } from '../enrich/types.js';
import type { Source } from '../leads/identity.js';

/** Properties by their CRM name (HubSpot internal name, Pipedrive field name, generic key); values are strings. */
export type CrmProperties = Record<string, string>;

/**
 * The data mapping: which card field lands in which CRM property, per CRM.
 * The defaults below are what the "Data mapping" table of docs/crm-mapping.md shows; a JSON
 * file named by CRM_MAPPING_FILE replaces the mapping of each CRM it names.
 * Validated at start: an unknown card field or two fields aimed at one
 * property stops the service with a message naming them.
 */

export type CrmMapping = Partial<Record<CardField, string>>;
export type Mapping = Record<Source, CrmMapping>;

const identity = Object.fromEntries(CARD_FIELDS.map((f) => [f, f])) as Record<CardField, string>;

/** Pipedrive custom fields are found by their visible name, so they get readable ones. */
const PIPEDRIVE_NAMES: Record<CardField, string> = {
  cbs_sbi_code: 'CBS SBI code',
  cbs_sbi_title: 'CBS SBI title',
  cbs_sector: 'CBS sector',
  cbs_sbi2008: 'CBS SBI 2008',
  cbs_size_class: 'CBS size class',
  cbs_size_category: 'CBS size category',
  cbs_market_figure: 'CBS market figure',
  cbs_period: 'CBS period',
  cbs_businesses_in_segment: 'CBS businesses in segment',
  cbs_municipality: 'CBS municipality',
  cbs_establishments_in_municipality: 'CBS establishments in municipality',
  cbs_trends: 'CBS trends',
  cbs_match: 'CBS match',
  cbs_source: 'CBS source',
  cbs_enriched_at: 'CBS enriched at',
  cbs_version: 'CBS version',
};

export const DEFAULT_MAPPING: Mapping = {
  hubspot: { ...identity },
  pipedrive: { ...PIPEDRIVE_NAMES },
  generic: { ...identity },
};

const cardFieldKeys = z.enum(CARD_FIELDS);

function crmMappingSchema(target: z.ZodString) {
  return z
    .record(z.string(), target)
    .superRefine((m, ctx) => {
      for (const key of Object.keys(m)) {
        if (!cardFieldKeys.safeParse(key).success) {
          ctx.addIssue({ code: 'custom', path: [key], message: `is not a card field (known: ${CARD_FIELDS.join(', ')})` });
        }
      }
      const seen = new Map<string, string>();
      for (const [field, prop] of Object.entries(m)) {
        const norm = prop.trim().toLowerCase();
        const other = seen.get(norm);
        if (other) ctx.addIssue({ code: 'custom', path: [field], message: `targets "${prop}", which ${other} already targets` });
        else seen.set(norm, field);
      }
    })
    .transform((m) => m as CrmMapping);
}

const listName = z.enum(['2008', '2025'], { error: 'must be "2008" or "2025"' }).transform((v) => (v === '2008' ? 'SBI2008' : 'SBI2025'));

/** `"inputs": {"sbi": "2008"}`: the list a code both SBI lists have is read in, per input field, over SBI_INPUT_SYSTEM. */
const inputsSchema = z.object({ sbi: listName.optional(), kvk_sbi: listName.optional() }).strict();

export const mappingSchema = z
  .object({
    inputs: inputsSchema.optional(),
    hubspot: crmMappingSchema(z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, 'HubSpot property names are lower-case letters, digits and _')).optional(),
    pipedrive: crmMappingSchema(z.string().trim().min(1).max(255)).optional(),
    generic: crmMappingSchema(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/, 'generic keys are letters, digits, _ . -')).optional(),
  })
  .strict();

export class MappingError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid CRM mapping: ${problems.join('; ')}`);
    this.name = 'MappingError';
  }
}

/** The defaults, with each CRM the override names replaced by its validated mapping. */
export function parseMapping(override: unknown): Mapping {
  const parsed = mappingSchema.safeParse(override ?? {});
  if (!parsed.success) {
    throw new MappingError(parsed.error.issues.map((i) => `${i.path.join('.') || '(mapping)'} ${i.message}`));
  }
  return {
    hubspot: parsed.data.hubspot ?? DEFAULT_MAPPING.hubspot,
    pipedrive: parsed.data.pipedrive ?? DEFAULT_MAPPING.pipedrive,
    generic: parsed.data.generic ?? DEFAULT_MAPPING.generic,
  };
}

/**
 * One account's `mappingOverride` (POST/PATCH /v1/accounts): the shape CRM_MAPPING_FILE
 * gives one CRM, validated the same way; like the file, it replaces that CRM's mapping
 * for the account (fields it leaves out are not written). Throws MappingError.
 */
export function parseAccountMapping(source: Source, override: unknown): CrmMapping {
  const parsed = mappingSchema.shape[source].safeParse(override);
  if (!parsed.success) throw new MappingError(parsed.error.issues.map((i) => `mappingOverride${i.path.length ? `.${i.path.join('.')}` : ''} ${i.message}`));
  return parsed.data ?? DEFAULT_MAPPING[source];
}

function readMappingFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MappingError([`CRM_MAPPING_FILE ${file}: ${(err as Error).message}`]);
  }
}

/** The mapping in force: defaults, or the file named by CRM_MAPPING_FILE. Throws MappingError at start. */
export function loadMapping(file: string | undefined): Mapping {
  if (!file) return parseMapping(undefined);
  return parseMapping(readMappingFile(file));
}

/** The configured list per SBI input field: SBI_INPUT_SYSTEM, with the mapping file's `inputs` over it. */
export function parseInputSystems(override: unknown, configured: SbiInputSystems['sbi']): SbiInputSystems {
  const parsed = mappingSchema.safeParse(override ?? {});
  if (!parsed.success) throw new MappingError(parsed.error.issues.map((i) => `${i.path.join('.') || '(mapping)'} ${i.message}`));
  const inputs = parsed.data.inputs ?? {};
  return { sbi: inputs.sbi ?? configured, kvk_sbi: inputs.kvk_sbi ?? configured };
}

export function loadInputSystems(file: string | undefined, configured: SbiInputSystems['sbi']): SbiInputSystems {
  return parseInputSystems(file ? readMappingFile(file) : undefined, configured);
}

/** Card values under their CRM property names; fields the mapping leaves out are not written. */
export function cardToProperties(card: LeadCard, mapping: CrmMapping): CrmProperties {
  const out: CrmProperties = {};
  for (const [field, prop] of Object.entries(mapping) as [CardField, string][]) {
    const value = card[field];
    if (value !== undefined) out[prop] = value;
  }
  return out;
}

/** Every CRM property the mapping writes, in card-field order. */
export function mappedProperties(mapping: CrmMapping): string[] {
  return CARD_FIELDS.map((f) => mapping[f]).filter((p): p is string => typeof p === 'string');
}

/**
 * True when writing `next` would change nothing that matters: the card already
 * holds the same `cbs_version` (when mapped), otherwise the same value in every
 * mapped property apart from the timestamp.
 */
export function isUnchanged(next: CrmProperties, current: Record<string, string | null>, mapping: CrmMapping): boolean {
  const versionProp = mapping.cbs_version;
  if (versionProp && next[versionProp] !== undefined) return current[versionProp] === next[versionProp];
  const stampProp = mapping.cbs_enriched_at;
  return Object.entries(next).every(([prop, value]) => prop === stampProp || (current[prop] ?? '') === value);
}
