import { createHash, randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Queryable } from '../db/client.js';
import { crmAccounts } from '../db/schema.js';
import type { Source } from '../leads/identity.js';

/**
 * A client's read-only view (issue 24.7): an agency gives one client a viewer token
 * for that client's CRM account. With it the status page and the read-only lead routes
 * show that account's leads and nothing else; every write is refused (src/http/admin-auth.ts).
 *
 * The token is 32 random bytes, shown once when it is made. Only its SHA-256 is stored
 * (`crm_accounts.viewer_token_hash`): 256 random bits need no slow hash, and a database
 * dump yields no working token. Making a new one replaces the old (rotation); revoking
 * clears it; either way the old token, and every session signed in with it, stop working.
 */

export const VIEWER_TOKEN_PREFIX = 'vwr_';

/** What a viewer may see: one CRM account. */
export interface ViewerScope {
  source: Source;
  accountId: string;
}

export const hashViewerToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

const where = (source: Source, accountId: string) => and(eq(crmAccounts.source, source), eq(crmAccounts.accountId, accountId));

/** Makes (or replaces) the account's viewer token; the token itself, or undefined when no such account is registered. */
export async function issueViewerToken(db: Queryable, source: Source, accountId: string): Promise<string | undefined> {
  const token = `${VIEWER_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const rows = await db
    .update(crmAccounts)
    .set({ viewerTokenHash: hashViewerToken(token) })
    .where(where(source, accountId))
    .returning({ id: crmAccounts.id });
  return rows.length ? token : undefined;
}

/** Ends the account's viewer token (and its sessions); false when no such account is registered. */
export async function revokeViewerToken(db: Queryable, source: Source, accountId: string): Promise<boolean> {
  const rows = await db.update(crmAccounts).set({ viewerTokenHash: null }).where(where(source, accountId)).returning({ id: crmAccounts.id });
  return rows.length > 0;
}

/** The account a viewer token opens, with the stored hash (sessions are signed over it); undefined for any other string. */
export async function viewerOfToken(db: Queryable, token: string): Promise<(ViewerScope & { hash: string }) | undefined> {
  if (!token.startsWith(VIEWER_TOKEN_PREFIX) || token.length > 200) return undefined;
  const hash = hashViewerToken(token);
  const [row] = await db
    .select({ source: crmAccounts.source, accountId: crmAccounts.accountId })
    .from(crmAccounts)
    .where(eq(crmAccounts.viewerTokenHash, hash))
    .limit(1);
  return row ? { source: row.source as Source, accountId: row.accountId, hash } : undefined;
}

/** The account's current viewer-token hash; undefined when it has none (revoked) or is not registered. */
export async function viewerHashOf(db: Queryable, source: Source, accountId: string): Promise<string | undefined> {
  const [row] = await db.select({ hash: crmAccounts.viewerTokenHash }).from(crmAccounts).where(where(source, accountId)).limit(1);
  return row?.hash ?? undefined;
}
