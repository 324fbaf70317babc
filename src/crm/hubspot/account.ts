import type { Logger } from '../../logger.js';
import { CrmError } from '../crm-error.js';
import type { CrmHttp } from '../http.js';
import type { HubspotPaths } from './paths.js';

/**
 * The time zone of each HubSpot account: its daily API limit "resets at
 * midnight based on your time zone setting" (usage guidelines, research §1.6),
 * and the account details API (`GET /account-info/{version}/details`, scope `oauth`)
 * states that setting as `timeZone`. Asked once per account per day; until
 * then, or when the token may not ask, the configured default holds.
 */

const TTL_MS = 24 * 3600_000;
/** After a failed look-up, wait this long before asking again. */
const RETRY_MS = 15 * 60_000;

export function createAccountZones(http: CrmHttp, paths: HubspotPaths, logger: Logger, fallback: string) {
  const zones = new Map<string, { zone?: string; until: number }>();

  async function learn(accountId: string, signal?: AbortSignal): Promise<void> {
    const known = zones.get(accountId);
    if (known && known.until > Date.now()) return;
    try {
      const res = await http.send<{ timeZone?: unknown }>(accountId, { op: 'account', method: 'GET', path: paths.accountDetails(), signal });
      const zone = typeof res.body?.timeZone === 'string' && validZone(res.body.timeZone) ? res.body.timeZone : undefined;
      zones.set(accountId, { zone, until: Date.now() + TTL_MS });
    } catch (err) {
      if (signal?.aborted) throw err;
      zones.set(accountId, { until: Date.now() + RETRY_MS });
      logger.warn({ accountId, err: { message: err instanceof CrmError ? err.message : (err as Error).message } }, `HubSpot account details unavailable: the daily limit is taken to reset at midnight ${fallback}`);
    }
  }

  return {
    learn,
    zoneOf: (accountId: string) => zones.get(accountId)?.zone ?? fallback,
  };
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
