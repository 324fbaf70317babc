import { and, desc, eq } from 'drizzle-orm';
import { listAccounts } from '../accounts/repository.js';
import type { Database } from '../db/client.js';
import { jobs } from '../db/schema.js';
import { CrmError } from '../crm/crm-error.js';
import type { CrmAdapter } from '../crm/adapter.js';
import type { Source } from '../leads/identity.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

/**
 * Which account the catch-up sweep lists for each configured credential (review
 * 2026-12, M3). The sweep used to list the token's records once per account id any
 * webhook had named and file them under each, so forged `company_id`s multiplied its
 * requests and jobs. One credential belongs to one account, and the CRM says which:
 * asked once per credential and kept for the process's life.
 *
 * HubSpot answers only a token with the `oauth` scope. Refused, the sweep trusts the
 * portal of the most recent HubSpot webhook job: HubSpot webhooks are accepted only
 * signed with our app's client secret (src/http/routes/webhooks.ts), so that portal
 * installed our app. With neither, the sweep is skipped, logged and counted, rather
 * than guessed. Issue 24's account registry replaces this module.
 */

export type SweepAccount =
  | { accountId: string; via: 'crm' | 'signed_webhook' }
  | { skipped: 'no_lookup' | 'lookup_failed' | 'no_signed_webhook'; why: string };

export interface CatchupAccountsOptions {
  database: Database;
  logger: Logger;
  metrics?: Metrics;
}

/** After a refusal, how long before the CRM is asked again (a scope may be granted meanwhile). */
const REFUSED_RETRY_MS = 3600_000;

export function createCatchupAccounts(options: CatchupAccountsOptions) {
  const { database, logger, metrics } = options;
  const known = new Map<Source, string>();
  const refusedUntil = new Map<Source, number>();

  async function latestSignedHubspotPortal(): Promise<string | undefined> {
    const [row] = await database.db
      .select({ accountId: jobs.accountId })
      .from(jobs)
      .where(and(eq(jobs.source, 'hubspot'), eq(jobs.reason, 'webhook')))
      .orderBy(desc(jobs.id))
      .limit(1);
    return row?.accountId;
  }

  function skip(source: Source, skipped: Extract<SweepAccount, { skipped: string }>['skipped'], why: string): SweepAccount {
    metrics?.catchupSkipped.inc({ source, reason: skipped });
    logger.warn({ source, reason: skipped, why }, 'catch-up sweep skipped: the account of the credential is not known');
    return { skipped, why };
  }

  /** The account `adapter`'s credential belongs to, or why the sweep of it is skipped. */
  async function accountOf(adapter: CrmAdapter, signal?: AbortSignal): Promise<SweepAccount> {
    const source = adapter.source;
    const cached = known.get(source);
    if (cached) return { accountId: cached, via: 'crm' };
    if (!adapter.ownAccount) return skip(source, 'no_lookup', `${source} states no account for its credential`);
    let refusal: string | undefined;
    if ((refusedUntil.get(source) ?? 0) > Date.now()) refusal = 'refused earlier';
    else {
      try {
        // Counted in the window of the account this credential had last time, like the check at
        // start (src/accounts/bindings.ts): asked without it, the first sweep of each instance took
        // one request outside the portal's window, and three instances at a minute's turn put 13
        // requests into a window of 12 (the cluster run, two 429s).
        const likely = (await listAccounts(database.db, { source, origin: 'environment' }))[0]?.accountId ?? (source === 'hubspot' ? await latestSignedHubspotPortal() : undefined);
        const accountId = await adapter.ownAccount(signal, likely);
        known.set(source, accountId);
        refusedUntil.delete(source);
        logger.info({ source, accountId }, 'catch-up sweep: the credential belongs to this account');
        return { accountId, via: 'crm' };
      } catch (err) {
        if (signal?.aborted) throw err;
        const message = (err as Error).message;
        const refused = err instanceof CrmError && err.failure.kind === 'auth' && err.failure.status === 403;
        if (!refused) return skip(source, 'lookup_failed', message);
        refusedUntil.set(source, Date.now() + REFUSED_RETRY_MS);
        refusal = message;
      }
    }
    if (source !== 'hubspot') return skip(source, 'lookup_failed', refusal);
    const portal = await latestSignedHubspotPortal();
    if (!portal) return skip(source, 'no_signed_webhook', `account details refused (${refusal}) and no signed webhook has named a portal yet`);
    return { accountId: portal, via: 'signed_webhook' };
  }

  return { accountOf };
}

export type CatchupAccounts = ReturnType<typeof createCatchupAccounts>;
