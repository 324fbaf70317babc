import type { PipedriveField } from './fields.js';

/**
 * Card values (text) in the type of the Pipedrive field they go to, and field
 * values back to text. API v2 does not coerce: a string written to a number,
 * date or dropdown field is a 400 (v2 organization model in
 * `pipedrive/client-nodejs`; research §2.3). Enum values are option ids, set
 * values lists of option ids, dates `YYYY-MM-DD` (v2 migration guide).
 */

const TEXT_TYPES = new Set(['varchar', 'varchar_auto', 'text', 'phone']);
/** The field types Verrijk can write a card value into. */
export const WRITABLE_TYPES = new Set([...TEXT_TYPES, 'double', 'monetary', 'date', 'enum', 'set']);
const VARCHAR_MAX = 255;

/** Why Verrijk cannot write into this field at all (refused at start), or undefined. */
export function unwritable(field: PipedriveField): string | undefined {
  const type = field.type ?? 'varchar';
  if (WRITABLE_TYPES.has(type)) return undefined;
  return `pipedrive: field "${field.name}" is a ${type} field; Verrijk writes text, number, date or dropdown fields: change the field or map the card field elsewhere (CRM_MAPPING_FILE)`;
}

export type Converted = { ok: true; value: unknown } | { ok: false; why: string };

/** A card value in the field's type (`null` clears a number, date or dropdown field), or why it does not fit. */
export function toFieldValue(field: PipedriveField, value: string): Converted {
  const type = field.type ?? 'varchar';
  const nope = (what: string): Converted => ({ ok: false, why: `pipedrive: "${value.slice(0, 100)}" does not fit field "${field.name}" (${type}): ${what}` });
  if (TEXT_TYPES.has(type)) return { ok: true, value: type === 'text' ? value : value.slice(0, VARCHAR_MAX) };
  // An empty value clears the field in its own type: '' is no number, date or option, and the field was
  // empty before Verrijk wrote it in every freshly enriched organization (restore-cards puts that back: M7).
  if (value.trim() === '') return { ok: true, value: null };
  if (type === 'double' || type === 'monetary') {
    return /^-?\d+(\.\d+)?$/.test(value.trim()) ? { ok: true, value: Number(value) } : nope('not a number');
  }
  if (type === 'date') {
    const at = Date.parse(value);
    return Number.isNaN(at) ? nope('not a date') : { ok: true, value: new Date(at).toISOString().slice(0, 10) };
  }
  if (type === 'enum' || type === 'set') {
    const wanted = value.trim().toLowerCase();
    const option = (field.options ?? []).find((o) => o.label.trim().toLowerCase() === wanted);
    if (!option) return nope('no dropdown option has this label (add it in Pipedrive, or map the card field to a text field)');
    const id = typeof option.id === 'number' ? option.id : Number(option.id);
    return { ok: true, value: type === 'set' ? [id] : id };
  }
  return nope('not a type Verrijk writes');
}

/** A custom field's value as text: plain values, v2 typed objects (`{type, value}`), option ids (one or a list) → labels. */
export function fromFieldValue(raw: unknown, field: PipedriveField): string | null {
  let v = raw;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as { value?: unknown; id?: unknown };
    v = o.value !== undefined ? o.value : o.id;
  }
  if (Array.isArray(v)) {
    const parts = v.map((x) => fromFieldValue(x, field)).filter((x): x is string => x !== null);
    return parts.length ? parts.join(', ') : null;
  }
  if (v === null || v === undefined || v === '') return null;
  if ((field.type === 'enum' || field.type === 'set') && field.options) {
    const label = field.options.find((opt) => String(opt.id) === String(v))?.label;
    if (label) return label;
  }
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
}
