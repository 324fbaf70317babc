import type { FieldError } from '../field-errors.js';
import type { LeadRef } from '../leads/identity.js';
import type { JobPayload } from '../leads/job-payload.js';

/**
 * What a verified webhook turns into, whichever CRM sent it: the lead events
 * to record (one job each, unless the dedupe key was seen before) and the
 * events we deliberately ignore (answered 2xx so the CRM stops retrying).
 */
export interface LeadEvent {
  ref: LeadRef;
  /** 'webhook' for a new lead, 'reenrich' when an input property changed. */
  reason: 'webhook' | 'reenrich' | 'catchup' | 'backfill' | 'refresh';
  /** Unique per logical event: a redelivery or duplicate maps to the same key. */
  dedupeKey: string;
  /** The CRM's own event name, e.g. `company.creation`, `create.organization`, `lead.created`. */
  eventType: string;
  payload: JobPayload;
}

export interface IgnoredEvent {
  eventType: string;
  why: string;
}

export interface ParsedWebhook {
  events: LeadEvent[];
  ignored: IgnoredEvent[];
}

/** Why a request failed verification; the reason doubles as the metric label. */
export type RejectReason = 'signature' | 'stale' | 'not_configured';

export type VerifyResult = { ok: true } | { ok: false; reason: RejectReason; detail: string };

/** A payload that is valid JSON but not what the CRM promised; becomes a 400 naming the fields. */
export class PayloadError extends Error {
  constructor(
    message: string,
    readonly errors: FieldError[],
  ) {
    super(message);
    this.name = 'PayloadError';
  }
}

/** Request headers by lower-case name, as every verifier reads them. */
export type HeaderLookup = (name: string) => string | undefined;

/**
 * A value CRMs send as number or string, as a trimmed id string; undefined when
 * absent or unusable. A number must be a safe whole number: above 2^53 JSON
 * has already rounded it to another id (review 2026-12, L9), and `1e21` or
 * `1.5` is no id at all. (Such an id sent as a string keeps its digits.)
 */
export function idString(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? String(v) : undefined;
  if (typeof v !== 'string') return undefined;
  const id = v.trim();
  // An id with control characters is no id; PostgreSQL text cannot even hold a NUL.
  if (id === '' || id.length > 200 || /[\u0000-\u001f\u007f]/.test(id)) return undefined;
  return id;
}

/**
 * A string from a webhook as a lead field may hold it: control characters
 * become spaces, the ends are trimmed, at most `max` characters are kept,
 * nothing else is touched (inner spacing, NBSP, case: the CRM's text as typed).
 * Anything but a non-empty string is undefined. Not the SBI list's
 * `collapseWhitespace` (src/enrich/sbi-list.ts), which tidies our own bundled
 * data and bounds nothing.
 */
export function boundedText(v: unknown, max = 500): string | undefined {
  if (typeof v !== 'string') return undefined;
  // Control characters never belong in a company name or industry, and they confuse logs.
  const cleaned = v.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return cleaned === '' ? undefined : cleaned.slice(0, max);
}

