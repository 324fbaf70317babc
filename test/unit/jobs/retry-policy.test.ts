import { describe, expect, it } from 'vitest';
import { CrmError } from '../../../src/crm/crm-error.js';
import { afterFailure, DEFAULT_BACKOFF, NO_OUTCOME, outcomeOfError, outcomeOfProcessorError, retryDelayMs } from '../../../src/jobs/retry-policy.js';

/**
 * The retry policy's decisions without a database: backoff, the retry window,
 * the runaway guard and how a CRM failure maps to retry, wait or dead letter.
 * test/database/jobs/queue.test.ts checks that the queue writes these decisions down.
 */

describe('retryDelayMs', () => {
  it('grows exponentially, is capped and jittered within [half, full]', () => {
    const b = { baseMs: 1000, capMs: 10_000 };
    expect(retryDelayMs(1, b, () => 0)).toBe(500);
    expect(retryDelayMs(1, b, () => 1)).toBe(1000);
    expect(retryDelayMs(3, b, () => 1)).toBe(4000);
    expect(retryDelayMs(10, b, () => 1)).toBe(10_000);
    expect(retryDelayMs(10, b, () => 0)).toBe(5000);
  });
});

describe('outcomeOfError', () => {
  const until = new Date('2030-01-01T00:00:00Z');
  it('retries a transient failure, honouring the CRM\'s moment', () => {
    expect(outcomeOfError(new CrmError('hubspot', { kind: 'retry', notBefore: until }, 'outage'))).toEqual({ kind: 'retry', error: 'outage', notBefore: until });
  });
  it('waits, uncounted, on a rate limit or a spent daily budget', () => {
    expect(outcomeOfError(new CrmError('hubspot', { kind: 'rate_limited', until, policy: 'SECONDLY' }, '429'))).toEqual({ kind: 'retry', error: '429', notBefore: until, waiting: true });
    expect(outcomeOfError(new CrmError('pipedrive', { kind: 'daily_exhausted', until }, 'daily'))).toEqual({ kind: 'retry', error: 'daily', notBefore: until, waiting: true });
  });
  it('dead-letters what retrying cannot fix', () => {
    expect(outcomeOfError(new CrmError('hubspot', { kind: 'auth', status: 401 }, 'bad token'))).toEqual({ kind: 'dead', error: 'bad token' });
    expect(outcomeOfError(new CrmError('generic', { kind: 'permanent', status: 404 }, 'gone'))).toEqual({ kind: 'dead', error: 'gone' });
  });
  it('retries anything else, and a batch whose processor threw or said nothing', () => {
    expect(outcomeOfError(new TypeError('boom'))).toEqual({ kind: 'retry', error: 'TypeError: boom' });
    expect(outcomeOfProcessorError(new Error('boom'))).toEqual({ kind: 'retry', error: 'processor failed: boom' });
    expect(NO_OUTCOME).toMatchObject({ kind: 'retry' });
  });
});

describe('afterFailure', () => {
  const now = Date.parse('2030-01-02T00:00:00Z');
  const backoff = { baseMs: 1000, capMs: 10_000, windowMs: 60_000 };
  const job = (attempts: number, firstFailedAgoMs: number | null, maxAttempts = 1000) => ({
    attempts,
    maxAttempts,
    firstFailedAt: firstFailedAgoMs === null ? null : new Date(now - firstFailedAgoMs),
  });

  it('queues a counted retry after the backoff, shortened to end at the window\'s close', () => {
    expect(afterFailure(job(1, null), { kind: 'retry', error: 'x' }, 'x', now, backoff, () => 1)).toEqual({ status: 'queued', lastError: 'x', delayMs: 1000, counts: true });
    expect(afterFailure(job(10, 55_000), { kind: 'retry', error: 'x' }, 'x', now, backoff, () => 1)).toEqual({ status: 'queued', lastError: 'x', delayMs: 5000, counts: true });
  });
  it('queues at the CRM\'s moment, and falls back to the backoff on an invalid one', () => {
    const at = new Date(now + 30_000);
    expect(afterFailure(job(1, null), { kind: 'retry', error: 'x', notBefore: at }, 'x', now, backoff)).toEqual({ status: 'queued', lastError: 'x', runAt: at, counts: true });
    expect(afterFailure(job(1, null), { kind: 'retry', error: 'x', notBefore: new Date(Number.NaN) }, 'x', now, backoff, () => 0)).toMatchObject({ delayMs: 500 });
  });
  it('gives up once the window since the first failure has passed, or at the runaway guard', () => {
    expect(afterFailure(job(7, 60_000), { kind: 'retry', error: 'x' }, 'x', now, backoff)).toEqual({ status: 'dead', lastError: 'gave up after 7 attempts over 60 s: x', counts: true });
    expect(afterFailure(job(3, 0, 3), { kind: 'retry', error: 'x' }, 'x', now, backoff)).toEqual({ status: 'dead', lastError: 'gave up after 3 attempts: x', counts: true });
  });
  it('never lets a wait for a CRM limit count, end the window or kill the job', () => {
    const at = new Date(now + 3_600_000);
    expect(afterFailure(job(1000, 10 * 60_000, 1000), { kind: 'retry', error: 'x', notBefore: at, waiting: true }, 'x', now, backoff)).toEqual({ status: 'queued', lastError: 'x', runAt: at, counts: false });
  });
  it('dead-letters a dead outcome at once', () => {
    expect(afterFailure(job(1, null), { kind: 'dead', error: 'gone' }, 'gone', now, DEFAULT_BACKOFF)).toEqual({ status: 'dead', lastError: 'gone', counts: true });
  });
});

describe('afterFailure: waits (review 2026-12, M6)', () => {
  const now = Date.parse('2030-01-02T00:00:00Z');
  const backoff = { baseMs: 1000, capMs: 10_000, windowMs: 60_000 };
  const wait = { kind: 'retry' as const, error: '429', notBefore: new Date(now + 1_000), waiting: true };
  const job = (waitingForMs: number | null) => ({ attempts: 0, maxAttempts: 1000, firstFailedAt: null, waitingSince: waitingForMs === null ? null : new Date(now - waitingForMs) });

  it('waits, uncounted, inside the wait window (three retry windows by default)', () => {
    expect(afterFailure(job(null), wait, '429', now, backoff)).toMatchObject({ status: 'queued', counts: false });
    expect(afterFailure(job(179_000), wait, '429', now, backoff)).toMatchObject({ status: 'queued', counts: false });
  });
  it('dead-letters a job that has only waited for the whole wait window, with the reason', () => {
    expect(afterFailure(job(180_000), wait, '429', now, backoff)).toEqual({
      status: 'dead',
      counts: false,
      lastError: "gave up after waiting 3 min for the CRM's rate limits without one request getting through: 429",
    });
    expect(afterFailure(job(5_000), wait, '429', now, { ...backoff, waitWindowMs: 5_000 })).toMatchObject({ status: 'dead' });
  });
});
