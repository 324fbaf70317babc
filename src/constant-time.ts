import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparisons for credentials (one implementation for webhooks
 * and the admin surface).
 */

/**
 * For secrets whose length is itself secret (passwords, tokens): both sides are
 * hashed first, so timingSafeEqual always gets equal lengths and a wrong length
 * takes as long as a wrong character.
 */
export function secretEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/**
 * For signatures we computed ourselves (HMAC digests): their length is public,
 * so a different length is refused at once and equal lengths are compared in
 * constant time, without hashing both sides on every webhook.
 */
export function signatureEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
