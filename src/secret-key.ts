/**
 * A 32-byte key written as hex (64 digits) or base64 (standard or URL-safe), as
 * `ACCOUNTS_ENCRYPTION_KEY` takes it; undefined for anything else. A leaf, so the
 * config schema and the secret box (src/accounts/secret-box.ts) read keys alike
 * without config importing a feature folder.
 */
export function parseKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return key.length === 32 ? key : undefined;
  }
  return undefined;
}
