import type { Database } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import { type AccountSummary, registerAccount } from '../repository.js';
import { createSecretBox, type SecretBox } from '../secret-box.js';
import { type OAuthConfig, OAuthError, type OAuthProvider, oauthProviders } from './providers.js';
import { type OAuthSource, signState, stateKey, useState, verifyState } from './state.js';

/**
 * OAuth installs: `start` sends the browser to the CRM's consent screen with a
 * signed state; `finish` checks that state (signature, CRM, ten minutes, once),
 * exchanges the code, asks whose account the token is (HubSpot portal, Pipedrive
 * company) and registers that account with its tokens sealed in the database.
 * Installing an account again is a reconnect: new tokens, state active.
 */

export type InstallFailure = { kind: 'not_configured' | 'bad_state' | 'refused' | 'unavailable'; detail: string };

export class InstallError extends Error {
  constructor(readonly failure: InstallFailure) {
    super(failure.detail);
    this.name = 'InstallError';
  }
}

export interface OAuthInstalls {
  configured(source: OAuthSource): boolean;
  /** Where to send the browser. */
  start(source: OAuthSource): string;
  finish(source: OAuthSource, code: string, state: string): Promise<AccountSummary>;
  /** The secret box and providers, for the token refresher. */
  box?: SecretBox;
  providers: Partial<Record<OAuthSource, OAuthProvider>>;
}

export function createOAuthInstalls(deps: { config: OAuthConfig; database: Database; logger: Logger }): OAuthInstalls {
  const { config, database, logger } = deps;
  const providers = oauthProviders(config);
  const key = config.accounts.key;
  const box = key ? createSecretBox(key, config.accounts.previousKeys) : undefined;
  const signing = key ? stateKey(key) : undefined;
  const redirectUri = (source: OAuthSource) => `${config.publicUrl}/oauth/${source}/callback`;

  function ready(source: OAuthSource): { provider: OAuthProvider; box: SecretBox; signing: Buffer } {
    const provider = providers[source];
    if (!provider || !box || !signing) {
      const what = source === 'hubspot' ? 'HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET' : 'PIPEDRIVE_CLIENT_ID and PIPEDRIVE_CLIENT_SECRET';
      throw new InstallError({ kind: 'not_configured', detail: `${source} installs need ${what}, and ACCOUNTS_ENCRYPTION_KEY to store the tokens.` });
    }
    return { provider, box, signing };
  }

  return {
    providers,
    box,
    configured: (source) => Boolean(providers[source] && box),
    start(source) {
      const { provider, signing } = ready(source);
      return provider.authorizeUrl(signState(signing, source), redirectUri(source));
    },
    async finish(source, code, state) {
      const { provider, box, signing } = ready(source);
      const check = verifyState(signing, state, source);
      if (!check.ok) throw new InstallError({ kind: 'bad_state', detail: check.reason });
      if (!(await useState(database.db, check.nonce))) throw new InstallError({ kind: 'bad_state', detail: 'this install link was already used; start it again' });
      try {
        const tokens = await provider.exchange(code, redirectUri(source));
        const accountId = await provider.accountOf(tokens);
        const credentials =
          source === 'pipedrive'
            ? { accessToken: tokens.accessToken, ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}), ...(tokens.apiDomain ? { apiDomain: tokens.apiDomain } : {}) }
            : { accessToken: tokens.accessToken, ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}) };
        const account = await registerAccount(database.db, box, { source, accountId, authKind: 'oauth', credentials, tokenExpiresAt: tokens.expiresAt });
        logger.info({ crm: source, accountId }, 'OAuth install: account connected');
        return account;
      } catch (err) {
        if (err instanceof OAuthError) throw new InstallError({ kind: err.final ? 'refused' : 'unavailable', detail: `${source}: ${err.message}` });
        throw err;
      }
    },
  };
}
