import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, keyIdOf, SecretBoxError } from '../../../src/accounts/secret-box.js';
import { loadConfig } from '../../../src/config.js';
import { parseKey } from '../../../src/secret-key.js';

describe('secret box (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const box = createSecretBox(key);

  it('seals so that the plain text is not in the output and opens it again', () => {
    const sealed = box.seal('pat-eu1-secret-token', 'hubspot:4242:credentials');
    expect(sealed).not.toContain('pat-eu1');
    expect(sealed.split('.')[0]).toBe('v1');
    expect(box.keyIdOf(sealed)).toBe(keyIdOf(key));
    expect(box.open(sealed, 'hubspot:4242:credentials')).toBe('pat-eu1-secret-token');
    // A fresh IV each time: the same secret never seals to the same text.
    expect(box.seal('pat-eu1-secret-token', 'hubspot:4242:credentials')).not.toBe(sealed);
  });

  it('refuses a value moved to another account, a changed value and a foreign key', () => {
    const sealed = box.seal('token', 'pipedrive:1:credentials');
    expect(() => box.open(sealed, 'pipedrive:2:credentials')).toThrow(SecretBoxError);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[4], 'base64url');
    body[0] ^= 1;
    parts[4] = body.toString('base64url');
    expect(() => box.open(parts.join('.'), 'pipedrive:1:credentials')).toThrow(SecretBoxError);
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'pipedrive:1:credentials')).toThrow(/not configured/);
    expect(() => box.open('plain-text', 'pipedrive:1:credentials')).toThrow(/not a sealed value/);
  });

  it('opens values sealed with a retired key when that key is listed as previous', () => {
    const old = randomBytes(32);
    const sealed = createSecretBox(old).seal('token', 'generic:t:credentials');
    const rotated = createSecretBox(randomBytes(32), [old]);
    expect(rotated.open(sealed, 'generic:t:credentials')).toBe('token');
    expect(rotated.keyIdOf(rotated.seal('x', 'c'))).toBe(rotated.keyId);
    expect(rotated.keyId).not.toBe(keyIdOf(old));
  });

  it('reads a 32-byte key as base64, base64url or hex and refuses any other length', () => {
    expect(parseKey(key.toString('base64'))?.equals(key)).toBe(true);
    expect(parseKey(key.toString('base64url'))?.equals(key)).toBe(true);
    expect(parseKey(key.toString('hex'))?.equals(key)).toBe(true);
    expect(parseKey(randomBytes(16).toString('base64'))).toBeUndefined();
    expect(parseKey('correct horse battery staple')).toBeUndefined();
  });

  it('config: ACCOUNTS_ENCRYPTION_KEY must be 32 bytes, and is unset by default', () => {
    expect(loadConfig({}).accounts.key).toBeUndefined();
    expect(loadConfig({ ACCOUNTS_ENCRYPTION_KEY: key.toString('base64') }).accounts.key?.equals(key)).toBe(true);
    expect(() => loadConfig({ ACCOUNTS_ENCRYPTION_KEY: 'too-short' })).toThrow(/ACCOUNTS_ENCRYPTION_KEY must be 32 bytes/);
    expect(() => loadConfig({ ACCOUNTS_ENCRYPTION_PREVIOUS_KEYS: `${key.toString('hex')},nope` })).toThrow(/ACCOUNTS_ENCRYPTION_PREVIOUS_KEYS each key must be 32 bytes/);
    expect(loadConfig({ ACCOUNTS_ENCRYPTION_PREVIOUS_KEYS: `${key.toString('hex')}, ${randomBytes(32).toString('base64')}` }).accounts.previousKeys).toHaveLength(2);
  });
});
