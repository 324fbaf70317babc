import { z } from 'zod';

/**
 * The shapes CBS's OData v3 services answer with. Every body is checked here
 * before the loader uses it, so a truncated page, an HTML error page or a
 * redesigned table fails loudly instead of loading half a table.
 */

/** Any v3 collection: `{"odata.metadata": …, "value": [...], "odata.nextLink"?: …}`. */
export const v3EnvelopeSchema = z.object({
  'odata.metadata': z.string().optional(),
  'odata.nextLink': z.string().optional(),
  value: z.array(z.record(z.string(), z.unknown())),
});
export type V3Envelope = z.infer<typeof v3EnvelopeSchema>;

const text = z.string();
const nullableText = z.string().nullable().optional();
const nullableNumber = z.number().nullable().optional();

export const tableInfoRowSchema = z.looseObject({
  Identifier: text.optional(),
  Title: text,
  Modified: nullableText,
  MetaDataModified: nullableText,
  Updated: nullableText,
  RecordCount: nullableNumber,
});

export const catalogRowSchema = z.looseObject({
  Identifier: text,
  Title: text,
  Modified: nullableText,
  Updated: nullableText,
  MetaDataModified: nullableText,
  ReasonDelivery: nullableText,
  RecordCount: nullableNumber,
});
export type CatalogRow = z.infer<typeof catalogRowSchema>;

export const dataPropertyRowSchema = z
  .looseObject({
    ID: z.number(),
    Key: text,
    Title: text,
    Type: text.optional(),
    'odata.type': text.optional(),
  })
  .refine((r) => r.Type !== undefined || r['odata.type'] !== undefined, { message: 'DataProperty without a type' });

export const dimensionRowSchema = z.looseObject({ Key: text, Title: text });

export const categoryGroupRowSchema = z.looseObject({ ID: z.number(), DimensionKey: text, Title: text });

/** A data row: `ID` plus dimension keys (strings) and topic cells (number, string or null). */
export const dataRowSchema = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));
