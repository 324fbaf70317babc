import type { Config } from '../config.js';
import type { CrmAdapter } from '../crm/adapter.js';
import { CrmError } from '../crm/crm-error.js';
import { createGenericAdapter } from '../crm/generic/api.js';
import { createHubspotAdapter } from '../crm/hubspot/api.js';
import { type CrmMapping, parseAccountMapping } from '../crm/mapping.js';
import { createPipedriveAdapter } from '../crm/pipedrive/api.js';
import type { CrmRegistry, CrmRegistryOptions } from '../crm/registry.js';
import type { RateLimiter } from '../crm/rate-limiter.js';
import type { Database } from '../db/client.js';
import type { Source } from '../leads/identity.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Credentials, GenericCredentials, HubspotCredentials, PipedriveCredentials } from './credentials.js';
import {
  type AccountSummary,
  credentialsOf,
  getAccount,
  listAccounts,
  markNeedsReconnect,
  markVerified,
  registerEnvironmentAccount,
  webhookSecretsOf,
} from './repository.js';
import type { SecretBox } from './secret-box.js';

/**
 * Which credential serves which CRM account (issue 24): every CRM call of a job is made
 * with the credential of the job's own account, never another's.
 *
 * - An account registered through the admin API (or an install) is served by an adapter
 *   built from its own sealed credential. On first use the credential is checked against
 *   the account (HubSpot account details, Pipedrive `/users/me`): one that belongs to
 *   another account marks the row `needs_reconnect` and is never used.
 * - The single-account environment variables (HUBSPOT_ACCESS_TOKEN, PIPEDRIVE_API_TOKEN,
 *   GENERIC_CRM_URL) serve the one account their credential proves to be, registered at
 *   start (`registerEnvironment`) or on first use. HubSpot states a portal only to a token
 *   with the `oauth` scope; refused, the environment token is bound to the first portal
 *   whose signed webhook needs it (the row says so), and no other.
 * - A source with no credential at all runs dry (`no_crm`) as before.
 */

export type Binding =
  /** `mapping`: the account's own `mappingOverride`, else the deployment's mapping for the CRM. */
  | { kind: 'bound'; adapter: CrmAdapter; origin: 'environment' | 'registry'; mapping: CrmMapping }
  /** No credential for this source anywhere: compute, write nothing (as before accounts existed). */
  | { kind: 'no_crm' }
  /** Credentials exist for this source, none for this account: never processed with another's. */
  | { kind: 'unknown'; reason: 'unknown_account' | 'wrong_account'; why: string }
  /** Registered but paused or waiting for a reconnect: its jobs wait. */
  | { kind: 'waiting'; state: 'paused' | 'needs_reconnect'; why: string };

export interface AccountBindings {
  /** The adapter of `accountId`'s own credential, or why there is none. */
  bind(source: Source, accountId: string, signal?: AbortSignal): Promise<Binding>;
  /** Whether an event for this account would be processed (intake ignores the ones that would not). */
  accepts(source: Source, accountId: string): Promise<{ ok: true } | { ok: false; reason: 'unknown_account' | 'wrong_account'; why: string }>;
  /**
   * Which account `credentials` belong to, asked of the CRM now (registration checks it):
   * the account id, a refusal, or `unavailable` (the CRM did not answer: checked on first use).
   * The generic target states no account: `unchecked`.
   */
  check(source: Source, credentials: Credentials, signal?: AbortSignal): Promise<{ accountId: string } | { refused: string } | { unavailable: string } | { unchecked: true }>;
  /**
   * The accounts of `source` that sign their webhooks with a secret of their own
   * (`clientSecret` at registration: HubSpot's per-app client secret), opened; read at
   * most once per ACCEPT_CACHE_MS. Empty without ACCOUNTS_ENCRYPTION_KEY. A secret that
   * does not open with the configured keys is listed as undefined (nobody may sign for it).
   */
  webhookSecrets(source: Source): Promise<Map<string, string | undefined>>;
  /** Asks each environment credential which account it belongs to and registers that account. */
  registerEnvironment(signal?: AbortSignal): Promise<void>;
  /** Forgets the adapter built for an account (after its credential changed or it was deleted). */
  forget(source: Source, accountId: string): Promise<void>;
  close(): Promise<void>;
}

export interface AccountBindingsOptions {
  config: Config;
  database: Database;
  /** The environment's adapters, the shared limiter and the mapping. */
  crm: CrmRegistry;
  limiter: RateLimiter;
  /** undefined without ACCOUNTS_ENCRYPTION_KEY: only environment accounts can be served. */
  box: SecretBox | undefined;
  /**
   * An installed (OAuth) account's current access token, refreshed ahead of expiry
   * (src/accounts/oauth/tokens.ts); undefined for an account on a static credential.
   */
  credentialsFor?: CrmRegistryOptions['credentialsFor'];
  metrics: Metrics;
  logger: Logger;
}

/** How long intake trusts its copy of the registered accounts. */
export const ACCEPT_CACHE_MS = 5_000;

type Closable = CrmAdapter & { http: { close(): Promise<void> } };

export function createAccountBindings(options: AccountBindingsOptions): AccountBindings {
  const { config, database, crm, limiter, box, metrics, logger } = options;
  /**
   * The environment holds a credential of its own for `source` (not only an OAuth app,
   * whose adapter exists without a static token): only such a credential has an account to learn.
   */
  const environmentCredential = (source: Source) =>
    crm.adapter(source) !== undefined &&
    (source === 'hubspot' ? Boolean(config.hubspot.accessToken) : source === 'pipedrive' ? Boolean(config.pipedrive.apiToken) : Boolean(config.generic.crmUrl));
  /** Per request, an installed account's refreshed token wins over the one sealed at install. */
  const installed = (source: 'hubspot' | 'pipedrive') =>
    options.credentialsFor ? { credentialsFor: (accountId: string, signal?: AbortSignal) => options.credentialsFor!(source, accountId, signal) } : {};
  const db = database.db;
  /** The account each environment credential proved to be (or was bound to by a signed webhook). */
  const envAccount = new Map<Source, string>();
  /** Adapters built from registered credentials, by `source:accountId`, with the row version they were built from. */
  const built = new Map<string, { adapter: Closable; updatedAt: number }>();
  const key = (source: Source, accountId: string) => `${source}:${accountId}`;

  /** An account's mapping: its override where it has one (validated when it was stored), else the deployment's. */
  const mappingOf = (source: Source, override: unknown): CrmMapping => (override == null ? crm.mapping[source] : parseAccountMapping(source, override));

  function adapterFor(source: Source, credentials: Credentials, mapping: CrmMapping = crm.mapping[source]): Closable {
    const common = { limiter, metrics, logger };
    if (source === 'hubspot') {
      const c = credentials as HubspotCredentials;
      return createHubspotAdapter({ ...common, ...installed('hubspot'), baseUrl: config.hubspot.baseUrl, apiVersion: config.hubspot.apiVersion, accessToken: c.accessToken, mapping });
    }
    if (source === 'pipedrive') {
      const c = credentials as PipedriveCredentials;
      const token = 'apiToken' in c ? c.apiToken : c.accessToken;
      return createPipedriveAdapter({ ...common, ...installed('pipedrive'), baseUrl: config.pipedrive.baseUrl, apiToken: token, budgetProbeMs: config.pipedrive.budgetProbeMs, mapping, customFieldLimit: crm.customFieldLimit });
    }
    const c = credentials as GenericCredentials;
    return createGenericAdapter({ ...common, crmUrl: c.url, crmToken: c.token, mapping });
  }

  /** Which account the environment credential of `source` belongs to; undefined when the CRM would not say. */
  async function learnEnvironment(source: Source, signal?: AbortSignal): Promise<string | undefined> {
    const known = envAccount.get(source);
    if (known) return known;
    const adapter = crm.adapter(source);
    if (!adapter || !environmentCredential(source)) return undefined;
    if (source === 'generic') {
      // The generic webhook names one tenant, 'default'; its URL is the whole credential.
      envAccount.set(source, 'default');
      await registerEnvironmentAccount(db, 'generic', 'default');
      snapshot = undefined;
      return 'default';
    }
    if (!adapter.ownAccount) return undefined;
    try {
      // Asked at every start: counted in the window of the account this credential had last time
      // (three instances starting in a storm each took one request outside it: 13 in a window of 12).
      const likely = (await listAccounts(db, { source, origin: 'environment' }))[0]?.accountId;
      const accountId = await adapter.ownAccount(signal, likely);
      envAccount.set(source, accountId);
      await registerEnvironmentAccount(db, source, accountId);
      snapshot = undefined;
      await markVerified(db, source, accountId);
      logger.info({ source, accountId }, 'the environment credential belongs to this account: registered');
      return accountId;
    } catch (err) {
      if (signal?.aborted) throw err;
      // HubSpot refuses the details to a token without the `oauth` scope (403): not an outage.
      if (err instanceof CrmError && err.failure.kind === 'auth') {
        logger.warn({ source, status: err.failure.status }, `${source} would not say which account the environment credential belongs to; grant it the account details (HubSpot scope oauth)`);
        return undefined;
      }
      throw err;
    }
  }

  async function bindEnvironment(source: Source, accountId: string, signal?: AbortSignal): Promise<Binding | undefined> {
    const adapter = crm.adapter(source);
    if (!adapter || !environmentCredential(source)) return undefined;
    let own = await learnEnvironment(source, signal);
    if (!own && source === 'hubspot') {
      // HubSpot webhooks are accepted only signed with the app's client secret: the first
      // portal whose event needs the token installed our app. Recorded, and no other is served.
      const registered = await listAccounts(db, { source: 'hubspot', origin: 'environment' });
      own = registered[0]?.accountId ?? accountId;
      if (!registered.length) await registerEnvironmentAccount(db, 'hubspot', own);
      snapshot = undefined;
      envAccount.set('hubspot', own);
    }
    if (!own) return undefined;
    if (own === accountId) return { kind: 'bound', adapter, origin: 'environment', mapping: crm.mapping[source] };
    return undefined;
  }

  async function bind(source: Source, accountId: string, signal?: AbortSignal): Promise<Binding> {
    const row = await getAccount(db, source, accountId);
    if (row && row.state !== 'active') return { kind: 'waiting', state: row.state, why: row.stateReason ?? `the account is ${row.state}` };
    if (row?.origin === 'registry' && box) {
      const cached = built.get(key(source, accountId));
      const mapping = mappingOf(source, row.mappingOverride);
      if (cached && cached.updatedAt === row.updatedAt.getTime()) return { kind: 'bound', adapter: cached.adapter, origin: 'registry', mapping };
      const credentials = await credentialsOf(db, box, source, accountId);
      if (!credentials) return { kind: 'unknown', reason: 'unknown_account', why: 'the account has no stored credential' };
      const adapter = adapterFor(source, credentials, mapping);
      if (cached) await cached.adapter.http.close().catch(() => {});
      // First use: the credential must belong to this very account.
      if (!row.lastVerifiedAt && adapter.ownAccount) {
        let proven: string;
        try {
          proven = await adapter.ownAccount(signal, accountId);
        } catch (err) {
          await adapter.http.close().catch(() => {});
          if (err instanceof CrmError && err.failure.kind === 'auth') {
            const why = `${source} refused the credential (${err.failure.status ?? 'auth'}): reconnect the account`;
            await markNeedsReconnect(db, source, accountId, why);
            return { kind: 'waiting', state: 'needs_reconnect', why };
          }
          throw err;
        }
        if (proven !== accountId) {
          await adapter.http.close().catch(() => {});
          const why = `the credential belongs to ${source} account ${proven}, not ${accountId}: register it under its own account`;
          await markNeedsReconnect(db, source, accountId, why);
          metrics.accountEventsIgnored.inc({ source, reason: 'wrong_account' });
          logger.warn({ source, accountId, proven }, 'a registered credential belongs to another account: not used');
          return { kind: 'waiting', state: 'needs_reconnect', why };
        }
        await markVerified(db, source, accountId);
      }
      const fresh = await getAccount(db, source, accountId);
      built.set(key(source, accountId), { adapter, updatedAt: (fresh ?? row).updatedAt.getTime() });
      return { kind: 'bound', adapter, origin: 'registry', mapping };
    }
    const env = await bindEnvironment(source, accountId, signal);
    if (env) return env;
    const anyCredential = crm.adapter(source) !== undefined || (box !== undefined && (await listAccounts(db, { source, origin: 'registry' })).length > 0);
    if (!anyCredential) return { kind: 'no_crm' };
    return { kind: 'unknown', reason: 'unknown_account', why: `no credential is registered for ${source} account ${accountId}` };
  }

  /**
   * Intake asks for every webhook: the registered accounts are read at most once per
   * ACCEPT_CACHE_MS (an account registered on another instance is known within it).
   */
  let snapshot: { at: number; rows: Promise<AccountSummary[]> } | undefined;
  const registeredNow = () => {
    if (!snapshot || Date.now() - snapshot.at > ACCEPT_CACHE_MS) {
      const rows = listAccounts(db);
      snapshot = { at: Date.now(), rows };
      rows.catch(() => {
        snapshot = undefined;
      });
    }
    return snapshot.rows;
  };

  const secrets = new Map<Source, { at: number; value: Promise<Map<string, string | undefined>> }>();
  function webhookSecrets(source: Source): Promise<Map<string, string | undefined>> {
    if (!box) return Promise.resolve(new Map());
    const held = secrets.get(source);
    if (held && Date.now() - held.at <= ACCEPT_CACHE_MS) return held.value;
    const value = webhookSecretsOf(db, box, source, (accountId) =>
      logger.error({ source, accountId }, 'the account’s webhook secret does not open with the configured keys: its webhooks are refused until it is set again'),
    );
    secrets.set(source, { at: Date.now(), value });
    value.catch(() => secrets.delete(source));
    return value;
  }

  async function accepts(source: Source, accountId: string) {
    const registered = (await registeredNow()).filter((a) => a.source === source);
    if (registered.some((a) => a.accountId === accountId)) return { ok: true as const };
    const adapter = crm.adapter(source);
    // Nothing configured for the source: events are recorded and computed dry, as before.
    if (!adapter && !registered.length) return { ok: true as const };
    // The environment credential's account is not known yet (HubSpot without the oauth scope,
    // or a CRM that did not answer at start): the worker decides on first use.
    if (adapter && environmentCredential(source) && !envAccount.has(source) && !registered.some((a) => a.origin === 'environment')) return { ok: true as const };
    return { ok: false as const, reason: 'unknown_account' as const, why: `no credential is registered for ${source} account ${accountId}` };
  }

  async function check(source: Source, credentials: Credentials, signal?: AbortSignal) {
    const adapter = adapterFor(source, credentials);
    try {
      if (!adapter.ownAccount) return { unchecked: true as const };
      return { accountId: await adapter.ownAccount(signal) };
    } catch (err) {
      if (err instanceof CrmError && (err.failure.kind === 'auth' || err.failure.kind === 'permanent')) {
        return { refused: `${source} refused the credential (${err.failure.kind === 'auth' ? (err.failure.status ?? 'auth') : 'no account stated'})` };
      }
      return { unavailable: `${source} did not answer the account check` };
    } finally {
      await adapter.http.close().catch(() => {});
    }
  }

  return {
    bind,
    accepts,
    check,
    webhookSecrets,
    async registerEnvironment(signal) {
      for (const source of crm.configured().filter(environmentCredential)) {
        try {
          await learnEnvironment(source, signal);
        } catch (err) {
          // An outage at start: asked again on first use.
          logger.warn({ source, err: { message: (err as Error).message } }, 'could not ask which account the environment credential belongs to; asking again on first use');
        }
      }
    },
    async forget(source, accountId) {
      snapshot = undefined;
      secrets.delete(source);
      const k = key(source, accountId);
      const cached = built.get(k);
      built.delete(k);
      await cached?.adapter.http.close().catch(() => {});
    },
    async close() {
      await Promise.allSettled([...built.values()].map((b) => b.adapter.http.close()));
      built.clear();
    },
  };
}
