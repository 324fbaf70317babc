import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/**
 * Finding 13: a Standard Webhooks secret is 24 to 64 random bytes (research
 * §4.1). `whsec_=` or `whsec_a` decodes to an empty key, with which anyone can sign.
 */

const secretOf = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;
const load = (secret: string) => loadConfig({ DATABASE_URL: 'memory://', GENERIC_WEBHOOK_SECRET: secret });

describe('GENERIC_WEBHOOK_SECRET', () => {
  it.each(['whsec_=', 'whsec_a', 'whsec_ab==', secretOf(0), secretOf(23), secretOf(65), 'whsec_!!!!'])('refuses %s', (secret) => {
    expect(() => load(secret)).toThrow(ConfigError);
    expect(() => load(secret)).toThrow(/GENERIC_WEBHOOK_SECRET/);
  });

  it.each([24, 32, 64])('accepts a key of %i bytes', (bytes) => {
    expect(load(secretOf(bytes)).generic.webhookSecret).toBe(secretOf(bytes));
  });
});

/**
 * Review 2026-12, L3: the other webhook credentials had no minimum either
 * (`PIPEDRIVE_WEBHOOK_PASSWORD=1`, `HUBSPOT_CLIENT_SECRET=x` started).
 */
describe.each(['PIPEDRIVE_WEBHOOK_PASSWORD', 'HUBSPOT_CLIENT_SECRET'])('%s', (name) => {
  const loadWith = (value: string) => loadConfig({ DATABASE_URL: 'memory://', [name]: value });

  it.each(['1', 'x', 'fifteen-chars-x'])('refuses %s, naming the variable and the minimum', (value) => {
    expect(() => loadWith(value)).toThrow(ConfigError);
    expect(() => loadWith(value)).toThrow(new RegExp(`${name} must be at least 16 characters`));
  });

  it('accepts 16 characters', () => {
    const config = loadWith('sixteen-chars-xx');
    expect(config.pipedrive.webhookPassword ?? config.hubspot.clientSecret).toBe('sixteen-chars-xx');
  });
});
