import { describe, expect, it } from 'vitest';
import { FAILURE_KINDS, failureReason } from '../../../src/ops/failure-reason.js';

/** The stored errors as our CRM client and queue write them (src/crm/http.ts, src/crm/object-id.ts, src/jobs/*), read back as kinds. */
const CASES: Array<[string, string, number | null, boolean]> = [
  ['pipedrive update: PATCH /api/v2/organizations/{id} → 404 Organization not found', 'lead_not_found', 404, false],
  ['hubspot: lead 123 missing from the read', 'lead_not_found', null, false],
  ['hubspot update: POST /crm/v3/objects/companies/batch/update → 401 Authentication credentials not found', 'crm_access', 401, false],
  ['hubspot read: POST /crm/v3/objects/companies/batch/read → 403 This app lacks the required scope', 'crm_access', 403, false],
  ['hubspot read: POST /crm/v3/objects/companies/batch/read → 429 TEN_SECONDLY_ROLLING until 2026-12-07T10:00:00.000Z', 'crm_rate_limited', 429, false],
  ['hubspot account 123 rate limited until 2026-12-07T10:00:00.000Z (DAILY)', 'crm_rate_limited', null, false],
  ['gave up after 12 attempts over 24 h: hubspot read: POST /x took longer than 30000 ms; aborted', 'crm_timeout', null, true],
  ['generic update: PATCH /leads/{id} failed (UND_ERR_CONNECT_TIMEOUT: Connect Timeout Error)', 'crm_unreachable', null, false],
  ['gave up after 9 attempts: pipedrive read: GET /api/v2/organizations → 503 Service Unavailable', 'crm_server_error', 503, true],
  ['hubspot update: POST /crm/v3/objects/companies/batch/update → 400 Property values were not valid', 'crm_rejected', 400, false],
  ['hubspot read: POST /x answered more than 4194304 bytes; not read', 'crm_answer_too_large', null, false],
  ['hubspot: "12ab" is not a valid object id; nothing was sent', 'invalid_object_id', null, false],
  ['the worker running the last attempt stopped answering (lease expired)', 'worker_stopped', null, false],
  ['waiting for CRM setup: the token lacks crm.schemas.companies.write', 'setup_waiting', null, false],
  ['TypeError: Cannot read properties of undefined', 'other', null, false],
];

describe('failureReason', () => {
  it.each(CASES)('%s → %s', (error, kind, status, gaveUp) => {
    expect(failureReason(error)).toEqual({ kind, status, gaveUp });
  });

  it('reads a missing error as other, and every kind has a case above', () => {
    expect(failureReason(null).kind).toBe('other');
    expect(new Set(CASES.map((c) => c[1]))).toEqual(new Set(FAILURE_KINDS));
  });
});
