import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';

/** Review 2026-12, L7: CRM_RATE_LIMIT outside what the limiter can store (or any CRM counts in) stops the process. */

const load = (value: string) => loadConfig({ DATABASE_URL: 'memory://', CRM_RATE_LIMIT: value });

describe('CRM_RATE_LIMIT bounds', () => {
  it.each(['10/1000h', '10/2h', '10/61m', '10/3600001ms', '2147483648/10s', '1000001/10s'])('refuses %s at start', (value) => {
    const err = (() => {
      try {
        load(value);
      } catch (e) {
        return e;
      }
    })();
    expect(err, `accepted ${value}`).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(/CRM_RATE_LIMIT/);
  });

  it.each([
    ['190/10s', { limit: 190, windowMs: 10_000 }],
    ['20/2s', { limit: 20, windowMs: 2_000 }],
    ['100/1h', { limit: 100, windowMs: 3_600_000 }],
    ['1000000/60m', { limit: 1_000_000, windowMs: 3_600_000 }],
  ])('accepts %s', (value, spec) => {
    expect(load(value).crmRateLimit).toEqual(spec);
  });
});
