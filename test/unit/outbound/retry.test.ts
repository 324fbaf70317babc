import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter, RETRY_AFTER_CEILING_MS, sleep } from '../../../src/outbound/retry.js';

/** The retry toolbox the CBS and CRM clients share. */

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1_500);
  });

  it('reads an HTTP-date as the time left until then', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', NOW)).toBe(30_000);
    // The obsolete RFC 850 form, which RFC 9110 still asks recipients to accept.
    expect(parseRetryAfter('Sunday, 01-Mar-26 12:01:00 GMT', NOW)).toBe(60_000);
  });

  it('makes a date in the past no wait at all', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', NOW)).toBe(0);
  });

  it('caps both forms at two days', () => {
    expect(parseRetryAfter(String(365 * 24 * 3600), NOW)).toBe(RETRY_AFTER_CEILING_MS);
    expect(parseRetryAfter('9'.repeat(400), NOW)).toBe(RETRY_AFTER_CEILING_MS);
    expect(parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT', NOW)).toBe(RETRY_AFTER_CEILING_MS);
  });

  it('says nothing for an absent or malformed header', () => {
    for (const value of [undefined, null, '', 'soon', '5s']) expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  it('takes the first value of a header undici gives as a list', () => {
    expect(parseRetryAfter(['3', '9'], NOW)).toBe(3_000);
  });
});

describe('backoffDelay', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };

  it('doubles the ceiling per attempt and draws from its upper half', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(policy, a, () => 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((a) => backoffDelay(policy, a, () => 1))).toEqual([100, 200, 400, 800]);
  });

  it('never exceeds maxDelayMs', () => {
    for (let attempt = 1; attempt < 40; attempt++) expect(backoffDelay(policy, attempt)).toBeLessThanOrEqual(1_000);
  });
});

describe('sleep', () => {
  it('resolves after the delay', async () => {
    const started = performance.now();
    await sleep(20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('rejects with the reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('rejects at once on a signal that already aborted', async () => {
    await expect(sleep(10, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
  });
});
