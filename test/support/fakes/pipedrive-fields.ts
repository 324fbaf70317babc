/**
 * Pipedrive custom field types and the values API v2 accepts for them. v2
 * does not coerce: a value of the wrong JSON type is a 400. Sources:
 * `pipedrive/client-nodejs` src/versions/v2/models (organization fields'
 * `field_type`: varchar, varchar_auto, text, double, monetary, date, set, enum,
 * user, org, people, phone, time, timerange, daterange, address; options as
 * `{id, label}`), and the v2 migration guide: enum values are the option id,
 * set values a list of option ids, dates `YYYY-MM-DD` (research §2.1, §2.3).
 */

export interface FakeField {
  field_code: string;
  field_name: string;
  field_type: string;
  options?: Array<{ id: number; label: string }> | null;
}

/** Why `value` cannot be written to `field`, or undefined. */
export function rejectValue(field: FakeField, value: unknown): string | undefined {
  if (value === null) return undefined;
  const name = `"${field.field_name}" (${field.field_type})`;
  const optionIds = new Set((field.options ?? []).map((o) => o.id));
  switch (field.field_type) {
    case 'varchar':
    case 'varchar_auto':
    case 'text':
    case 'phone':
      if (typeof value !== 'string') return `${name} takes a string`;
      if (field.field_type !== 'text' && value.length > 255) return `${name} takes at most 255 characters`;
      return undefined;
    case 'double':
    case 'monetary':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `${name} takes a number`;
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? undefined : `${name} takes a date YYYY-MM-DD`;
    case 'enum':
      return typeof value === 'number' && optionIds.has(value) ? undefined : `${name} takes the id of one of its options`;
    case 'set':
      return Array.isArray(value) && value.every((v) => typeof v === 'number' && optionIds.has(v)) ? undefined : `${name} takes a list of option ids`;
    default:
      return `${name} is not a type the fake writes`;
  }
}
