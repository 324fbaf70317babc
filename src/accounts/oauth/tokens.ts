import { CrmError } from '../../crm/crm-error.js';
import type { Database } from '../../db/client.js';
import { withAdvisoryLock } from '../../db/advisory-lock.js';
import type { Logger } from '../../logger.js';
import { credentialsOf, getAccount, markNeedsReconnect, updateTokens } from '../repository.js';
import type { SecretBox } from '../secret-box.js';
import { OAuthError, type OAuthProvider } from './providers.js';
import type { OAuthSource } from './state.js';

/**
 * An installed account's access token, refreshed ahead of its expiry once across
 * every instance: the refresh runs under a database lock, and whoever gets the lock
 * second reads the row again and finds the new token instead of refreshing twice
 * (a rotated Pipedrive refresh token used twice would be refused). A refresh the
 * authorization server refuses (the grant was revoked, the app uninstalled) marks
 * the account needs_reconnect: its calls then fail with a `reconnect` CrmError,
 * which keeps its jobs waiting (src/jobs/retry-policy.ts) until someone installs
 * again. A refresh that merely fails (5xx, timeout) leaves the account alone.
 */

/** Refresh this long before the access token expires (HubSpot's last 30 minutes, Pipedrive's about an hour). */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** How soon a call for an account waiting for a reconnect looks again. */
export const RECONNECT_RECHECK_MS = 5 * 60_000;

export interface OAuthTokensOptions {
  database: Database;
  box: SecretBox;
  providers: Partial<Record<OAuthSource, OAuthProvider>>;
  logger: Logger;
  marginMs?: number;
  /** Counts the refreshes that reached the authorization server (tests, metrics). */
  onRefresh?(source: OAuthSource, accountId: string): void;
}

export interface AccountCredentials {
  headers: Record<string, string>;
  baseUrl?: string;
}

export interface OAuthTokens {
  /** Headers (and Pipedrive's `api_domain`) for one call of an installed account. */
  credentialsFor(source: OAuthSource, accountId: string, signal?: AbortSignal): Promise<AccountCredentials>;
}

interface Current {
  accessToken: string;
  refreshToken?: string;
  apiDomain?: string;
  expiresAt: Date | null;
}

export function createOAuthTokens(options: OAuthTokensOptions): OAuthTokens {
  const { database, box, logger } = options;
  const margin = options.marginMs ?? REFRESH_MARGIN_MS;
  const inFlight = new Map<string, Promise<Current>>();

  const reconnect = (source: OAuthSource, accountId: string, why: string) =>
    new CrmError(source, { kind: 'reconnect', until: new Date(Date.now() + RECONNECT_RECHECK_MS) }, `${source} account ${accountId} needs to be connected again: ${why}`);

  async function read(source: OAuthSource, accountId: string): Promise<Current> {
    const account = await getAccount(database.db, source, accountId);
    if (!account) throw reconnect(source, accountId, 'it is not installed');
    if (account.state === 'needs_reconnect') throw reconnect(source, accountId, account.stateReason ?? 'its grant is gone');
    const creds = (await credentialsOf(database.db, box, source, accountId)) as Record<string, string | undefined> | undefined;
    if (!creds?.accessToken) throw reconnect(source, accountId, 'it holds no OAuth token');
    return { accessToken: creds.accessToken, refreshToken: creds.refreshToken, apiDomain: creds.apiDomain, expiresAt: account.tokenExpiresAt };
  }

  const fresh = (c: Current) => c.expiresAt === null || c.expiresAt.getTime() - Date.now() > margin;

  async function refreshed(source: OAuthSource, accountId: string): Promise<Current> {
    return withAdvisoryLock(database, 'oauthRefresh', async () => {
      // Another instance may have refreshed while this one waited for the lock.
      const current = await read(source, accountId);
      if (fresh(current)) return current;
      const provider = options.providers[source];
      if (!provider || !current.refreshToken) throw reconnect(source, accountId, 'its token expired and it has no refresh token');
      try {
        options.onRefresh?.(source, accountId);
        const next = await provider.refresh(current.refreshToken);
        const stored: Current & { expiresAt: Date } = {
          accessToken: next.accessToken,
          // Pipedrive may rotate the refresh token; HubSpot keeps the old one.
          refreshToken: next.refreshToken ?? current.refreshToken,
          apiDomain: next.apiDomain ?? current.apiDomain,
          expiresAt: next.expiresAt,
        };
        const credentials = { accessToken: stored.accessToken, refreshToken: stored.refreshToken, ...(source === 'pipedrive' && stored.apiDomain ? { apiDomain: stored.apiDomain } : {}) };
        await updateTokens(database.db, box, source, accountId, credentials, stored.expiresAt);
        logger.info({ crm: source, accountId, expiresAt: stored.expiresAt.toISOString() }, 'OAuth access token refreshed');
        return stored;
      } catch (err) {
        if (err instanceof OAuthError && err.final) {
          await markNeedsReconnect(database.db, source, accountId, `the token refresh was refused: ${err.message}; install the app again`);
          logger.error({ crm: source, accountId, err: { message: err.message } }, 'OAuth refresh refused: the account needs to be connected again; its leads wait');
          throw reconnect(source, accountId, err.message);
        }
        // A passing failure: the old token while it lasts, else a retry.
        if (current.expiresAt && current.expiresAt.getTime() > Date.now()) return current;
        throw new CrmError(source, { kind: 'retry' }, `${source} account ${accountId}: the token refresh failed (${(err as Error).message})`);
      }
    });
  }

  return {
    async credentialsFor(source, accountId) {
      let current = await read(source, accountId);
      if (!fresh(current)) {
        const key = `${source}:${accountId}`;
        let pending = inFlight.get(key);
        if (!pending) {
          pending = refreshed(source, accountId).finally(() => inFlight.delete(key));
          inFlight.set(key, pending);
        }
        current = await pending;
      }
      const headers: Record<string, string> = { authorization: `Bearer ${current.accessToken}` };
      return { headers, ...(current.apiDomain ? { baseUrl: current.apiDomain } : {}) };
    },
  };
}

/** How long an account's auth kind is remembered (an install or a reconnect shows within this). */
const KIND_TTL_MS = 30_000;

/**
 * The registry's per-account credentials: an installed (OAuth) account's own
 * token, refreshed as above; undefined for any other account, which keeps the
 * configured token. The auth kind is read from the registry, remembered briefly.
 */
export function installedCredentials(database: Database, tokens: OAuthTokens) {
  const kinds = new Map<string, { oauth: boolean; until: number }>();
  return async (source: OAuthSource, accountId: string, signal?: AbortSignal): Promise<AccountCredentials | undefined> => {
    const key = `${source}:${accountId}`;
    let kind = kinds.get(key);
    if (!kind || kind.until < Date.now()) {
      const account = await getAccount(database.db, source, accountId);
      kind = { oauth: account?.authKind === 'oauth', until: Date.now() + KIND_TTL_MS };
      kinds.set(key, kind);
    }
    return kind.oauth ? tokens.credentialsFor(source, accountId, signal) : undefined;
  };
}
