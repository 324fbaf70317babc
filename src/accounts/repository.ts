import { and, asc, eq, type SQL } from 'drizzle-orm';
import type { Queryable } from '../db/client.js';
import { crmAccounts } from '../db/schema.js';
import type { Source } from '../leads/identity.js';
import { type Credentials, parseCredentials } from './credentials.js';
import type { SecretBox } from './secret-box.js';

/**
 * The account registry's queries (issue 24). Every function takes the database (or a
 * transaction) first. Secrets go in sealed and come out only through `credentialsOf`
 * and `webhookSecretOf`; `AccountSummary`, what lists and the admin API see, has none.
 */

export type AccountState = 'active' | 'needs_reconnect' | 'paused';
export const ACCOUNT_STATES: AccountState[] = ['active', 'needs_reconnect', 'paused'];
export type AuthKind = 'static' | 'oauth';
export type AccountOrigin = 'environment' | 'registry';

type Row = typeof crmAccounts.$inferSelect;

/** An account as anyone may see it: no credential, no webhook secret, not even sealed. */
export interface AccountSummary {
  source: Source;
  accountId: string;
  state: AccountState;
  stateReason: string | null;
  authKind: AuthKind;
  origin: AccountOrigin;
  hasWebhookSecret: boolean;
  /** Whether a client's read-only viewer token is set (src/accounts/viewer.ts); the token is never stored. */
  hasViewerToken: boolean;
  mappingOverride: unknown;
  /** Pipedrive: the plan's custom fields per company, when the operator stated it; null = the deployment's default. */
  customFieldLimit: number | null;
  tokenExpiresAt: Date | null;
  lastVerifiedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The row's own context for the secret box: a sealed value opens only in the row it was sealed for. */
export const sealContext = (source: Source, accountId: string, what: 'credentials' | 'webhook_secret') => `${source}:${accountId}:${what}`;

export function summarize(row: Row): AccountSummary {
  return {
    source: row.source as Source,
    accountId: row.accountId,
    state: row.state as AccountState,
    stateReason: row.stateReason,
    authKind: row.authKind as AuthKind,
    origin: row.origin as AccountOrigin,
    hasWebhookSecret: row.webhookSecret !== null,
    hasViewerToken: row.viewerTokenHash !== null,
    mappingOverride: row.mappingOverride ?? null,
    customFieldLimit: row.customFieldLimit ?? null,
    tokenExpiresAt: row.tokenExpiresAt,
    lastVerifiedAt: row.lastVerifiedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const where = (source: Source, accountId: string) => and(eq(crmAccounts.source, source), eq(crmAccounts.accountId, accountId));

export interface RegisterInput {
  source: Source;
  accountId: string;
  authKind: AuthKind;
  credentials: Credentials;
  webhookSecret?: string;
  mappingOverride?: unknown;
  customFieldLimit?: number | null;
  tokenExpiresAt?: Date | null;
}

/**
 * Registers an account with a credential sealed in the database, or replaces the
 * credential of the one registered under (source, accountId): a reconnect. The
 * account comes back active; its mapping override and webhook secret stay unless given.
 */
export async function registerAccount(db: Queryable, box: SecretBox, input: RegisterInput): Promise<AccountSummary> {
  const checked = parseCredentials(input.source, input.credentials);
  if (!checked.success) throw new Error(`credentials do not fit ${input.source}`);
  const now = new Date();
  const sealed = box.seal(JSON.stringify(checked.data), sealContext(input.source, input.accountId, 'credentials'));
  const secret = input.webhookSecret === undefined ? undefined : box.seal(input.webhookSecret, sealContext(input.source, input.accountId, 'webhook_secret'));
  const values = {
    source: input.source,
    accountId: input.accountId,
    state: 'active',
    stateReason: null,
    authKind: input.authKind,
    origin: 'registry',
    credentials: sealed,
    keyId: box.keyId,
    tokenExpiresAt: input.tokenExpiresAt ?? null,
    lastVerifiedAt: null,
    updatedAt: now,
    ...(secret === undefined ? {} : { webhookSecret: secret }),
    ...(input.mappingOverride === undefined ? {} : { mappingOverride: input.mappingOverride }),
    ...(input.customFieldLimit === undefined ? {} : { customFieldLimit: input.customFieldLimit }),
  };
  const [row] = await db
    .insert(crmAccounts)
    .values(values)
    .onConflictDoUpdate({ target: [crmAccounts.source, crmAccounts.accountId], set: values })
    .returning();
  return summarize(row);
}

/**
 * Registers the account a single-account environment variable names (HUBSPOT_ACCESS_TOKEN
 * and the like), without copying its credential: the environment keeps it. An account
 * registered through the admin API keeps its own credential; one paused or waiting for a
 * reconnect keeps its state.
 */
export async function registerEnvironmentAccount(db: Queryable, source: Source, accountId: string): Promise<AccountSummary> {
  const now = new Date();
  const [inserted] = await db
    .insert(crmAccounts)
    .values({ source, accountId, authKind: 'static', origin: 'environment', state: 'active', updatedAt: now })
    .onConflictDoNothing()
    .returning();
  if (inserted) return summarize(inserted);
  const found = await getAccount(db, source, accountId);
  if (!found) throw new Error(`account ${source}:${accountId} vanished while it was registered`);
  return found;
}

export async function getAccount(db: Queryable, source: Source, accountId: string): Promise<AccountSummary | undefined> {
  const [row] = await db.select().from(crmAccounts).where(where(source, accountId)).limit(1);
  return row ? summarize(row) : undefined;
}

export interface ListFilter {
  source?: Source;
  state?: AccountState;
  origin?: AccountOrigin;
}

export async function listAccounts(db: Queryable, filter: ListFilter = {}): Promise<AccountSummary[]> {
  const conditions: SQL[] = [];
  if (filter.source) conditions.push(eq(crmAccounts.source, filter.source));
  if (filter.state) conditions.push(eq(crmAccounts.state, filter.state));
  if (filter.origin) conditions.push(eq(crmAccounts.origin, filter.origin));
  const rows = await db
    .select()
    .from(crmAccounts)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(crmAccounts.source), asc(crmAccounts.accountId));
  return rows.map(summarize);
}

/** The account's credential, opened; undefined when the environment holds it (or no such account). */
export async function credentialsOf(db: Queryable, box: SecretBox, source: Source, accountId: string): Promise<Credentials | undefined> {
  const [row] = await db.select({ credentials: crmAccounts.credentials }).from(crmAccounts).where(where(source, accountId)).limit(1);
  if (!row?.credentials) return undefined;
  const parsed = parseCredentials(source, JSON.parse(box.open(row.credentials, sealContext(source, accountId, 'credentials'))));
  if (!parsed.success) throw new Error(`the stored credentials of ${source}:${accountId} no longer fit ${source}`);
  return parsed.data;
}

/** The account's own webhook secret, opened; undefined when it has none. */
export async function webhookSecretOf(db: Queryable, box: SecretBox, source: Source, accountId: string): Promise<string | undefined> {
  const [row] = await db.select({ secret: crmAccounts.webhookSecret }).from(crmAccounts).where(where(source, accountId)).limit(1);
  return row?.secret ? box.open(row.secret, sealContext(source, accountId, 'webhook_secret')) : undefined;
}

/**
 * Every account of `source` that has its own webhook secret, opened: accountId → secret.
 * A secret that does not open (sealed with a key no longer configured) maps to undefined:
 * the account still has a secret of its own, so nothing else may sign for it.
 */
export async function webhookSecretsOf(
  db: Queryable,
  box: SecretBox,
  source: Source,
  onUnreadable?: (accountId: string, err: Error) => void,
): Promise<Map<string, string | undefined>> {
  const rows = await db.select({ accountId: crmAccounts.accountId, secret: crmAccounts.webhookSecret }).from(crmAccounts).where(eq(crmAccounts.source, source));
  const out = new Map<string, string | undefined>();
  for (const r of rows) {
    if (!r.secret) continue;
    try {
      out.set(r.accountId, box.open(r.secret, sealContext(source, r.accountId, 'webhook_secret')));
    } catch (err) {
      out.set(r.accountId, undefined);
      onUnreadable?.(r.accountId, err as Error);
    }
  }
  return out;
}

export interface AccountPatch {
  state?: AccountState;
  stateReason?: string | null;
  credentials?: Credentials;
  /** null removes it. */
  webhookSecret?: string | null;
  /** null removes it. */
  mappingOverride?: unknown;
  /** null: the deployment's PIPEDRIVE_CUSTOM_FIELD_LIMIT again. */
  customFieldLimit?: number | null;
}

/** Changes what `patch` names; undefined when there is no such account. */
export async function patchAccount(db: Queryable, box: SecretBox | undefined, source: Source, accountId: string, patch: AccountPatch): Promise<AccountSummary | undefined> {
  const set: Partial<typeof crmAccounts.$inferInsert> = { updatedAt: new Date() };
  if (patch.state !== undefined) {
    set.state = patch.state;
    set.stateReason = patch.stateReason ?? null;
  } else if (patch.stateReason !== undefined) set.stateReason = patch.stateReason;
  if (patch.mappingOverride !== undefined) set.mappingOverride = patch.mappingOverride;
  if (patch.customFieldLimit !== undefined) set.customFieldLimit = patch.customFieldLimit;
  if (patch.credentials !== undefined || (patch.webhookSecret !== undefined && patch.webhookSecret !== null)) {
    if (!box) throw new Error('no encryption key: secrets cannot be stored');
    if (patch.credentials !== undefined) {
      const checked = parseCredentials(source, patch.credentials);
      if (!checked.success) throw new Error(`credentials do not fit ${source}`);
      set.credentials = box.seal(JSON.stringify(checked.data), sealContext(source, accountId, 'credentials'));
      set.origin = 'registry';
      set.lastVerifiedAt = null;
    }
    if (typeof patch.webhookSecret === 'string') set.webhookSecret = box.seal(patch.webhookSecret, sealContext(source, accountId, 'webhook_secret'));
    set.keyId = box.keyId;
  }
  if (patch.webhookSecret === null) set.webhookSecret = null;
  const [row] = await db.update(crmAccounts).set(set).where(where(source, accountId)).returning();
  return row ? summarize(row) : undefined;
}

/** Removes the account and its sealed secrets; false when there was none. */
export async function deleteAccount(db: Queryable, source: Source, accountId: string): Promise<boolean> {
  const rows = await db.delete(crmAccounts).where(where(source, accountId)).returning({ id: crmAccounts.id });
  return rows.length > 0;
}

/** Stores refreshed OAuth tokens (and when the new access token expires); false when there is no such account. */
export async function updateTokens(db: Queryable, box: SecretBox, source: Source, accountId: string, credentials: Credentials, tokenExpiresAt: Date | null): Promise<boolean> {
  const checked = parseCredentials(source, credentials);
  if (!checked.success) throw new Error(`credentials do not fit ${source}`);
  const rows = await db
    .update(crmAccounts)
    .set({ credentials: box.seal(JSON.stringify(checked.data), sealContext(source, accountId, 'credentials')), keyId: box.keyId, tokenExpiresAt, updatedAt: new Date() })
    .where(where(source, accountId))
    .returning({ id: crmAccounts.id });
  return rows.length > 0;
}

/** Sets the state with the reason an operator reads; false when there is no such account. */
export async function markState(db: Queryable, source: Source, accountId: string, state: AccountState, reason: string | null): Promise<boolean> {
  const rows = await db
    .update(crmAccounts)
    .set({ state, stateReason: reason, updatedAt: new Date() })
    .where(where(source, accountId))
    .returning({ id: crmAccounts.id });
  return rows.length > 0;
}

export const markNeedsReconnect = (db: Queryable, source: Source, accountId: string, reason: string) => markState(db, source, accountId, 'needs_reconnect', reason);
export const markPaused = (db: Queryable, source: Source, accountId: string, reason: string) => markState(db, source, accountId, 'paused', reason);
export const markActive = (db: Queryable, source: Source, accountId: string) => markState(db, source, accountId, 'active', null);

/** Records that the credential was just proven to belong to this account. */
export async function markVerified(db: Queryable, source: Source, accountId: string, at = new Date()): Promise<void> {
  await db.update(crmAccounts).set({ lastVerifiedAt: at }).where(where(source, accountId));
}

/**
 * Re-seals every secret sealed with another key than the box's current one (after a
 * rotation: the old key in ACCOUNTS_ENCRYPTION_PREVIOUS_KEYS, the new one current).
 * Returns how many accounts were re-sealed.
 */
export async function resealAll(db: Queryable, box: SecretBox): Promise<number> {
  const rows = await db.select().from(crmAccounts);
  let count = 0;
  for (const row of rows) {
    if (row.keyId === null || row.keyId === box.keyId) continue;
    const source = row.source as Source;
    const set: Partial<typeof crmAccounts.$inferInsert> = { keyId: box.keyId };
    if (row.credentials) set.credentials = box.seal(box.open(row.credentials, sealContext(source, row.accountId, 'credentials')), sealContext(source, row.accountId, 'credentials'));
    if (row.webhookSecret) set.webhookSecret = box.seal(box.open(row.webhookSecret, sealContext(source, row.accountId, 'webhook_secret')), sealContext(source, row.accountId, 'webhook_secret'));
    await db.update(crmAccounts).set(set).where(eq(crmAccounts.id, row.id));
    count++;
  }
  return count;
}
