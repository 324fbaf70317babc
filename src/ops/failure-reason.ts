/**
 * A job's stored error (`jobs.last_error`) read back as one kind of failure a
 * sales-ops person can act on. The messages are ours (src/crm/http.ts,
 * src/crm/object-id.ts, src/jobs/queue.ts, src/jobs/retry-policy.ts); the status
 * page words each kind in its language and keeps the raw text as a detail.
 * The first pattern that matches wins; anything else is `other`.
 */

export const FAILURE_KINDS = [
  'lead_not_found',
  'crm_access',
  'crm_rate_limited',
  'crm_timeout',
  'crm_unreachable',
  'crm_server_error',
  'crm_rejected',
  'crm_answer_too_large',
  'invalid_object_id',
  'worker_stopped',
  'setup_waiting',
  'other',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

const PATTERNS: Array<[RegExp, FailureKind]> = [
  [/^waiting for CRM setup: /, 'setup_waiting'],
  [/is not a valid object id/, 'invalid_object_id'],
  [/lease expired|stopped answering/, 'worker_stopped'],
  [/→ 404\b|missing from the read/, 'lead_not_found'],
  [/→ 40[13]\b|\blacks\b.*\bscope|missing scope/i, 'crm_access'],
  [/→ 429\b|rate limited until/, 'crm_rate_limited'],
  [/took longer than \d+ ms/, 'crm_timeout'],
  [/answered more than \d+ bytes/, 'crm_answer_too_large'],
  [/→ 5\d\d\b/, 'crm_server_error'],
  [/→ 4\d\d\b/, 'crm_rejected'],
  [/ failed \(/, 'crm_unreachable'],
];

export interface FailureReason {
  kind: FailureKind;
  /** The HTTP status the CRM answered, when the message names one. */
  status: number | null;
  /** "gave up after N attempts": the retry window or the runaway guard ended it. */
  gaveUp: boolean;
}

export function failureReason(lastError: string | null | undefined): FailureReason {
  const text = lastError ?? '';
  const kind = PATTERNS.find(([re]) => re.test(text))?.[1] ?? 'other';
  const status = /→ (\d{3})\b/.exec(text)?.[1];
  return { kind, status: status ? Number(status) : null, gaveUp: /^gave up after \d+ attempts/.test(text) };
}
