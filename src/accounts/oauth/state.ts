import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { lt, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client.js';
import { oauthStates } from '../../db/schema.js';

/**
 * The `state` of an OAuth install: what `/oauth/{crm}/install` sends to the
 * authorization server and the callback must bring back. Signed (HMAC-SHA256 with
 * a key derived from ACCOUNTS_ENCRYPTION_KEY), naming its CRM, valid for ten
 * minutes, and good once: its nonce is recorded when the callback is served, in
 * the database, so a replayed callback fails on every instance.
 */

export const STATE_TTL_MS = 10 * 60_000;

export type OAuthSource = 'hubspot' | 'pipedrive';

/** A key of its own for states, derived from the accounts key (never the key itself). */
export function stateKey(accountsKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', accountsKey, Buffer.from('verrijk'), Buffer.from('oauth-state'), 32));
}

const b64 = (b: Buffer) => b.toString('base64url');
const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest();

export function signState(key: Buffer, source: OAuthSource, now = Date.now()): string {
  const payload = b64(Buffer.from(JSON.stringify({ s: source, n: b64(randomBytes(16)), e: now + STATE_TTL_MS })));
  return `${payload}.${b64(mac(key, payload))}`;
}

export type StateCheck = { ok: true; nonce: string } | { ok: false; reason: string };

/** Signature, CRM and expiry; `useState` then makes it single use. */
export function verifyState(key: Buffer, state: string, source: OAuthSource, now = Date.now()): StateCheck {
  const [payload, sig, ...rest] = state.split('.');
  if (!payload || !sig || rest.length || state.length > 512) return { ok: false, reason: 'the state is not one this service issued' };
  const given = Buffer.from(sig, 'base64url');
  const want = mac(key, payload);
  if (given.length !== want.length || !timingSafeEqual(given, want)) return { ok: false, reason: 'the state is not one this service issued' };
  let body: { s?: unknown; n?: unknown; e?: unknown };
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'the state is not one this service issued' };
  }
  if (body.s !== source) return { ok: false, reason: `the state was issued for another CRM, not ${source}` };
  if (typeof body.e !== 'number' || body.e < now) return { ok: false, reason: 'the install took longer than 10 minutes; start it again' };
  if (typeof body.n !== 'string') return { ok: false, reason: 'the state is not one this service issued' };
  return { ok: true, nonce: body.n };
}

/** Records the nonce; false when it was used before (a replayed callback). Prunes what has expired. */
export async function useState(db: Queryable, nonce: string, now = new Date()): Promise<boolean> {
  await db.delete(oauthStates).where(lt(oauthStates.usedAt, new Date(now.getTime() - 2 * STATE_TTL_MS)));
  const rows = await db.insert(oauthStates).values({ nonce, usedAt: sql`now()` }).onConflictDoNothing().returning();
  return rows.length === 1;
}
