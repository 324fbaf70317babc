import { z } from 'zod';
import type { CbsTableData } from './model.js';

/**
 * zod schemas for the shared model, so anything read back from disk (bundled
 * snapshot) or the database is checked before a reader trusts it.
 */

const nullableString = z.string().nullable();
const cell = z.union([z.string(), z.number(), z.null()]);

export const dimensionRowSchema = z.object({
  key: z.string(),
  keyTrimmed: z.string(),
  title: z.string(),
  description: nullableString,
  categoryGroupId: z.number().nullable(),
  status: nullableString.optional(),
});

export const categoryGroupSchema = z.object({
  id: z.number(),
  dimensionKey: z.string(),
  title: z.string(),
  description: nullableString,
  parentId: z.number().nullable(),
});

export const dataPropertySchema = z.object({
  id: z.number(),
  position: z.number().nullable(),
  parentId: z.number().nullable(),
  type: z.string().min(1),
  key: z.string(),
  title: z.string(),
  description: nullableString,
  unit: nullableString.optional(),
  decimals: z.number().nullable().optional(),
  datatype: nullableString.optional(),
});

export const tableInfoSchema = z.object({
  identifier: z.string().min(1),
  title: z.string(),
  shortTitle: nullableString.optional(),
  summary: nullableString.optional(),
  modified: nullableString,
  metaDataModified: nullableString.optional(),
  updated: nullableString.optional(),
  reasonDelivery: nullableString.optional(),
  frequency: nullableString.optional(),
  period: nullableString.optional(),
  recordCount: z.number().nullable().optional(),
});

export const dataRowSchema = z.record(z.string(), cell);

export const tableDataSchema = z
  .object({
    tableId: z.string().min(1),
    info: tableInfoSchema,
    dataProperties: z.array(dataPropertySchema).min(1),
    categoryGroups: z.array(categoryGroupSchema),
    dimensions: z.record(z.string(), z.array(dimensionRowSchema)),
    rows: z.array(dataRowSchema),
  })
  .superRefine((t, ctx) => {
    // Every dimension DataProperties names must be present, or lookups would silently miss.
    for (const p of t.dataProperties) {
      if (/Dimension$/.test(p.type) && !t.dimensions[p.key]) {
        ctx.addIssue({ code: 'custom', path: ['dimensions', p.key], message: `dimension ${p.key} is missing` });
      }
    }
  }) satisfies z.ZodType<CbsTableData>;

export function parseTableData(value: unknown, where: string): CbsTableData {
  const parsed = tableDataSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid CBS table data in ${where}: ${first.join('; ')}`);
  }
  return parsed.data as CbsTableData;
}
