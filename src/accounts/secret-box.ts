import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Seals account secrets at rest with AES-256-GCM (issue 24). The key comes from
 * ACCOUNTS_ENCRYPTION_KEY (32 bytes, base64 or hex, checked in src/config.ts);
 * keys retired by a rotation stay in ACCOUNTS_ENCRYPTION_PREVIOUS_KEYS so older rows
 * still open. Each sealed value names the key that sealed it:
 *
 *   v1.<key id>.<iv>.<tag>.<ciphertext>     (base64url parts)
 *
 * The key id is the first 8 bytes of the key's SHA-256, so it says which key without
 * revealing it. The associated data binds a sealed value to its row (`hubspot:4242`),
 * so a blob copied into another account's row does not open there.
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export interface SecretBox {
  /** The id of the key new values are sealed with (stored in `crm_accounts.key_id`). */
  readonly keyId: string;
  seal(plain: string, context: string): string;
  open(sealed: string, context: string): string;
  /** The id of the key that sealed `sealed`, without opening it. */
  keyIdOf(sealed: string): string;
}

/** The id a key is known by: 16 hex digits of its SHA-256. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** A 32-byte key written as base64 (44 characters) or hex (64); undefined if it is neither. */
export { parseKey } from '../secret-key.js';

export function createSecretBox(current: Buffer, previous: Buffer[] = []): SecretBox {
  if (current.length !== 32) throw new SecretBoxError('the encryption key must be 32 bytes');
  const keys = new Map<string, Buffer>();
  for (const k of [current, ...previous]) {
    if (k.length !== 32) throw new SecretBoxError('every encryption key must be 32 bytes');
    keys.set(keyIdOf(k), k);
  }
  const currentId = keyIdOf(current);

  function parts(sealed: string): string[] {
    const p = sealed.split('.');
    if (p.length !== 5 || p[0] !== VERSION) throw new SecretBoxError('not a sealed value');
    return p;
  }

  return {
    keyId: currentId,
    seal(plain, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, currentId, iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const [, id, iv, tag, body] = parts(sealed);
      const key = keys.get(id);
      if (!key) throw new SecretBoxError(`sealed with key ${id}, which is not configured (ACCOUNTS_ENCRYPTION_KEY / ACCOUNTS_ENCRYPTION_PREVIOUS_KEYS)`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // GCM says only "unable to authenticate": a wrong key, a wrong row or a changed blob.
        throw new SecretBoxError('a sealed value did not open: changed, moved from another account, or sealed with another key');
      }
    },
    keyIdOf(sealed) {
      return parts(sealed)[1];
    },
  };
}
